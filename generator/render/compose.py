"""Slips of many offices from few layouts.

A province prints the same procedure for a hundred offices; the slips differ only in the office's name, its
"where and when" rows, the QR code, the address under it and the footer's version. So a slip is made of:

- its **body**, laid out once for every office (WeasyPrint): all the procedure's text, with room kept for
  the office's name at the top and, after the body's last row, a mark where the office's rows begin;
- an office's **frame**, laid out once per office and counter (WeasyPrint): its name (page 1) and its
  rows (page 2), each placed onto the body as a form XObject;
- what each slip **draws** alone: the QR code (vector rectangles), the address under it, the footer line
  with the version and the page numbers, in fonts rendered once per process with exactly the characters
  they may need (subset, embedded).

A field's poster and table tent are made the same way: a body per field (shared by offices that list the
same procedures), the office's name (and a poster's address and hours) placed, the QR code and its address
drawn; a poster's footer is laid out with its body. An imposed sheet's slug line is drawn with the same
machinery (``text_line``).

A full render (the whole slip laid out at once, ``SlipRenderer.slip``) gets the same drawn parts onto the
same boxes; it and a composed slip print the same text. Every placed or drawn part is tagged: a structure
element in the slip's tree and marked content on the page. Saved with a deterministic /ID.

Positions come from WeasyPrint's boxes, found by the ids the template gives them. WeasyPrint lays out in CSS
pixels from the page's top left; PDF points run from the bottom left.
"""

from __future__ import annotations

import io
import json
import math
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

import pikepdf
from weasyprint import Document

from ..errors import RenderError
from .qr import QrCode, dark_runs

PT_PER_PX = 0.75
MM = 72 / 25.4

QR_ID, URL_ID, WHERE_ID, STAMP_ID = "phieu-qr", "phieu-url", "phieu-where", "phieu-stamp"
"""Ids the slip template gives the boxes kept for drawn and placed parts (theme/slip/slip.html.j2)."""
#: How every PDF phieu saves packs its objects: qpdf regroups them into compressed object streams, smaller
#: files (about 6 % for a slip, 15 % for a pack) written faster than keeping WeasyPrint's grouping.
OBJECT_STREAMS = pikepdf.ObjectStreamMode.generate
_LAYOUT = "/PhieuLayout"
"""Where a body's layout travels with it (as JSON in its catalog); removed from every finished slip."""

FOOTER_BASELINE_MM = 7.0
"""From the page's bottom edge to the footer line's baseline: inside the 12 mm bottom margin."""
#: A body's room after its last row is compared with an office's rows in steps of this: a body whose room is
#: shorter than the step an office needs is also laid out with its "where and when" on a new page (once per
#: step: coarse steps make fewer of these; an office with no other reception point needs about 18 mm, one
#: with three about 32 mm).
WHERE_STEP_PT = 20 * MM
#: An office's rows longer than this never fit a body (an A4 page): such an office's slips are rendered whole.
MAX_WHERE_PT = 297 * MM

#: Characters the drawn parts may use: the footer (Vietnamese words, digits, a code's letters, a version's
#: hex digits) and the address under the QR code (printable ASCII).
FOOTER_CHARACTERS = "".join(
    sorted(set("Mã Cập nhật Phiên bản Trang chưa đối chiếu ·./-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef"))
)
URL_CHARACTERS = "".join(chr(c) for c in range(0x21, 0x7F))


def _vietnamese_letters() -> str:
    """Every letter of Vietnamese, both cases, precomposed (NFC): the 12 vowels with each of the 5 tone marks."""
    vowels = "aăâeêioôơuưy"
    tones = ("\u0300", "\u0301", "\u0309", "\u0303", "\u0323")
    letters = {unicodedata.normalize("NFC", v + t) for v in vowels for t in ("", *tones)} | {"đ"}
    return "".join(sorted(letters | {c.upper() for c in letters}))


#: Characters of drawn Vietnamese text (a print sheet's slug line): printable ASCII and every Vietnamese letter.
TEXT_CHARACTERS = "".join(sorted(set(URL_CHARACTERS) | set(_vietnamese_letters()) | set("·–—‘’“”…")))


