"""Print sheets composed from rendered PDFs, never laid out a second time: slips imposed n-up for a print
shop, and the table tent (one rendered face placed twice on A4).

Each rendered page becomes a Form XObject placed with a ``cm`` transform (pikepdf, i.e. qpdf: no content
parsing, no resource merging). Saved with a deterministic /ID, so a sheet is byte-reproducible.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pikepdf

from ..model import FieldInfo
from ..render.compose import OBJECT_STREAMS, text_line
from ..render.slip import Pdf, SlipRenderer
from ..render.text import date_vi

MM = 72 / 25.4
#: Paper sizes in mm (portrait).
PAPER_MM = {"A4": (210.0, 297.0), "A5": (148.0, 210.0), "A6": (105.0, 148.0)}

BLEED_MM = 3.0
"""Around every item; two items' bleeds make the gutter between them."""
MARGIN_MM = 12.0
"""From the outer trim to the sheet's edge: 3 mm of bleed, crop marks from 4 to 8 mm, the slug line below."""
MARK_FROM_MM, MARK_TO_MM = 4.0, 8.0
"""Crop marks run this far outside the trim: past the bleed, so they never print on an item."""


@dataclass(frozen=True)
class Layout:
    """Slips of one size, ``cols`` × ``rows`` on a sheet."""

    id: str
    """Part of the URL, e.g. ``a5x2``."""
    size: str
    cols: int
    rows: int

    @property
    def per_sheet(self) -> int:
        return self.cols * self.rows

    @property
    def item_mm(self) -> tuple[float, float]:
        return PAPER_MM[self.size]

    @property
    def sheet_mm(self) -> tuple[float, float]:
        (w, h), gutter = self.item_mm, 2 * BLEED_MM
        return (
            self.cols * w + (self.cols - 1) * gutter + 2 * MARGIN_MM,
            self.rows * h + (self.rows - 1) * gutter + 2 * MARGIN_MM,
        )

    def trim_mm(self, col: int, row: int) -> tuple[float, float, float, float]:
        """Trim box (x0, y0, x1, y1, PDF axes: origin bottom left) of the slot in ``col``, ``row`` (row 0 on top)."""
        (w, h), gutter = self.item_mm, 2 * BLEED_MM
        x0 = MARGIN_MM + col * (w + gutter)
        y1 = self.sheet_mm[1] - MARGIN_MM - row * (h + gutter)
        return (x0, y1 - h, x0 + w, y1)


#: The slip sizes that are imposed, and how: A5 two side by side, A6 two by two (A4 layouts, plus bleed).
LAYOUTS = {"A5": Layout("a5x2", "A5", 2, 1), "A6": Layout("a6x4", "A6", 2, 2)}


@dataclass(frozen=True)
class Side:
    """One printed side of a sheet: which slip pages go in which slots."""

    sheet: int
    """1-based."""
    back: bool | None
    """None when the pack is printed on one side only."""
    slots: tuple[tuple[int, int, int, int], ...]
    """(slip index, page index, col, row) of each placed page."""


