"""phieu: QR instruction slips and a citizen website for administrative procedures.

The public API is what this module exposes; everything else is internal.
Stages: load (YAML → model) → render (page, slip, QR) → publish (MkDocs plugin, print packs).
"""

from importlib.metadata import PackageNotFoundError, version

from .errors import DataError, PhieuError, Problem, RenderError
from .load import Catalog, load_catalog
from .model import FieldInfo, Office, Procedure

try:
    __version__ = version("phieu")
except PackageNotFoundError:  # pragma: no cover - running from a plain checkout
    __version__ = "0"

__all__ = [
    "Catalog",
    "DataError",
    "FieldInfo",
    "Office",
    "PhieuError",
    "Problem",
    "Procedure",
    "RenderError",
    "__version__",
    "load_catalog",
]