# --- layouts ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """Where a laid-out slip keeps room for its drawn and placed parts (PDF points, origin bottom left)."""

    width: float
    height: float
    pages: int
    qr: tuple[float, float, float]
    """Left, bottom and side of the QR code's square."""
    url_column: tuple[float, float]
    """Left and width of the column the address under the QR code is centred in."""
    url_baselines: tuple[float, ...]
    """Baseline of each line kept for the address."""
    area: tuple[float, float, float]
    """Left, right and bottom edge of the page area (the footer goes below it, between these)."""
    where_page: int
    """Index of the page where the office's "where and when" rows begin (-1: a part without them, a table
    tent's face)."""
    where_top: float
    room: float
    """From ``where_top`` down to the bottom of the page area: the most the office's rows may take there."""

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Layout:
        data: dict[str, Any] = json.loads(text)
        fields: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
        return cls(**fields)


def _boxes(box: Any) -> Iterator[Any]:
    stack = [box]
    while stack:
        box = stack.pop()
        yield box
        stack.extend(reversed(getattr(box, "children", ())))


def _with_id(document: Document, wanted: str) -> Iterator[tuple[int, Any]]:
    """(page index, box) of every box of the element with id ``wanted``, in order."""
    for index, page in enumerate(document.pages):
        for box in _boxes(page._page_box):
            element = getattr(box, "element", None)
            if element is not None and element.get("id") == wanted:
                yield index, box


def _page_bottom_px(document: Document, index: int) -> float:
    page_box = document.pages[index]._page_box
    return page_box.content_box_y() + page_box.height


def read_layout(document: Document, *, rows: bool = True) -> Layout:
    """The boxes a slip (its full render or its body), a poster's or a table tent's body keeps for what is
    drawn or placed onto it; ``rows``: it keeps room for the office's rows (all but a tent's)."""
    page = document.pages[0]
    height = page.height * PT_PER_PX
    (_, qr), *_ = _with_id(document, QR_ID)
    url = [box for _, box in _with_id(document, URL_ID) if type(box).__name__ == "TextBox"]
    if not url:
        raise RenderError("mẫu phiếu thiếu chỗ cho địa chỉ dưới mã QR")
    column = next(
        box
        for box in _boxes(page._page_box)
        if getattr(box, "element", None) is not None and box.element.tag == "figure"
    )
    where_page, where = next(_with_id(document, WHERE_ID), (-1, None))
    if rows and where is None:
        raise RenderError("mẫu thiếu chỗ cho các dòng nơi nộp của cơ quan (id phieu-where)")
    area = page._page_box
    return Layout(
        width=page.width * PT_PER_PX,
        height=height,
        pages=len(document.pages),
        qr=(
            qr.content_box_x() * PT_PER_PX,
            height - (qr.content_box_y() + qr.height) * PT_PER_PX,
            qr.width * PT_PER_PX,
        ),
        url_column=(column.content_box_x() * PT_PER_PX, column.width * PT_PER_PX),
        url_baselines=tuple(height - (box.position_y + box.baseline) * PT_PER_PX for box in url),
        area=(
            area.content_box_x() * PT_PER_PX,
            (area.content_box_x() + area.width) * PT_PER_PX,
            height - _page_bottom_px(document, 0) * PT_PER_PX,
        ),
        where_page=where_page,
        where_top=height - where.border_box_y() * PT_PER_PX if where else 0.0,
        room=(_page_bottom_px(document, where_page) - where.border_box_y()) * PT_PER_PX if where else 0.0,
    )


def with_layout(content: bytes, layout: Layout) -> bytes:
    """A body's PDF carrying its layout, so that a slip can be composed from the cached bytes alone."""
    with pikepdf.open(io.BytesIO(content)) as pdf:
        pdf.Root[_LAYOUT] = pikepdf.String(layout.to_json())
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True, object_stream_mode=OBJECT_STREAMS)
        return out.getvalue()


def open_part(content: bytes) -> tuple[pikepdf.Pdf, Layout]:
    """A body (or a full render's PDF with ``layout`` given to :func:`finish`) opened, with its layout."""
    pdf = pikepdf.open(io.BytesIO(content))
    layout = Layout.from_json(str(pdf.Root[_LAYOUT]))
    del pdf.Root[_LAYOUT]
    return pdf, layout


def needs_new_page(body: bytes, step: int) -> bool:
    """Whether an office's rows ``step`` steps tall might not fit after the body's last row (its slips then
    use the body's new-page variant, the same for every such office)."""
    pdf, layout = open_part(body)
    pdf.close()
    return layout.room < step * WHERE_STEP_PT