def plan_sides(layout: Layout, page_counts: Sequence[int]) -> list[Side]:
    """Where every page of every slip goes, slips in order filling each sheet row by row.

    When any slip has more than one page the pack is printed on both sides: each slot holds a leaf (two
    pages of one slip), and a back side holds the even pages mirrored left to right, so that, turned over
    like a book page, each slip's page 2 lies behind its page 1.
    """
    duplex = any(count > 1 for count in page_counts)
    leaves = [
        (slip, tuple(range(first, min(first + 2, count))) if duplex else (first,))
        for slip, count in enumerate(page_counts)
        for first in range(0, count, 2 if duplex else 1)
    ]
    sides: list[Side] = []
    for start in range(0, len(leaves), layout.per_sheet):
        sheet = start // layout.per_sheet + 1
        chunk = leaves[start : start + layout.per_sheet]
        positions = [(i % layout.cols, i // layout.cols) for i in range(len(chunk))]
        front = tuple((slip, pages[0], c, r) for (slip, pages), (c, r) in zip(chunk, positions, strict=True))
        sides.append(Side(sheet, False if duplex else None, front))
        if duplex:
            back = tuple(
                (slip, pages[1], layout.cols - 1 - c, r)
                for (slip, pages), (c, r) in zip(chunk, positions, strict=True)
                if len(pages) > 1
            )
            sides.append(Side(sheet, True, back))
    return sides


def sheet_count(size: str, page_counts: Sequence[int]) -> int:
    """Sheets of paper of a pack of slips of ``size`` (with these page counts) imposed for a print shop."""
    sides = plan_sides(LAYOUTS[size], page_counts)
    return sides[-1].sheet if sides else 0


def _rect(*mm: float) -> pikepdf.Array:
    return pikepdf.Array([round(v * MM, 3) for v in mm])


def open_pdf(content: bytes) -> pikepdf.Pdf:
    return pikepdf.open(io.BytesIO(content))


def finish(pdf: pikepdf.Pdf, title: str, keep_open: Sequence[pikepdf.Pdf]) -> Pdf:
    """Save with phieu's metadata and a deterministic /ID. Sources stay open until the save: qpdf copies
    their streams' data only then. ``pdf`` is a new PDF: the pages it took from tagged slips lose their
    place in a structure tree they no longer have."""
    for page in pdf.pages:
        if "/StructParents" in page.obj:
            del page.obj["/StructParents"]
    pdf.Root.Lang = pikepdf.String("vi")
    pdf.docinfo = pdf.make_indirect(
        pikepdf.Dictionary(Title=pikepdf.String(title), Producer=pikepdf.String("phieu"))
    )
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True, object_stream_mode=OBJECT_STREAMS)
    pages = len(pdf.pages)
    for source in keep_open:
        source.close()
    return Pdf(out.getvalue(), pages)


def isolate(page: pikepdf.Page) -> None:
    """Wrap a page's content in q/Q, so that what is drawn after it starts from the default state
    (WeasyPrint's pages, for one, begin by flipping the y axis), and give the page resources of its own
    (WeasyPrint's pages share one dictionary: what is placed on one page must not be listed on all)."""
    page.contents_add(b"q\n", prepend=True)
    page.contents_add(b"\nQ\n")
    resources = pikepdf.Dictionary(dict(page.obj.get("/Resources", pikepdf.Dictionary()).items()))
    if "/XObject" in resources:
        resources.XObject = pikepdf.Dictionary(dict(resources.XObject.items()))
    page.obj.Resources = resources


def _place(page: pikepdf.Page, form: pikepdf.Object, matrix: str) -> None:
    # Named in order, not by pikepdf's random prefix: the same input must give the same bytes.
    resources = page.obj.get("/Resources", pikepdf.Dictionary())
    placed = resources.get("/XObject", pikepdf.Dictionary())
    number = sum(str(key).startswith("/PhieuItem") for key in placed)
    name = page.add_resource(
        form, pikepdf.Name.XObject, pikepdf.Name(f"/PhieuItem{number}"), replace_existing=False
    )
    page.contents_add(f"q {matrix} cm {name} Do Q\n".encode())


def lines(segments: list[tuple[float, float, float, float]], dash: str = "[] 0") -> bytes:
    """A content stream stroking thin black lines (coordinates in mm)."""
    body = "\n".join(
        f"{x0 * MM:.3f} {y0 * MM:.3f} m {x1 * MM:.3f} {y1 * MM:.3f} l S" for x0, y0, x1, y1 in segments
    )
    return f"q 0 G 0.25 w {dash} d\n{body}\nQ\n".encode()


def crop_marks(layout: Layout) -> list[tuple[float, float, float, float]]:
    """Crop marks in the outer margin, on the extension of every trim edge of every slot (mm)."""
    width, height = layout.sheet_mm
    slots = [layout.trim_mm(c, r) for c in range(layout.cols) for r in range(layout.rows)]
    xs = sorted({x for s in slots for x in (s[0], s[2])})
    ys = sorted({y for s in slots for y in (s[1], s[3])})
    bottom, top = MARGIN_MM, height - MARGIN_MM
    left, right = MARGIN_MM, width - MARGIN_MM
    segments = []
    for x in xs:
        segments += [
            (x, bottom - MARK_FROM_MM, x, bottom - MARK_TO_MM),
            (x, top + MARK_FROM_MM, x, top + MARK_TO_MM),
        ]
    for y in ys:
        segments += [
            (left - MARK_FROM_MM, y, left - MARK_TO_MM, y),
            (right + MARK_FROM_MM, y, right + MARK_TO_MM, y),
        ]
    return segments


SLUG_BASELINE_MM = 2.0
"""From the sheet's bottom edge to the slug line's baseline: below the crop marks."""


Slug = Callable[[list[Side], pikepdf.Pdf], tuple[pikepdf.Object, list[bytes]]]
"""Given the planned sides and the sheet's PDF: the font of the slug lines (in that PDF) and each side's line
as content drawing it in that font, named ``/PhieuSlug``."""


def impose(layout: Layout, slips: Sequence[bytes], slug: Slug, title: str) -> Pdf:
    """Slips imposed ``layout``-wise, with crop marks and each side's slug line (outside the trim)."""
    sources = [open_pdf(content) for content in slips]
    sides = plan_sides(layout, [len(source.pages) for source in sources])
    pdf = pikepdf.new()
    width, height = layout.sheet_mm
    font, slugs = slug(sides, pdf)
    forms: dict[tuple[int, int], pikepdf.Object] = {}
    trimmed = (MARGIN_MM, MARGIN_MM, width - MARGIN_MM, height - MARGIN_MM)
    marks = pdf.make_stream(lines(crop_marks(layout)))
    for side, label in zip(sides, slugs, strict=True):
        pdf.add_blank_page(page_size=(width * MM, height * MM))
        page = pdf.pages[-1]
        page.add_resource(font, pikepdf.Name.Font, pikepdf.Name.PhieuSlug)
        page.trimbox = _rect(*trimmed)
        page.bleedbox = _rect(
            trimmed[0] - BLEED_MM, trimmed[1] - BLEED_MM, trimmed[2] + BLEED_MM, trimmed[3] + BLEED_MM
        )
        for slip, index, col, row in side.slots:
            if (slip, index) not in forms:
                source = sources[slip].pages[index]
                forms[(slip, index)] = pdf.copy_foreign(source.as_form_xobject())
            x0, y0, _, _ = layout.trim_mm(col, row)
            _place(page, forms[(slip, index)], f"1 0 0 1 {x0 * MM:.3f} {y0 * MM:.3f}")
        page.contents_add(marks)
        page.contents_add(pdf.make_stream(label))
    return finish(pdf, title, sources)


def slug_text(
    field: FieldInfo, layout: Layout, updated: dt.date | None, side: Side, sides: list[Side]
) -> str:
    """A printed side's slug line: which pack, which sheet and side, and how to print it."""
    duplex = any(s.back is not None for s in sides)
    where = "" if side.back is None else (", mặt sau" if side.back else ", mặt trước")
    width, height = layout.sheet_mm
    how = f"In hai mặt, lật theo cạnh {'ngắn' if width > height else 'dài'}" if duplex else "In một mặt"
    name = "".join(c for c in " ".join(field.name.split()) if unicodedata.category(c) != "Cf")  # no glyph
    return (
        f"{name} · Gói in cập nhật {date_vi(updated)} · Tờ {side.sheet}/{sides[-1].sheet}"
        f"{where} · {layout.per_sheet} phiếu {layout.size} mỗi tờ · {how}"
    )


def imposed_pack(
    renderer: SlipRenderer, field: FieldInfo, size: str, slips: Sequence[bytes], updated: dt.date | None
) -> Pdf:
    """A field's slips of ``size`` imposed for a print shop, each side with its slug line (drawn by phieu
    in a font rendered once per process: no layout for the sheets)."""
    layout = LAYOUTS[size]
    title = f"Tờ in bình trang: {field.name} ({layout.per_sheet} phiếu {size} mỗi tờ)"

    def slug(sides: list[Side], pdf: pikepdf.Pdf) -> tuple[pikepdf.Object, list[bytes]]:
        font, lines = renderer.slug_lines([slug_text(field, layout, updated, side, sides) for side in sides])
        x, y = (MARGIN_MM + 3) * MM, SLUG_BASELINE_MM * MM
        return pdf.copy_foreign(font.font), [text_line("PhieuSlug", font, x, y, line) for line in lines]

    return impose(layout, slips, slug, title)


# --- the table tent -------------------------------------------------------------------------------

TENT_MARGIN_MM = 10.0
"""From the A4 sheet's edge to the tent's cut line on every side."""
TENT_FACE_MM = (PAPER_MM["A4"][0] - 2 * TENT_MARGIN_MM, PAPER_MM["A4"][1] / 2 - TENT_MARGIN_MM)
"""One face: from the fold (the sheet's middle) to the cut line."""


def tent_guides() -> tuple[list[tuple[float, float, float, float]], list[tuple[float, float, float, float]]]:
    """Cut marks at the tent's corners and dashed fold marks at its middle, all in the margin (mm)."""
    width, height = PAPER_MM["A4"]
    m, fold = TENT_MARGIN_MM, height / 2
    left, right, bottom, top = m, width - m, m, height - m
    cut = []
    for x in (left, right):
        cut += [(x, bottom - 2, x, bottom - m + 2), (x, top + 2, x, top + m - 2)]
    for y in (bottom, top):
        cut += [(left - 2, y, left - m + 2, y), (right + 2, y, right + m - 2, y)]
    fold_marks = [(left - 2, fold, left - m + 2, fold), (right + 2, fold, right + m - 2, fold)]
    return cut, fold_marks


def tent(face: bytes, title: str) -> Pdf:
    """An A4 table tent: ``face`` (one page of :data:`TENT_FACE_MM`) below the fold, and again above it
    turned 180°, so that folded and stood on the counter it reads upright from both sides."""
    source = open_pdf(face)
    width, height = PAPER_MM["A4"]
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(width * MM, height * MM))
    page = pdf.pages[0]
    form = pdf.copy_foreign(source.pages[0].as_form_xobject())
    x0, y0 = TENT_MARGIN_MM * MM, TENT_MARGIN_MM * MM
    _place(page, form, f"1 0 0 1 {x0:.3f} {y0:.3f}")
    # The same placement turned half a turn about the sheet's centre: the face's top edge meets the fold.
    _place(page, form, f"-1 0 0 -1 {width * MM - x0:.3f} {height * MM - y0:.3f}")
    cut, fold = tent_guides()
    page.contents_add(pdf.make_stream(lines(cut)))
    page.contents_add(pdf.make_stream(lines(fold, dash="[2 1.5] 0")))
    page.trimbox = _rect(TENT_MARGIN_MM, TENT_MARGIN_MM, width - TENT_MARGIN_MM, height - TENT_MARGIN_MM)
    return finish(pdf, title, [source])


def tent_sheet(renderer: SlipRenderer, field: FieldInfo, body: bytes | None = None) -> Pdf:
    """A field's table tent: its face composed once from its ``body`` (shared by offices), placed twice."""
    face = renderer.tent_face(field, *TENT_FACE_MM, body)
    return tent(face.content, f"Bảng để bàn: {field.name}")
