"""Render printable PDFs (slips, field posters, print packs) with WeasyPrint.

One FontConfiguration and the parsed stylesheets are shared by every document.
WeasyPrint may read only files inside ``theme/slip/``: the fetcher refuses any
other file, every network scheme, and (having no redirect handler) redirects.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import datetime as dt
import functools
import hashlib
import io
import json
import logging
import math
import mimetypes
import re
import signal
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pikepdf
from weasyprint import CSS, HTML, Document
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .. import urls
from ..digest import digest
from ..errors import RenderError
from ..load import Catalog
from ..model import FieldInfo, Procedure
from . import compose, templates, text
from .qr import check_print_width, make_qr

log = logging.getLogger(__name__)

QR_WIDTH_MM = {"A4": 40, "A5": 34, "A6": 30}
POSTER_QR_MM = 70
#: A table tent is read from across the counter: a larger code than the poster's.
TENT_QR_MM = 80
#: The most room a poster keeps for its office's address, hours and reception points, in steps of
#: ``compose.WHERE_STEP_PT``: as much as fits on an A4 page (276 mm between its margins).
POSTER_FOOT_STEPS = 13
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


#: Width of the column the QR code stands in, with the address under it (the title wraps beside it).
QR_COLUMN_MM = {"A4": 52, "A5": 44, "A6": 36}
#: The parts of a slip's printed payload that are its office's (the rest is its body's).
OFFICE_PARTS = ("office", "url", "counter")


@dataclass(frozen=True)
class PartSpec:
    """Everything a poster's or a table tent's body is laid out from (its cache key, with the theme)."""

    kind: str
    payload: dict
    """What the body prints: all but the office's parts, its QR code and the code's address."""
    band_lines: int
    """Lines kept at the top for the office's name."""
    url_lines: int
    """Lines kept under the QR code for its address."""
    step: int
    """Room kept after a poster's list for the office's address and hours, in steps of
    :data:`compose.WHERE_STEP_PT` (0 for a table tent)."""


@dataclass(frozen=True)
class BodySpec:
    """Everything a slip's body is laid out from; equal for every office whose slip of the procedure shares
    the body (so it is the body's cache key, with the theme and the libraries)."""

    size: str
    payload: dict
    """The printed payload without the office's parts."""
    updated: str
    """ISO date (the PDF's dates)."""
    band_lines: int
    """Lines kept at the top for the office's name and unit."""
    url_lines: int
    """Lines kept under the QR code for its address."""


class _Theme:
    """What every renderer of one slip theme shares in a process: fonts, parsed stylesheets, the fonts of
    drawn text, and laid-out office frames (a few of them: offices are built one after another)."""

    FRAMES = 16

    def __init__(self, assets: Path):
        fetcher = ThemeOnlyFetcher(assets)
        self.fonts = FontConfiguration()
        with _caught_warnings() as caught:
            self.stylesheet = CSS(
                filename=str(assets / "slip.css"), font_config=self.fonts, url_fetcher=fetcher
            )
        self.warnings = tuple(caught)
        """What WeasyPrint said of the stylesheet when it was parsed: said again to every build that uses
        this theme (the parsed sheet is kept, so WeasyPrint itself would say it once per process)."""
        self.said = False
        self.sizes = {
            size: CSS(string=f"@page {{ size: {size} portrait; }}", font_config=self.fonts)
            for size in urls.PAPER_SIZES
        }
        self.drawn: dict[tuple[str, str], compose.DrawnFont] = {}
        self.undrawable: set[tuple[str, str]] = set()
        self.frames: OrderedDict[str, compose.Frame] = OrderedDict()


