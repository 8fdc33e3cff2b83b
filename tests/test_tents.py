"""Issue 19: the table tent, an A4 sheet folded in two that stands on the counter.

Both halves carry the same face, upright for a reader on either side once folded: the QR code of each
half decodes (pypdfium2 → zxing-cpp) after the top half is turned 180°, the fold is the sheet's middle,
and nothing printed crosses it; the fold and cut guides lie outside the tent's trim.
"""

from __future__ import annotations

from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from phieu import load_catalog
from PIL import Image, ImageChops, ImageStat
from pypdf import PdfReader

from tests.conftest import SINGLE_OFFICE

MM = 72 / 25.4
DPI = 200
SCALE = DPI / 72
A4_PT = (210 * MM, 297 * MM)


def fields() -> list[str]:
    return [f.id for f in load_catalog(SINGLE_OFFICE).fields]


def render(pdf: Path) -> Image.Image:
    document = pypdfium2.PdfDocument(str(pdf))
    try:
        return document[0].render(scale=SCALE).to_pil().convert("L")
    finally:
        document.close()


def qr_codes(image: Image.Image) -> list[zxingcpp.Barcode]:
    return [r for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]


def darkest(image: Image.Image, x0: float, y0: float, x1: float, y1: float) -> int:
    """Darkest grey in a rectangle given in PDF points (origin bottom left)."""
    box = (
        round(x0 * SCALE),
        round(image.height - y1 * SCALE),
        round(x1 * SCALE),
        round(image.height - y0 * SCALE),
    )
    return image.crop(box).getextrema()[0]


@pytest.fixture(scope="module", params=fields())
def tent(request, site: Path) -> tuple[str, Path, Image.Image]:
    pdf = site / "pdf" / f"de-ban-{request.param}.pdf"
    return request.param, pdf, render(pdf)


def test_tent_is_one_a4_page_with_its_trim_centred(tent):
    _, pdf, _ = tent
    reader = PdfReader(str(pdf))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(A4_PT, abs=0.5)
    x0, y0, x1, y1 = (float(v) for v in page.trimbox)
    assert (x0 + x1) / 2 == pytest.approx(A4_PT[0] / 2, abs=0.5)
    assert (y0 + y1) / 2 == pytest.approx(A4_PT[1] / 2, abs=0.5)  # folded in the middle, halves equal


def test_both_faces_decode_to_the_field_page_and_read_upright(tent, site: Path):
    field, _, image = tent
    manifest_url = f"https://phieu.example.vn/q/f/{field}/"  # counted, then forwarded to f/<field>/
    middle = image.height // 2
    bottom = image.crop((0, middle, image.width, image.height))
    top = image.crop((0, 0, image.width, middle))
    # The bottom half reads upright as printed; the top half only once turned 180° (as it stands).
    for half in (bottom, top.rotate(180)):
        found = qr_codes(half)
        assert [r.text for r in found] == [manifest_url]
        assert found[0].orientation == 0
        corners = found[0].position
        width_mm = (corners.top_right.x - corners.top_left.x) / SCALE / MM
        assert width_mm >= 30  # the QR rules' minimum, at desk distance
    assert [r.orientation for r in qr_codes(top)] == [180]
    assert (site / "f" / field / "index.html").is_file()
    forward = (site / "q" / "f" / field / "index.html").read_text(encoding="utf-8")
    assert f'content="0; url=../../../f/{field}/"' in forward


def test_the_two_halves_are_the_same_face(tent):
    _, _, image = tent
    middle = image.height // 2
    bottom = image.crop((0, image.height - middle, image.width, image.height))
    top = image.crop((0, 0, image.width, middle)).rotate(180)
    difference = ImageStat.Stat(ImageChops.difference(bottom, top)).mean[0]
    assert difference < 1.0, difference
    assert ImageStat.Stat(bottom).mean[0] < 250  # and the face is not blank


def test_the_fold_is_the_middle_and_nothing_printed_crosses_it(tent):
    _, pdf, image = tent
    x0, y0, x1, y1 = (float(v) for v in PdfReader(str(pdf)).pages[0].trimbox)
    fold = A4_PT[1] / 2
    # Across the whole width of the tent, a band around the fold is blank paper.
    assert darkest(image, x0, fold - 12 * MM, x1, fold + 12 * MM) > 245
    # The fold guides are dashes in the margins, outside the trim, at the middle and nowhere else.
    for left, right in ((0, x0 - 1 * MM), (x1 + 1 * MM, A4_PT[0])):
        assert darkest(image, left, fold - 0.5 * MM, right, fold + 0.5 * MM) < 160
        assert darkest(image, left, y0 + 1 * MM, right, fold - 0.5 * MM) > 245
        assert darkest(image, left, fold + 0.5 * MM, right, y1 - 1 * MM) > 245
    # Cut marks at the four corners, in the margin on the extensions of the trim edges.
    for x in (x0, x1):
        assert darkest(image, x - 0.5 * MM, 1 * MM, x + 0.5 * MM, y0 - 1 * MM) < 160
        assert darkest(image, x - 0.5 * MM, y1 + 1 * MM, x + 0.5 * MM, A4_PT[1] - 1 * MM) < 160


def test_the_qr_code_is_vector(tent):
    _, pdf, _ = tent
    reader = PdfReader(str(pdf))

    def images(resources) -> int:
        count = 0
        for xobject in (resources or {}).get("/XObject", {}).values():
            xobject = xobject.get_object()
            if xobject.get("/Subtype") == "/Image":
                count += 1
            elif xobject.get("/Subtype") == "/Form":
                count += images(xobject.get("/Resources"))
        return count

    assert images(reader.pages[0]["/Resources"]) == 0
    text = " ".join(reader.pages[0].extract_text().split())
    assert text.count("Quét mã để xem giấy tờ cần mang theo") == 2
