"""The public URL scheme. Paths derive only from stable ids (procedure code, field id).

A printed QR code carries one of these for years: never change an existing rule,
only add new ones.
"""

from __future__ import annotations

from .model import Office


def page(code: str) -> str:
    """Site-relative URL of a procedure page, e.g. ``p/1.001193/``."""
    return f"p/{code}/"


def field(field_id: str) -> str:
    """Site-relative URL of a field's index page."""
    return f"f/{field_id}/"


def slip(code: str) -> str:
    return f"pdf/phieu-{code}.pdf"


def poster(field_id: str) -> str:
    return f"pdf/ap-phich-{field_id}.pdf"


def pack(field_id: str, size: str) -> str:
    return f"pdf/goi-in-{field_id}-{size.lower()}.pdf"


#: Paper sizes a slip or pack can be published in (each size has its own pack URL).
PAPER_SIZES = ("A5", "A4", "A6")

AZ = "tra-cuu/"
PRINTING = "in-an/"


def absolute(office: Office, path: str, site_url: str | None = None) -> str:
    """An absolute URL on the public site (or on ``site_url`` when building a preview)."""
    base = (site_url or office.site_url).rstrip("/") + "/"
    return base + path