# --- an office's frame --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Frame:
    """One office's parts (for a slip: for one counter and paper size), laid out once, ready to place onto
    bodies."""

    pdf: pikepdf.Pdf
    band: pikepdf.Object
    """Form XObject: the office's name and unit, where the slip's header begins."""
    where: pikepdf.Object | None
    """Form XObject: the office's "where and when" rows (None: a table tent's frame has none)."""
    band_lines: int
    where_top: float
    where_height: float


def frame_of(document: Document, *, rows: bool = True) -> Frame:
    """A laid-out frame (two pages: the name, then the rows; a table tent's has its name only) as form
    XObjects without marked content (the slip marks each placement as one tagged part)."""
    lines = {
        id(box)
        for box in _boxes(document.pages[0]._page_box)
        if type(box).__name__ == "LineBox"
        and any(
            getattr(b, "element", None) is not None and "slip-office" in (b.element.get("class") or "")
            for b in _boxes(box)
        )
    }
    page, where = next(_with_id(document, WHERE_ID), (1, None))
    if rows and where is None:
        raise RenderError("mẫu thiếu các dòng nơi nộp của cơ quan (id phieu-where)")
    if page != 1:
        raise RenderError("khung cơ quan của phiếu: các dòng nơi nộp phải bắt đầu ở trang 2")
    height = document.pages[0].height * PT_PER_PX
    pdf = pikepdf.open(io.BytesIO(document.write_pdf()))
    forms = []
    for page_obj in pdf.pages:
        form = page_obj.as_form_xobject()
        kept = [
            instruction
            for instruction in pikepdf.parse_content_stream(form)
            if str(instruction.operator) not in {"BDC", "BMC", "EMC"}
        ]
        form.write(pikepdf.unparse_content_stream(kept))
        forms.append(pdf.make_indirect(form))
    if where is None:
        return Frame(pdf, forms[0], None, len(lines), 0.0, 0.0)
    # Rows longer than a page fit no body: each slip of the office is then rendered whole.
    fits = len(document.pages) == 2
    return Frame(
        pdf,
        forms[0],
        forms[1],
        len(lines),
        height - where.border_box_y() * PT_PER_PX,
        where.margin_height() * PT_PER_PX if fits else math.inf,
    )


# --- fonts for drawn text -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DrawnFont:
    """A font WeasyPrint embedded (subset to the characters phieu may draw), with its glyph ids and widths."""

    pdf: pikepdf.Pdf
    font: pikepdf.Object
    glyphs: dict[str, tuple[int, float]]
    """Character → (glyph id, advance in em)."""
    space: float
    """Advance of a space in em (WeasyPrint draws no glyph for it)."""
    size: float
    """Points."""
    gray: float

    def width(self, text: str) -> float:
        """Width of ``text`` in points."""
        return self.size * sum(self.space if c == " " else self._glyph(c)[1] for c in text)

    def show(self, text: str) -> str:
        """A TJ operand drawing ``text``: its glyph ids, each space as a shift."""
        parts: list[str] = []
        for word in text.split(" "):
            if parts:
                parts.append(f"{-self.space * 1000:.1f}")
            if word:
                parts.append("<" + "".join(f"{self._glyph(c)[0]:04x}" for c in word) + ">")
        return "[" + " ".join(parts) + "]"

    def _glyph(self, char: str) -> tuple[int, float]:
        try:
            return self.glyphs[char]
        except KeyError:
            raise RenderError(f"không vẽ được ký tự {char!r} trên phiếu (thiếu trong phông)") from None


_CMAP_CHAR = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>")


