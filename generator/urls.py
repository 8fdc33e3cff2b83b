"""The public URL scheme: the only module that knows where anything lives in the site.

Paths derive only from stable ids (procedure code, field id). A printed QR code carries one of these
for years: never change an existing rule, only add new ones.
"""

from __future__ import annotations

from .model import Office

PROCEDURES = "p/"
"""Folder of procedure pages."""
FIELDS = "f/"
"""Folder of field index pages."""
PDFS = "pdf/"
"""Folder of every published PDF."""

AZ = "tra-cuu/"
PRINTING = "in-an/"
MANIFEST = "manifest.json"
"""Every slip with its QR target and checksums, for printing offices' tools."""
SCANS = "q/"
"""Folder of the short pages a printed QR code opens. Each forwards to its page, so a web server's
access log tells a scan (``q/``) from a visit (``p/``)."""
SHARE_IMAGES = "og/"
"""Folder of the preview images shown when a page is shared (Zalo, Facebook); the pages never load them."""
ADMIN = "admin/"
"""Staff pages: never kept by the offline service worker."""
SERVICE_WORKER = "sw.js"
"""The offline service worker, at the site root so that its scope is the whole site."""

#: Paper sizes a slip or pack can be published in (each size has its own pack URL).
PAPER_SIZES = ("A5", "A4", "A6")

#: Built only by ``phieu build --reprint``: a one-off pack, never a permanent URL.
REPRINT_PACK = f"{PDFS}goi-in-thay-doi.pdf"

_SLIP, _POSTER, _PACK = "phieu-", "ap-phich-", "goi-in-"
#: A field's table tent (A4, folded to stand on a counter) and its slips imposed n-up for a print shop.
_TENT, _IMPOSED = "de-ban-", "binh-trang-"
FORMS = "mau/"
"""Folder of the pages where citizens fill a national form in on the phone."""
_SAMPLE = "mau-"
FORM_SCRIPT = "assets/phieu-mau.js"
FORM_STYLE = "assets/phieu-mau.css"
"""The fill-in page's script and stylesheet (theme/overrides/assets), loaded by that page only."""


def page(code: str) -> str:
    """Site-relative URL of a procedure page, e.g. ``p/1.001193/``."""
    return f"{PROCEDURES}{code}/"


def field(field_id: str) -> str:
    """Site-relative URL of a field's index page."""
    return f"{FIELDS}{field_id}/"


def scan(code: str) -> str:
    """What a slip's QR code opens, e.g. ``q/1.001193/``: a page that forwards to :func:`page`."""
    return f"{SCANS}{code}/"


def field_scan(field_id: str) -> str:
    """What a field poster's QR code opens, e.g. ``q/f/ho-tich/``: forwards to :func:`field`."""
    return f"{SCANS}{FIELDS}{field_id}/"


def share_image(field_id: str) -> str:
    """The preview image of a field's pages when shared, e.g. ``og/ho-tich.png``."""
    return f"{SHARE_IMAGES}{field_id}.png"


def slip(code: str) -> str:
    return f"{PDFS}{_SLIP}{code}.pdf"


def poster(field_id: str) -> str:
    return f"{PDFS}{_POSTER}{field_id}.pdf"


def pack(field_id: str, size: str) -> str:
    return f"{PDFS}{_PACK}{field_id}-{size.lower()}.pdf"


def tent(field_id: str) -> str:
    """A field's table tent, e.g. ``pdf/de-ban-ho-tich.pdf``."""
    return f"{PDFS}{_TENT}{field_id}.pdf"


def imposed(field_id: str, layout: str) -> str:
    """A field's slips imposed n-up for a print shop, e.g. ``pdf/binh-trang-ho-tich-a5x2.pdf``."""
    return f"{PDFS}{_IMPOSED}{field_id}-{layout}.pdf"


def form(form_id: str) -> str:
    """The page where a national form is filled in on the phone, e.g. ``mau/to-khai-khai-sinh/``."""
    return f"{FORMS}{form_id}/"


def form_sample(form_id: str) -> str:
    """A national form's filled sample, e.g. ``pdf/mau-to-khai-khai-sinh.pdf``."""
    return f"{PDFS}{_SAMPLE}{form_id}.pdf"


