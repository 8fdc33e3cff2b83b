"""Stage 1, load: strict YAML files → checked, immutable records, gathered in a :class:`Catalog` per office
(a :class:`Project` holds a province's offices)."""

from .catalog import Catalog, load_catalog
from .project import OfficeSite, Project, load_project

__all__ = ["Catalog", "OfficeSite", "Project", "load_catalog", "load_project"]