def drawn_font(document: Document) -> DrawnFont:
    """The one font of a rendered sample of characters (theme/slip/stamp.html.j2) in its drawn style."""
    text = next(box for _, box in _with_id(document, STAMP_ID) if type(box).__name__ == "TextBox")
    spaced, unspaced = (
        next(box for _, box in _with_id(document, name) if type(box).__name__ == "TextBox").width
        for name in ("phieu-spaced", "phieu-unspaced")
    )
    pdf = pikepdf.open(io.BytesIO(document.write_pdf()))
    fonts = list(pdf.pages[0].Resources.Font.values())
    if len(fonts) != 1:
        raise RenderError(f"phông vẽ trên phiếu cần đúng một phông, có {len(fonts)} (thiếu chữ trong phông?)")
    font = fonts[0]
    cids: dict[str, int] = {}
    for code, chars in _CMAP_CHAR.findall(font.ToUnicode.read_bytes()):
        text_of = bytes.fromhex(chars.decode()).decode("utf-16-be")
        if len(text_of) == 1:
            cids.setdefault(text_of, int(code, 16))
    widths: dict[int, float] = {}
    entries = list(font.DescendantFonts[0].W)
    i = 0
    while i < len(entries):
        first = int(entries[i])
        if isinstance(entries[i + 1], pikepdf.Array):
            for offset, width in enumerate(entries[i + 1]):
                widths[first + offset] = float(width) / 1000
            i += 2
        else:
            for cid in range(first, int(entries[i + 1]) + 1):
                widths[cid] = float(entries[i + 2]) / 1000
            i += 3
    glyphs = {c: (cid, widths[cid]) for c, cid in cids.items() if cid in widths}
    red, green, blue = text.style["color"].to("srgb").coordinates
    if not red == green == blue:
        raise RenderError("chữ vẽ trên phiếu phải màu đen hoặc xám")
    size = text.style["font_size"] * PT_PER_PX
    return DrawnFont(pdf, font, glyphs, (spaced - unspaced) * PT_PER_PX / size, size, red)


# --- drawing and placing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Drawn:
    """What one slip, poster or table tent face draws alone."""

    qr: QrCode
    url_lines: tuple[str, ...]
    footer: str | None
    """None: the part has its own footer (a poster's, laid out with its body)."""
    author: str
    """The office's name, the PDF's author."""


class _Tags:
    """Adds structure elements for placed and drawn parts to WeasyPrint's structure tree."""

    def __init__(self, pdf: pikepdf.Pdf):
        self.pdf = pdf
        root = pdf.Root.StructTreeRoot
        nums = root.ParentTree.Nums
        self.parents = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        document = root.K[0] if isinstance(root.K, pikepdf.Array) else root.K
        kids = document.K if isinstance(document.K, pikepdf.Array) else pikepdf.Array([document.K])
        # The slip's <section> when WeasyPrint made one, so the parts read in the slip's order.
        self.parent = next(
            (k for k in kids if isinstance(k, pikepdf.Dictionary) and k.get("/S") == "/Sect"), document
        )
        if not isinstance(self.parent.K, pikepdf.Array):
            self.parent.K = pikepdf.Array([self.parent.K])
        self.front = 0

    def mark(self, page: pikepdf.Page, tag: str, content: bytes, *, first: bool = False, **extra) -> bytes:
        """``content`` as one tagged part on ``page``: a structure element and its marked content."""
        mcids = self.parents[int(page.obj.StructParents)]
        mcid = len(mcids)
        element = self.pdf.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.StructElem,
                S=pikepdf.Name("/" + tag),
                P=self.parent,
                Pg=page.obj,
                K=mcid,
                **extra,
            )
        )
        mcids.append(element)
        if first:
            self.parent.K.insert(self.front, element)
            self.front += 1
        else:
            self.parent.K.append(element)
        return b"/%s <</MCID %d>> BDC\n%s\nEMC\n" % (tag.encode(), mcid, content)


def _own_resources(page: pikepdf.Page) -> None:
    """Wrap the page's content in q/Q (WeasyPrint's pages start by flipping the y axis) and give it
    resources of its own (WeasyPrint's pages share one dictionary)."""
    page.contents_add(b"q\n", prepend=True)
    page.contents_add(b"\nQ\n")
    resources = pikepdf.Dictionary(dict(page.obj.get("/Resources", pikepdf.Dictionary()).items()))
    for kind in ("/XObject", "/Font"):
        resources[kind] = pikepdf.Dictionary(dict(resources.get(kind, pikepdf.Dictionary()).items()))
    page.obj.Resources = resources


def text_line(name: str, font: DrawnFont, x: float, y: float, text: str) -> bytes:
    """Content drawing ``text`` in ``font`` (listed as ``name`` in the page's resources), its baseline's
    start at (``x``, ``y``)."""
    g = f"{font.gray:.3g}"
    return f"BT /{name} {font.size:.3f} Tf {g} {g} {g} rg 1 0 0 1 {x:.3f} {y:.3f} Tm {font.show(text)} TJ ET".encode()


