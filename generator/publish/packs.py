"""Print packs: rendered slips concatenated for the printing office, never laid out a second time.

With crop marks, each sheet grows by 3 mm of bleed around the slip's own content stream; the reprint
pack of changed slips is the same assembly without marks.
"""

from __future__ import annotations

import pikepdf

from ..render.slip import Pdf
from .impose import BLEED_MM, MM, finish, isolate, lines, open_pdf

MARK_GAP_MM = 1.0


def _crop_marks(width: float, height: float) -> list[tuple[float, float, float, float]]:
    """Crop marks in the bleed, on the extensions of the trim edges (mm, origin at the trim's corner)."""
    b, g = BLEED_MM, MARK_GAP_MM
    segments = []
    for x, sx in ((0.0, -1), (width, 1)):
        for y, sy in ((0.0, -1), (height, 1)):
            segments.append((x + sx * g, y, x + sx * b, y))
            segments.append((x, y + sy * g, x, y + sy * b))
    return segments


def assemble_pack(slips: list[bytes], marks: bool, title: str) -> Pdf:
    """Concatenate slip PDFs; with ``marks``, grow each page by 3 mm of bleed and draw crop marks.

    The slip's own content stream is kept as is (no re-layout, no resource merging): the sheet only
    gains a larger MediaBox/BleedBox, a TrimBox at the slip's size and a stream with the marks.
    """
    sources = [open_pdf(content) for content in slips]
    pdf = pikepdf.new()
    for source in sources:
        pdf.pages.extend(source.pages)
    if marks:
        b = BLEED_MM * MM
        for page in pdf.pages:
            x0, y0, x1, y1 = (float(v) for v in page.mediabox)
            width, height = x1 - x0, y1 - y0
            sheet = pikepdf.Array([round(v, 3) for v in (-b, -b, width + b, height + b)])
            page.trimbox = pikepdf.Array([0, 0, round(width, 3), round(height, 3)])
            page.mediabox = sheet
            page.bleedbox = sheet
            isolate(page)
            page.contents_add(lines(_crop_marks(width / MM, height / MM)))
    return finish(pdf, title, sources)
