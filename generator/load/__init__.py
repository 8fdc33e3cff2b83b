"""Stage 1, load: strict YAML files → checked, immutable records, gathered in a :class:`Catalog`."""

from .catalog import Catalog, load_catalog

__all__ = ["Catalog", "load_catalog"]