def _qr(qr: QrCode, left: float, bottom: float, side: float) -> bytes:
    """The code as filled rectangles in module units: white behind its quiet zone, one black rectangle per
    run of dark modules, all in one path (no seams between rows)."""
    size = len(qr.matrix)
    module = side / size
    runs = " ".join(f"{x} {y} {n} 1 re" for y, row in enumerate(qr.matrix) for x, n in dark_runs(row))
    return (
        f"q {module:.5f} 0 0 {-module:.5f} {left:.3f} {bottom + side:.3f} cm "
        f"1 g 0 0 {size} {size} re f 0 g {runs} f Q"
    ).encode()


def _footer(layout: Layout, font: DrawnFont, footer: str, label: str) -> bytes:
    """A page's footer line: ``footer`` at the left of the page area, ``label`` (its page number) at its right."""
    left, right_edge, bottom = layout.area
    baseline = FOOTER_BASELINE_MM * MM
    if baseline + font.size > bottom:
        raise RenderError("lề dưới của phiếu quá hẹp cho dòng chân phiếu")
    right = right_edge - font.width(label)
    if left + font.width(footer) + 3 * MM > right:
        raise RenderError(f"dòng chân phiếu quá dài: {footer!r}")
    return (
        text_line("PhieuFooter", font, left, baseline, footer)
        + b"\n"
        + text_line("PhieuFooter", font, right, baseline, label)
    )


def finish(
    pdf: pikepdf.Pdf,
    layout: Layout,
    drawn: Drawn,
    fonts: tuple[DrawnFont, DrawnFont],
    frame: Frame | None = None,
    *,
    drawn_first: bool = True,
) -> bytes:
    """A finished slip, poster or table tent face: ``pdf`` (a slip's full render, or a body when ``frame`` is
    given) with the frame's parts placed and its own parts drawn, each tagged; closes ``pdf``. With
    ``drawn_first`` the QR code and its address are read first (a slip's stand at its top right), else after
    the text (a poster's and a tent's stand below their titles)."""
    footer_font, url_font = fonts
    with pdf:
        tags = _Tags(pdf)
        pages = list(pdf.pages)
        for page in pages:
            _own_resources(page)
        first = pages[0]
        if frame is not None:
            band = pdf.copy_foreign(frame.band)
            first.obj.Resources.XObject.PhieuBand = band
            first.contents_add(tags.mark(first, "P", b"q /PhieuBand Do Q", first=True), prepend=True)
        url_ref = pdf.copy_foreign(url_font.font)
        first.obj.Resources.Font.PhieuUrl = url_ref

        left, bottom, side = layout.qr
        alt = pikepdf.String(f"Mã QR: {drawn.qr.data}")
        bbox = pikepdf.Dictionary(
            O=pikepdf.Name.Layout, BBox=pikepdf.Array([left, bottom, left + side, bottom + side])
        )
        stream = tags.mark(
            first, "Figure", _qr(drawn.qr, left, bottom, side), first=drawn_first, Alt=alt, A=bbox
        )
        if len(drawn.url_lines) != len(layout.url_baselines):
            raise RenderError("số dòng địa chỉ dưới mã QR khác chỗ đã để")
        column, width = layout.url_column
        lines = []
        for line, baseline in zip(drawn.url_lines, layout.url_baselines, strict=True):
            line_width = url_font.width(line)
            lines.append(text_line("PhieuUrl", url_font, column + (width - line_width) / 2, baseline, line))
        stream += tags.mark(first, "P", b"\n".join(lines), first=drawn_first)
        first.contents_add(pdf.make_stream(stream))

        if frame is not None and frame.where is not None:
            page = pages[layout.where_page]
            if frame.where_height > layout.room + 0.01:
                raise RenderError("các dòng của cơ quan không vừa chỗ còn lại của phiếu")
            page.obj.Resources.XObject.PhieuWhere = pdf.copy_foreign(frame.where)
            shift = layout.where_top - frame.where_top
            page.contents_add(
                pdf.make_stream(tags.mark(page, "P", b"q 1 0 0 1 0 %.3f cm /PhieuWhere Do Q" % shift))
            )

        if drawn.footer is not None:
            footer_ref = pdf.copy_foreign(footer_font.font)
            for number, page in enumerate(pages, start=1):
                page.obj.Resources.Font.PhieuFooter = footer_ref
                text = _footer(layout, footer_font, drawn.footer, f"Trang {number}/{len(pages)}")
                page.contents_add(pdf.make_stream(tags.mark(page, "P", text)))

        pdf.docinfo.Author = pikepdf.String(drawn.author)
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True, object_stream_mode=OBJECT_STREAMS)
        return out.getvalue()
