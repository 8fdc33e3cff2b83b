"""Print packs: rendered slips concatenated for the printing office, never laid out a second time.

With crop marks, each sheet grows by 3 mm of bleed around the slip's own content stream; the reprint
pack of changed slips is the same assembly without marks.
"""

from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    IndirectObject,
    NameObject,
    RectangleObject,
    TextStringObject,
)

from ..render.slip import Pdf

BLEED_PT = 3 / 25.4 * 72
MARK_GAP_PT = 1 / 25.4 * 72


def _crop_marks(width: float, height: float) -> bytes:
    """PDF operators drawing crop marks in the bleed, on the extensions of the trim edges."""
    b, g = BLEED_PT, MARK_GAP_PT
    lines = []
    for x, sx in ((0.0, -1), (width, 1)):
        for y, sy in ((0.0, -1), (height, 1)):
            lines.append(f"{x + sx * g:.3f} {y:.3f} m {x + sx * b:.3f} {y:.3f} l S")
            lines.append(f"{x:.3f} {y + sy * g:.3f} m {x:.3f} {y + sy * b:.3f} l S")
    return ("q 0 G 0.25 w [] 0 d\n" + "\n".join(lines) + "\nQ\n").encode()


def assemble_pack(slips: list[bytes], marks: bool, title: str) -> Pdf:
    """Concatenate slip PDFs; with ``marks``, grow each page by 3 mm of bleed and draw crop marks.

    The slip's own content stream is kept as is (no re-layout, no resource merging): the sheet only
    gains a larger MediaBox/BleedBox, a TrimBox at the slip's size and a stream with the marks.
    """
    writer = PdfWriter()
    wrap: tuple[IndirectObject, IndirectObject] | None = None
    for content in slips:
        for source in PdfReader(io.BytesIO(content)).pages:
            page = writer.add_page(source)
            if not marks:
                continue
            width, height = float(page.mediabox.width), float(page.mediabox.height)
            sheet = RectangleObject([-BLEED_PT, -BLEED_PT, width + BLEED_PT, height + BLEED_PT])
            page.trimbox = RectangleObject([0, 0, width, height])
            page.mediabox = sheet
            page.bleedbox = sheet
            if wrap is None:
                wrap = (_stream(writer, b"q\n"), _stream(writer, b"\nQ\n"))
            contents = page["/Contents"].get_object()
            original = list(contents) if isinstance(contents, ArrayObject) else [page.raw_get("/Contents")]
            marks_stream = _stream(writer, _crop_marks(width, height))
            page[NameObject("/Contents")] = ArrayObject([wrap[0], *original, wrap[1], marks_stream])
    writer.add_metadata({"/Title": title, "/Producer": "phieu"})
    writer._root_object[NameObject("/Lang")] = TextStringObject("vi")
    out = io.BytesIO()
    writer.write(out)
    return Pdf(out.getvalue(), len(writer.pages))


def _stream(writer: PdfWriter, data: bytes) -> IndirectObject:
    stream = DecodedStreamObject()
    stream.set_data(data)
    return writer._add_object(stream)