@contextlib.contextmanager
def _caught_warnings() -> Iterator[list[str]]:
    """WeasyPrint's warnings while the block runs, kept in a list (and still logged as usual)."""
    caught: list[str] = []

    class Catch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            caught.append(record.getMessage())

    handler = Catch(logging.WARNING)
    loggers = [logging.getLogger(name) for name in ("weasyprint", "weasyprint.progress")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield caught
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


@functools.lru_cache(maxsize=4)
def _theme(assets: Path, digest: str) -> _Theme:  # noqa: ARG001 - the digest keys the cache
    return _Theme(assets)


def _theme_digest(assets: Path) -> str:
    files = sorted(p for p in assets.rglob("*") if p.is_file())
    return digest(
        [(p.relative_to(assets).as_posix(), hashlib.sha256(p.read_bytes()).hexdigest()) for p in files]
    )


class SlipRenderer:
    """Turns procedures and fields into PDF bytes.

    A slip is either rendered whole (:meth:`slip`) or composed (:meth:`composed`) from its body, laid out
    once for every office (:meth:`body`), and its office's frame; see :mod:`phieu.render.compose`.
    """

    def __init__(self, catalog: Catalog, theme_dir: Path, *, site_url: str):
        self.catalog = catalog
        self.site_url = site_url
        self.assets = (theme_dir / "slip").resolve()
        self.env = templates.environment(self.assets)
        self.fetcher = ThemeOnlyFetcher(self.assets)
        self.base_url = self.assets.as_uri() + "/"
        self.theme = _theme(self.assets, _theme_digest(self.assets))
        if self.theme.said:  # WeasyPrint said them when it parsed the sheet; a later renderer says them again
            for message in self.theme.warnings:
                logging.getLogger("weasyprint").warning("%s", message)
        self.theme.said = True
        self.fonts = self.theme.fonts
        self.stylesheet = self.theme.stylesheet

    def _page_css(self, size: str) -> CSS:
        return self.theme.sizes[size]

    def _render(self, html: str, size: str) -> Document:
        with time_limit(TIME_LIMIT_S):
            return HTML(string=html, base_url=self.base_url, url_fetcher=self.fetcher).render(
                stylesheets=[self.stylesheet, self._page_css(size)], font_config=self.fonts
            )

    # --- what a slip prints ---------------------------------------------------------------------------

    def drawn_font(self, style: str, characters: str) -> compose.DrawnFont:
        """The font of text drawn in ``style`` (a class of slip.css), embedded and subset to ``characters``:
        rendered once per process for each style and set of characters."""
        key = (style, characters)
        if key not in self.theme.drawn:
            html = self.env.get_template("stamp.html.j2").render(style=style, characters=characters)
            self.theme.drawn[key] = compose.drawn_font(self._render(html, "A5"))
        return self.theme.drawn[key]

    def drawn_fonts(self) -> tuple[compose.DrawnFont, compose.DrawnFont]:
        """The fonts of a slip's footer and of the address under its QR code."""
        return (
            self.drawn_font("slip-footer", compose.FOOTER_CHARACTERS),
            self.drawn_font("slip-url", compose.URL_CHARACTERS),
        )

    def slug_lines(self, texts: list[str]) -> tuple[compose.DrawnFont, list[str]]:
        """The font of a print sheet's slug lines and the lines it can draw. The font has Vietnamese letters,
        ASCII and any other character of the lines (a field's name may hold one); a character no single font
        of the theme draws becomes "?" (a slug line is for the print shop, not for citizens)."""
        extra = "".join(sorted({c for text in texts for c in text} - set(compose.TEXT_CHARACTERS) - {" "}))
        font = self._drawn_or_none("sheet-slug", compose.TEXT_CHARACTERS + extra)
        if font is None:
            font = self.drawn_font("sheet-slug", compose.TEXT_CHARACTERS)
        return font, ["".join(c if c == " " or c in font.glyphs else "?" for c in text) for text in texts]

    def _drawn_or_none(self, style: str, characters: str) -> compose.DrawnFont | None:
        """:meth:`drawn_font`, or None when no single font draws all of ``characters`` (tried once)."""
        key = (style, characters)
        if key in self.theme.undrawable:
            return None
        try:
            return self.drawn_font(style, characters)
        except RenderError:
            self.theme.undrawable.add(key)
            return None

    def url_lines(self, url: str, size: str) -> tuple[str, ...]:
        """The address printed under a slip's QR code, in lines that fit its column."""
        return self._address_lines(url, QR_COLUMN_MM[size], self.drawn_fonts()[1])

    def _url_font(self, style: str) -> compose.DrawnFont:
        """The font of the address under a poster's or a table tent's QR code, in its style's size."""
        return self.drawn_font(f"slip-url {style}", compose.URL_CHARACTERS)

    @staticmethod
    def _address_lines(url: str, room_mm: float, font: compose.DrawnFont) -> tuple[str, ...]:
        """``url`` without its scheme, in lines that fit ``room_mm``: broken after a "/" where possible,
        anywhere in a part too long for a line."""
        room = room_mm * compose.MM

        def fits(text: str) -> bool:
            return font.width(text) <= room

        lines: list[str] = []
        for part in re.findall(r"[^/]*/|[^/]+$", url.split("://", 1)[1]):
            if lines and fits(lines[-1] + part):
                lines[-1] += part
                continue
            while not fits(part):
                cut = max(n for n in range(1, len(part) + 1) if fits(part[:n]))
                lines.append(part[:cut])
                part = part[cut:]
            if part:
                lines.append(part)
        return tuple(lines)

    def slip_context(self, procedure: Procedure, size: str) -> dict:
        """What the slip template sees of one procedure: its printed payload, the version (the payload's
        hash) and the lines drawn from them. Nothing else, so the version covers all it prints."""
        printed = text.printed_payload(
            procedure, self.catalog.office, self.catalog.field(procedure.field), self.site_url
        )
        version = text.version_of(printed)
        return {
            **printed,
            "version": version,
            "url_lines": self.url_lines(printed["url"], size),
            "footer": f"Mã {printed['code']} · Cập nhật {printed['updated']} · Phiên bản {version}",
        }

    def _drawn(self, context: dict, size: str) -> compose.Drawn:
        qr = make_qr(context["url"])
        check_print_width(qr, QR_WIDTH_MM[size], size)
        return compose.Drawn(qr, tuple(context["url_lines"]), context["footer"], context["office"]["name"])

    def _html(self, s: dict, size: str, part: str, **geometry) -> str:
        return self.env.get_template("slip.html.j2").render(
            s=s,
            part=part,
            size=size,
            qr_mm=QR_WIDTH_MM[size],
            column_mm=QR_COLUMN_MM[size],
            url_lines=geometry.get("url_lines", len(s.get("url_lines", ())) or 1),
            band_lines=geometry.get("band_lines", 0),
            new_page=geometry.get("new_page", False),
            title=f"Phiếu hướng dẫn: {s['name']} ({s['code']})",
            updated=dt.date.fromisoformat(geometry["updated"]),
        )

    def slip_html(self, procedures: list[Procedure], size: str, title: str) -> str:  # noqa: ARG002
        """The whole HTML of one slip (the title is the procedure's; one slip per document, since what
        phieu draws onto it is per slip)."""
        (procedure,) = procedures
        return self._html(
            self.slip_context(procedure, size), size, "full", updated=procedure.updated.isoformat()
        )

    def slip(self, procedure: Procedure, size: str) -> Pdf:
        """A slip rendered whole: the reference a composed slip equals, and the way when it cannot be
        composed."""
        context = self.slip_context(procedure, size)
        document = self._render(
            self._html(context, size, "full", updated=procedure.updated.isoformat()), size
        )
        layout = compose.read_layout(document)
        with time_limit(TIME_LIMIT_S):
            pdf = pikepdf.open(io.BytesIO(document.write_pdf(**PDF_OPTIONS)))
            finished = compose.finish(pdf, layout, self._drawn(context, size), self.drawn_fonts())
        return Pdf(finished, layout.pages)

    # --- slips composed from parts --------------------------------------------------------------------

    def frame(self, procedure: Procedure, size: str, context: dict | None = None) -> compose.Frame:
        """The office's parts for this procedure's counter, laid out once per process and kept."""
        context = context or self.slip_context(procedure, size)
        key = json.dumps([size, context["office"], context["counter"]], ensure_ascii=False)
        frames = self.theme.frames
        if key not in frames:
            html = self._html(context, size, "frame", updated=procedure.updated.isoformat())
            frames[key] = compose.frame_of(self._render(html, size))
            while len(frames) > _Theme.FRAMES:
                frames.popitem(last=False)
        frames.move_to_end(key)
        return frames[key]

    def slip_parts(self, procedure: Procedure, size: str) -> tuple[BodySpec, int]:
        """What the slip's body is laid out from, and how tall the office's rows are in steps of
        :data:`compose.WHERE_STEP_PT` (rounded up): all a plan needs to know of a slip's parts."""
        context = self.slip_context(procedure, size)
        frame = self.frame(procedure, size, context)
        payload = {
            k: v for k, v in context.items() if k not in (*OFFICE_PARTS, "version", "url_lines", "footer")
        }
        spec = BodySpec(
            size, payload, procedure.updated.isoformat(), frame.band_lines, len(context["url_lines"])
        )
        return spec, math.ceil(min(frame.where_height, compose.MAX_WHERE_PT) / compose.WHERE_STEP_PT)

    def body_spec(self, procedure: Procedure, size: str) -> BodySpec:
        return self.slip_parts(procedure, size)[0]

    def where_step(self, procedure: Procedure, size: str) -> int:
        return self.slip_parts(procedure, size)[1]

    def body(self, procedure: Procedure, size: str, *, new_page: bool = False) -> Pdf:
        """The slip's body (see :class:`BodySpec`), carrying its layout; with ``new_page``, its "where and
        when" starts a new page (for an office whose rows do not fit after the body's last row)."""
        spec = self.body_spec(procedure, size)
        html = self._html(
            spec.payload,
            size,
            "body",
            updated=spec.updated,
            band_lines=spec.band_lines,
            url_lines=spec.url_lines,
            new_page=new_page,
        )
        document = self._render(html, size)
        layout = compose.read_layout(document)
        with time_limit(TIME_LIMIT_S):
            content = compose.with_layout(document.write_pdf(**PDF_OPTIONS), layout)
        return Pdf(content, layout.pages)

    def new_page_body(self, procedure: Procedure, size: str, step: int, body: bytes) -> Pdf:
        """The body with its "where and when" on a new page, when an office of rows ``step`` tall might not
        fit after the body's last row; otherwise nothing (an empty PDF of no pages)."""
        if not compose.needs_new_page(body, step):
            return Pdf(b"", 0)
        return self.body(procedure, size, new_page=True)

    def composed(self, procedure: Procedure, size: str, body: bytes, new_page_body: bytes = b"") -> Pdf:
        """The office's slip from the shared body (or its new-page variant when the office's rows do not
        fit after its last row) and the office's frame; rendered whole when neither leaves room."""
        context = self.slip_context(procedure, size)
        frame = self.frame(procedure, size, context)
        for candidate in (body, new_page_body):
            if not candidate:
                continue
            pdf, layout = compose.open_part(candidate)
            if frame.where_height > layout.room + 0.01:
                pdf.close()
                continue
            drawn = self._drawn(context, size)
            with time_limit(TIME_LIMIT_S):
                return Pdf(compose.finish(pdf, layout, drawn, self.drawn_fonts(), frame), layout.pages)
        log.info("phiếu %s: phần của cơ quan không vừa thân phiếu dùng chung, dựng cả phiếu", procedure.code)
        return self.slip(procedure, size)

    def slip_part(self, procedure: Procedure, part: tuple, slips: list[bytes]) -> Pdf:
        """One slip job of a plan: ``(size,)`` a composed slip from ``slips`` (its body and new-page body),
        ``(size, "body")`` a body, ``(size, "new-page", step)`` a new-page body from ``slips`` (the body)."""
        size, *kind = part
        if not kind:
            return self.composed(procedure, size, *slips)
        if kind == ["body"]:
            return self.body(procedure, size)
        return self.new_page_body(procedure, size, kind[1], slips[0])

    # --- posters and table tents composed from parts ------------------------------------------------

    def _office_frame(self, kind: str, template: str, office: dict, **page) -> compose.Frame:
        """An office's parts of a poster or a table tent (whose frame has no rows), laid out once per process
        and kept."""
        key = json.dumps([kind, office, page], ensure_ascii=False)
        frames = self.theme.frames
        if key not in frames:
            html = self.env.get_template(template).render(part="frame", office=office, **page)
            frames[key] = compose.frame_of(self._render(html, "A4"), rows=kind != "tent")
            while len(frames) > _Theme.FRAMES:
                frames.popitem(last=False)
        frames.move_to_end(key)
        return frames[key]

    def _poster_parts(self, field: FieldInfo) -> tuple[dict, compose.Frame, tuple[str, ...]]:
        printed = text.poster_payload(
            field, self.catalog.in_field(field.id), self.catalog.office, self.site_url
        )
        frame = self._office_frame("poster", "poster.html.j2", printed["office"], field="", updated=None)
        lines = self._address_lines(printed["url"], POSTER_QR_MM, self._url_font("poster-url"))
        return printed, frame, lines

    def poster_spec(self, field: FieldInfo) -> PartSpec:
        """What a field's poster body is laid out from (the same for every office listing the same
        procedures, whose name takes as many lines and whose address and hours as many steps)."""
        printed, frame, lines = self._poster_parts(field)
        payload = {k: v for k, v in printed.items() if k not in ("office", "url")}
        if frame.where_height > POSTER_FOOT_STEPS * compose.WHERE_STEP_PT:
            raise RenderError(
                f"áp phích {field.id}: địa chỉ, giờ làm việc và các điểm tiếp nhận của {printed['office']['name']} "
                f"dài hơn một trang áp phích; hãy viết gọn hơn trong tệp của cơ quan"
            )
        step = math.ceil(frame.where_height / compose.WHERE_STEP_PT)
        return PartSpec("poster", payload, frame.band_lines, len(lines), step)

    def poster_body(self, field: FieldInfo) -> Pdf:
        """A field's poster without its office's parts, carrying its layout."""
        spec = self.poster_spec(field)
        html = self.env.get_template("poster.html.j2").render(
            part="body",
            **spec.payload,
            qr_mm=POSTER_QR_MM,
            band_lines=spec.band_lines,
            url_lines=spec.url_lines,
            foot_mm=spec.step * compose.WHERE_STEP_PT / compose.MM,
        )
        return self._part(html)

    def poster(self, field: FieldInfo, body: bytes | None = None) -> Pdf:
        """A field's A4 poster: its body (laid out here when not given), the office's name and address
        placed, the QR code of the field's page and its address drawn."""
        body = body or self.poster_body(field).content
        printed, frame, lines = self._poster_parts(field)
        qr = make_qr(printed["url"])
        check_print_width(qr, POSTER_QR_MM, "A4")
        fonts = (self.drawn_fonts()[0], self._url_font("poster-url"))
        return self._finish(body, compose.Drawn(qr, lines, None, printed["office"]["name"]), fonts, frame)

    def _tent_parts(
        self, field: FieldInfo, width_mm: float, height_mm: float
    ) -> tuple[str, compose.Frame, tuple[str, ...]]:
        target = urls.absolute(self.catalog.office, urls.field_scan(field.id), self.site_url)
        office = {"name": self.catalog.office.name}  # all a tent prints of its office (plan.tent_key)
        frame = self._office_frame(
            "tent", "tent.html.j2", office, title="", qr_mm=TENT_QR_MM, width_mm=width_mm, height_mm=height_mm
        )
        return target, frame, self._address_lines(target, TENT_QR_MM, self._url_font("tent-url"))

    def tent_spec(self, field: FieldInfo, width_mm: float, height_mm: float) -> PartSpec:
        """What a table tent's face is laid out from: the same for every office whose name takes as many
        lines and whose address as many."""
        _, frame, lines = self._tent_parts(field, width_mm, height_mm)
        return PartSpec(
            "tent", {"name": field.name, "size": [width_mm, height_mm]}, frame.band_lines, len(lines), 0
        )

    def tent_body(self, field: FieldInfo, width_mm: float, height_mm: float) -> Pdf:
        """One face of a field's table tent without its office's name, carrying its layout."""
        spec = self.tent_spec(field, width_mm, height_mm)
        html = self.env.get_template("tent.html.j2").render(
            part="body",
            title=f"Bảng để bàn: {field.name}",
            field={"name": field.name},
            qr_mm=TENT_QR_MM,
            band_lines=spec.band_lines,
            url_lines=spec.url_lines,
            width_mm=width_mm,
            height_mm=height_mm,
        )
        return self._part(html, rows=False)

    def tent_face(
        self, field: FieldInfo, width_mm: float, height_mm: float, body: bytes | None = None
    ) -> Pdf:
        """One face of a field's table tent: the office's name placed onto its body (laid out here when not
        given), the QR code of the field's page and its address drawn."""
        body = body or self.tent_body(field, width_mm, height_mm).content
        target, frame, lines = self._tent_parts(field, width_mm, height_mm)
        qr = make_qr(target)
        check_print_width(qr, TENT_QR_MM, "A4")
        fonts = (self.drawn_fonts()[0], self._url_font("tent-url"))
        return self._finish(body, compose.Drawn(qr, lines, None, self.catalog.office.name), fonts, frame)

    def _part(self, html: str, *, rows: bool = True) -> Pdf:
        document = self._render(html, "A4")
        layout = compose.read_layout(document, rows=rows)
        with time_limit(TIME_LIMIT_S):
            content = compose.with_layout(document.write_pdf(**PDF_OPTIONS), layout)
        return Pdf(content, layout.pages)

    def _finish(
        self,
        body: bytes,
        drawn: compose.Drawn,
        fonts: tuple[compose.DrawnFont, compose.DrawnFont],
        frame: compose.Frame,
    ) -> Pdf:
        pdf, layout = compose.open_part(body)
        with time_limit(TIME_LIMIT_S):
            # Read after the office's name and the text: a poster's or a tent's code is below its title.
            return Pdf(compose.finish(pdf, layout, drawn, fonts, frame, drawn_first=False), layout.pages)


def render_error(what: str, exc: Exception) -> RenderError:
    return RenderError(f"không tạo được {what}: {type(exc).__name__}: {exc}")
