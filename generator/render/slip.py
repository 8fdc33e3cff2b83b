"""Render printable PDFs (slips, field posters, print packs) with WeasyPrint.

One FontConfiguration and the parsed stylesheets are shared by every document.
WeasyPrint may read only files inside ``theme/slip/``: the fetcher refuses any
other file, every network scheme, and (having no redirect handler) redirects.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import logging
import mimetypes
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .. import urls
from ..errors import RenderError
from ..load import Catalog
from ..model import FieldInfo, Procedure
from . import templates, text
from .qr import check_print_width, make_qr

log = logging.getLogger(__name__)

QR_WIDTH_MM = {"A4": 40, "A5": 34, "A6": 30}
POSTER_QR_MM = 70
#: A table tent is read from across the counter: a larger code than the poster's.
TENT_QR_MM = 80
PDF_OPTIONS = {"pdf_tags": True, "custom_metadata": True}


class ThemeOnlyFetcher(URLFetcher):
    """Serves files from one folder and refuses everything else."""

    def __init__(self, root: Path):
        super().__init__(allowed_protocols={"file"}, allow_redirects=False)
        self.root = root.resolve()
        self.refused: list[str] = []

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:  # noqa: ARG002 - WeasyPrint's signature
        parts = urlsplit(url)
        path = Path(unquote(parts.path)).resolve() if parts.scheme == "file" and not parts.netloc else None
        if path is None or not path.is_relative_to(self.root) or not path.is_file():
            self.refused.append(url)
            raise ValueError(f"phieu chặn tải tài nguyên ngoài theme/slip: {url}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})


#: Seconds one PDF may take; a pathological input (say, an enormous table) fails instead of hanging.
TIME_LIMIT_S = 60.0


class _Expired(BaseException):
    pass


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise RenderError after ``seconds`` (needs the main thread, as in ``phieu build`` and the workers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(_signum, frame):
        # Python swallows exceptions raised in finalisers and garbage-collector callbacks, so the
        # timer is re-armed: if this raise is lost, the next one lands in ordinary code.
        signal.setitimer(signal.ITIMER_REAL, 0.02)
        if frame is not None and frame.f_code.co_name == "__del__":
            return
        raise _Expired  # a BaseException, so no `except Exception` inside WeasyPrint swallows it

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except _Expired:
        raise RenderError(f"quá {seconds:g} giây: nội dung quá lớn hoặc bất thường") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def has_hb_subset() -> bool:
    """Whether HarfBuzz's subsetter is installed (it makes font subsetting ~7× faster)."""
    return ctypes.util.find_library("harfbuzz-subset") is not None


@dataclass(frozen=True)
class Pdf:
    content: bytes
    pages: int


class SlipRenderer:
    """Turns procedures and fields into PDF bytes."""

    def __init__(self, catalog: Catalog, theme_dir: Path, *, site_url: str):
        self.catalog = catalog
        self.site_url = site_url
        self.assets = (theme_dir / "slip").resolve()
        self.env = templates.environment(self.assets)
        self.fetcher = ThemeOnlyFetcher(self.assets)
        self.fonts = FontConfiguration()
        self.base_url = self.assets.as_uri() + "/"
        self.stylesheet = CSS(
            filename=str(self.assets / "slip.css"), font_config=self.fonts, url_fetcher=self.fetcher
        )
        self._sizes: dict[str, CSS] = {}

    def _page_css(self, size: str) -> CSS:
        if size not in self._sizes:
            self._sizes[size] = CSS(string=f"@page {{ size: {size} portrait; }}", font_config=self.fonts)
        return self._sizes[size]

    def _pdf(self, html: str, size: str) -> Pdf:
        with time_limit(TIME_LIMIT_S):
            document = HTML(string=html, base_url=self.base_url, url_fetcher=self.fetcher).render(
                stylesheets=[self.stylesheet, self._page_css(size)], font_config=self.fonts
            )
            return Pdf(document.write_pdf(**PDF_OPTIONS), len(document.pages))

    def slip_context(self, procedure: Procedure, size: str) -> dict:
        """What the slip template sees of one procedure: its printed payload, the version (the payload's
        hash) and the QR code of the payload's URL. Nothing else, so the version covers all it prints."""
        printed = text.printed_payload(
            procedure, self.catalog.office, self.catalog.field(procedure.field), self.site_url
        )
        qr = make_qr(printed["url"])
        check_print_width(qr, QR_WIDTH_MM[size], size)
        return {**printed, "version": text.version_of(printed), "qr": qr}

    def slip_html(self, procedures: list[Procedure], size: str, title: str) -> str:
        return self.env.get_template("slip.html.j2").render(
            slips=[self.slip_context(p, size) for p in procedures],
            size=size,
            qr_mm=QR_WIDTH_MM[size],
            title=title,
            updated=max(p.updated for p in procedures),
        )

    def slip(self, procedure: Procedure, size: str) -> Pdf:
        title = f"Phiếu hướng dẫn: {procedure.name} ({procedure.code})"
        return self._pdf(self.slip_html([procedure], size, title), size)

    def poster(self, field: FieldInfo) -> Pdf:
        """A field's A4 poster. The template sees only its printed payload and the QR code of its URL."""
        printed = text.poster_payload(
            field, self.catalog.in_field(field.id), self.catalog.office, self.site_url
        )
        qr = make_qr(printed["url"])
        check_print_width(qr, POSTER_QR_MM, "A4")
        html = self.env.get_template("poster.html.j2").render(
            **printed, qr=qr, qr_mm=POSTER_QR_MM, short=printed["url"].split("://", 1)[1]
        )
        return self._pdf(html, "A4")

    def tent_face(self, field: FieldInfo, width_mm: float, height_mm: float) -> Pdf:
        """One face of a field's table tent: its name, the QR code of its page and what the code is for."""
        target = urls.absolute(self.catalog.office, urls.field_scan(field.id), self.site_url)
        qr = make_qr(target)
        check_print_width(qr, TENT_QR_MM, "A4")
        html = self.env.get_template("tent.html.j2").render(
            title=f"Bảng để bàn: {field.name}",
            field=field,
            office=self.catalog.office,
            qr=qr,
            qr_mm=TENT_QR_MM,
            short=target.split("://", 1)[1],
            width_mm=width_mm,
            height_mm=height_mm,
        )
        return self._pdf(html, "A4")

    def sheet_labels(self, title: str, sides: list[dict], width_mm: float, height_mm: float, **pack) -> Pdf:
        """One page per printed side of a pack imposed for a print shop, at the sheet's size, with only its
        slug line: ``pack`` holds ``field``, ``updated``, ``sheets``, ``per_sheet``, ``size``, ``duplex``
        and ``margin_mm`` (see sheet.html.j2)."""
        html = self.env.get_template("sheet.html.j2").render(
            title=title, sides=sides, width_mm=width_mm, height_mm=height_mm, **pack
        )
        return self._pdf(html, "A4")


def render_error(what: str, exc: Exception) -> RenderError:
    return RenderError(f"không tạo được {what}: {type(exc).__name__}: {exc}")