def admin(name: str) -> str:
    """A file of the staff editor, e.g. ``admin/config.yml``."""
    return f"{ADMIN}{name}"


# --- sources: where generated pages sit in MkDocs' docs tree (served at the URLs above) -------------

AZ_SOURCE = "tra-cuu.md"
PRINTING_SOURCE = "in-an.md"


def page_source(code: str) -> str:
    """``p/1.001193.md``, served at :func:`page`."""
    return f"{PROCEDURES}{code}.md"


def form_source(form_id: str) -> str:
    """``mau/to-khai-khai-sinh.md``, served at :func:`form`."""
    return f"{FORMS}{form_id}.md"


def field_source(field_id: str) -> str:
    return f"{FIELDS}{field_id}.md"


def code_of_source(src_uri: str) -> str | None:
    """The procedure code of a procedure page's source, else None."""
    if src_uri.startswith(PROCEDURES) and src_uri.endswith(".md"):
        return src_uri.removeprefix(PROCEDURES).removesuffix(".md")
    return None


def form_of_source(src_uri: str) -> str | None:
    """The form id of a fill-in page's source, else None."""
    if src_uri.startswith(FORMS) and src_uri.endswith(".md"):
        return src_uri.removeprefix(FORMS).removesuffix(".md")
    return None


def is_listing_source(src_uri: str) -> bool:
    """Field pages, the A–Z list and the printing page: generated from many files, none to edit."""
    return src_uri.startswith(FIELDS) or src_uri in (AZ_SOURCE, PRINTING_SOURCE)


def parse(url: str) -> tuple[str, str] | None:
    """What a published URL path (with or without a leading ``/``) is: ``("page", code)``,
    ``("field", id)``, ``("scan", code)``, ``("field-scan", id)``, ``("form", id)``, ``("slip", code)``,
    ``("poster", id)``, ``("sample", form id)`` or ``("pack", "id-size")``."""
    path = url.lstrip("/")
    for folder, kind in (
        (PROCEDURES, "page"),
        (FIELDS, "field"),
        (SCANS + FIELDS, "field-scan"),
        (SCANS, "scan"),
        (FORMS, "form"),
    ):
        rest = path.removeprefix(folder)
        if rest != path and rest.endswith("/") and "/" not in rest[:-1] and rest != "/":
            return kind, rest[:-1]
    if path.startswith(PDFS) and path.endswith(".pdf"):
        name = path.removeprefix(PDFS).removesuffix(".pdf")
        for prefix, kind in (
            (_SLIP, "slip"),
            (_POSTER, "poster"),
            (_PACK, "pack"),
            (_TENT, "tent"),
            (_IMPOSED, "imposed"),
            (_SAMPLE, "sample"),
        ):
            if name.startswith(prefix):
                return kind, name.removeprefix(prefix)
    return None


# --- a province: every office's site sits under the province's address -------------------------------

#: First path segments the province root uses itself; an office id may not be one of them.
RESERVED_OFFICE_IDS = frozenset(
    {
        "p",
        "f",
        "q",
        "pdf",
        "og",
        "admin",
        "assets",
        "search",
        "javascripts",
        "stylesheets",
        "tra-cuu",
        "in-an",
        "mau",
        "huong-dan",
        "can-bo",
        "tiep-can",
        "xa-phuong",
        "hinh",
        "sw",
        "404",
    }
)
OFFICES = "xa-phuong/"
"""The province's list of every office (with the finder by current or former name)."""
OFFICES_SOURCE = "xa-phuong.md"


def office_home(office_id: str) -> str:
    """Site-relative URL of an office's own site inside a province's, e.g. ``phuong-cao-lanh/``."""
    return f"{office_id}/"


def office_page(office_id: str, code: str) -> str:
    """An office's page of a procedure, e.g. ``phuong-cao-lanh/p/1.001193/``."""
    return office_home(office_id) + page(code)


def office_site_url(province_site_url: str, office_id: str) -> str:
    """The absolute address an office's own site is built for."""
    return province_site_url.rstrip("/") + "/" + office_home(office_id)


def absolute(office: Office, path: str, site_url: str | None = None) -> str:
    """An absolute URL on the public site (or on ``site_url`` when building a preview)."""
    base = (site_url or office.site_url).rstrip("/") + "/"
    return base + path
