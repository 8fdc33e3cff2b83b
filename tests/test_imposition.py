"""Issue 19: slips imposed for a print shop (A5 2-up and A6 4-up, bleed, crop marks, slug line, duplex).

The sheets are read back with outside clients: pypdf for boxes, placements and text, pypdfium2 for the
text inside each placed slip and for pixels. What is on a sheet is compared with the print pack of the
same slips, page by page: composition must reuse the rendered slips, never lay them out again.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pypdfium2
import pytest
from phieu import load_catalog
from pypdf import PdfReader
from pypdf.generic import ContentStream

from tests.conftest import ROOT, SINGLE_OFFICE, build, copy_project, use_plugin_options

MM = 72 / 25.4
PAPER_MM = {"A5": (148, 210), "A6": (105, 148)}
LAYOUT = {"A5": ("a5x2", 2, 1), "A6": ("a6x4", 2, 2)}
BLEED_MM = 3
MINI = ROOT / "tests" / "fixtures" / "mini" / "procedures"
#: Footer of every slip page: "… Mã 1.000005 · Cập nhật … Trang 2/4".
FOOTER = re.compile(r"Mã (\d\.\d{6})\b.*?Trang (\d+)/(\d+)", re.S)


@dataclass(frozen=True)
class Item:
    """A slip page placed on a sheet side: where (in pt, PDF axes) and which page of which slip."""

    rect: tuple[float, float, float, float]
    code: str
    page: int
    pages: int


def _mul(a: list[float], b: list[float]) -> list[float]:
    """Product of two PDF matrices [a b c d e f]: ``a`` applied first."""
    return [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]


def placements(reader: PdfReader, index: int) -> list[tuple[float, float, float, float]]:
    """The rectangle (pt) of every Form XObject drawn on a page: its /BBox through the current matrix."""
    page = reader.pages[index]
    xobjects = page["/Resources"].get("/XObject", {})
    ctm, stack, found = [1.0, 0, 0, 1.0, 0, 0], [], []
    for operands, operator in ContentStream(page.get_contents(), reader).operations:
        if operator == b"q":
            stack.append(ctm)
        elif operator == b"Q":
            ctm = stack.pop()
        elif operator == b"cm":
            ctm = _mul([float(v) for v in operands], ctm)
        elif operator == b"Do" and operands[0] in xobjects:
            form = xobjects[operands[0]].get_object()
            x0, y0, x1, y1 = (float(v) for v in form["/BBox"])
            matrix = _mul([float(v) for v in form.get("/Matrix", [1, 0, 0, 1, 0, 0])], ctm)
            xs = [matrix[0] * x + matrix[2] * y + matrix[4] for x, y in ((x0, y0), (x1, y1))]
            ys = [matrix[1] * x + matrix[3] * y + matrix[5] for x, y in ((x0, y0), (x1, y1))]
            found.append((min(xs), min(ys), max(xs), max(ys)))
    return found


def items(pdf: Path) -> list[list[Item]]:
    """Per sheet side, the slip pages placed on it, identified by the footer text inside each one."""
    reader = PdfReader(str(pdf))
    document = pypdfium2.PdfDocument(str(pdf))
    try:
        sides = []
        for index in range(len(reader.pages)):
            text = document[index].get_textpage()
            side = []
            for rect in placements(reader, index):
                inside = text.get_text_bounded(*rect)
                match = FOOTER.search(" ".join(inside.split()))
                assert match, (pdf.name, index, inside)
                side.append(Item(rect, match.group(1), int(match.group(2)), int(match.group(3))))
            sides.append(side)
        return sides
    finally:
        document.close()


def pixel(image, scale: float, x: float, y: float) -> int:
    """Grey level of the rendered ``image`` at PDF point (x, y)."""
    return image.getpixel((round(x * scale), round(image.height - y * scale)))


def box(reader: PdfReader, index: int, name: str) -> tuple[float, ...]:
    return tuple(float(v) for v in reader.pages[index][name])


def lines(text: str) -> list[str]:
    return sorted(" ".join(line.split()) for line in text.splitlines() if line.strip())


@pytest.fixture(scope="module")
def mini_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mini project (a four-page slip among one-page ones) with A5 and A6 packs."""
    project = copy_project(tmp_path_factory.mktemp("imposition"), procedures=MINI)
    use_plugin_options(project, pack_sizes="[A5, A6]")
    assert build(project) == 0
    return project / "site"


def imposed_packs(site: Path) -> list[tuple[Path, str, str, Path]]:
    """(imposed PDF, field name, slip size, the plain pack of the same slips) for every imposed pack."""
    manifest = json.loads((site / "manifest.json").read_text(encoding="utf-8"))
    out = []
    for entry in manifest["print"]:
        if entry["kind"] == "imposed":
            name = Path(entry["path"]).name
            field = re.fullmatch(r"binh-trang-(.+)-a[56]x[24]\.pdf", name).group(1)
            size = entry["size"]
            pack = site / "pdf" / f"goi-in-{field}-{size.lower()}.pdf"
            out.append((site / entry["path"], field, size, pack))
    return out


@pytest.fixture(scope="module", params=["shipped", "mini"])
def packs(request, site: Path, mini_site: Path) -> list[tuple[Path, list[str], str, Path]]:
    """Every imposed pack of the shipped site (A5, one side) and of the mini site (A5 and A6, two sides),
    with the codes of its field's slips in catalog order."""
    shipped = request.param == "shipped"
    catalog = load_catalog(SINGLE_OFFICE if shipped else MINI)
    found = [
        (pdf, [p.code for p in catalog.in_field(field)], size, pack)
        for pdf, field, size, pack in imposed_packs(site if shipped else mini_site)
    ]
    assert {size for _, _, size, _ in found} == ({"A5"} if shipped else {"A5", "A6"})
    assert len(found) == len(catalog.fields) * (1 if shipped else 2)
    return found


def test_sheet_and_item_boxes(packs):
    for pdf, _, size, _ in packs:
        reader = PdfReader(str(pdf))
        _, cols, rows = LAYOUT[size]
        w, h = (v * MM for v in PAPER_MM[size])
        gutter, bleed = 2 * BLEED_MM * MM, BLEED_MM * MM
        for index in range(len(reader.pages)):
            media, trim, bleeds = (box(reader, index, k) for k in ("/MediaBox", "/TrimBox", "/BleedBox"))
            # The trim box holds the grid of slots: cols × rows items with two bleeds between them.
            assert trim[2] - trim[0] == pytest.approx(cols * w + (cols - 1) * gutter, abs=0.01)
            assert trim[3] - trim[1] == pytest.approx(rows * h + (rows - 1) * gutter, abs=0.01)
            assert bleeds == pytest.approx(
                (trim[0] - bleed, trim[1] - bleed, trim[2] + bleed, trim[3] + bleed), abs=0.01
            )
            # Room outside the bleed for the crop marks and the slug line, the same on every side.
            assert media[0] == 0 and media[1] == 0
            margins = (trim[0], trim[1], media[2] - trim[2], media[3] - trim[3])
            assert min(margins) >= bleed + 5 * MM and max(margins) - min(margins) < 0.01
            rects = placements(reader, index)
            assert 1 <= len(rects) <= cols * rows
            for x0, y0, x1, y1 in rects:
                # Every item is one slip page at its own size, on a slot of the grid.
                assert (x1 - x0, y1 - y0) == pytest.approx((w, h), abs=0.01)
                col = round((x0 - trim[0]) / (w + gutter))
                row = round((trim[3] - y1) / (h + gutter))
                assert (x0, y1) == pytest.approx(
                    (trim[0] + col * (w + gutter), trim[3] - row * (h + gutter)), abs=0.01
                )
                # Its bleed lies on the sheet's bleed and touches no other item.
                grown = (x0 - bleed, y0 - bleed, x1 + bleed, y1 + bleed)
                assert bleeds[0] - 0.01 <= grown[0] and grown[2] <= bleeds[2] + 0.01
                assert bleeds[1] - 0.01 <= grown[1] and grown[3] <= bleeds[3] + 0.01
                for other in rects:
                    if other != (x0, y0, x1, y1):
                        overlap = (
                            min(grown[2], other[2]) - max(grown[0], other[0]),
                            min(grown[3], other[3]) - max(grown[1], other[1]),
                        )
                        assert min(overlap) <= 0.01


def test_every_slip_of_the_field_appears_once_in_order(packs):
    for pdf, expected, _, _ in packs:
        placed = [(item.code, item.page, item.pages) for side in items(pdf) for item in side]
        codes = [code for code, _, _ in placed]
        assert list(dict.fromkeys(codes)) == expected, pdf.name  # in order
        for code in expected:
            pages = sorted(page for c, page, _ in placed if c == code)
            total = next(n for c, _, n in placed if c == code)
            assert pages == list(range(1, total + 1)), (pdf.name, code)  # each page exactly once


def test_a_slips_back_lies_behind_its_front(packs):
    for pdf, _, _, _ in packs:
        sides = items(pdf)
        reader = PdfReader(str(pdf))
        width = box(reader, 0, "/MediaBox")[2]
        duplex = any(item.pages > 1 for side in sides for item in side)
        text = [reader.pages[i].extract_text() for i in range(len(sides))]
        if not duplex:
            assert all("In một mặt" in t for t in text)
            assert all(item.page == 1 for side in sides for item in side)
            continue
        assert len(sides) % 2 == 0 and all("In hai mặt" in t for t in text)
        for sheet in range(len(sides) // 2):
            front, back = sides[2 * sheet], sides[2 * sheet + 1]
            assert "mặt trước" in text[2 * sheet] and "mặt sau" in text[2 * sheet + 1]
            assert all(item.page % 2 == 1 for item in front)
            for item in front:
                # Turned over left to right, (x0, x1) on the front lies behind (W - x1, W - x0) on the back.
                x0, y0, x1, y1 = item.rect
                behind = [
                    b for b in back if b.rect == pytest.approx((width - x1, y0, width - x0, y1), abs=0.01)
                ]
                if item.page < item.pages:
                    assert [(b.code, b.page) for b in behind] == [(item.code, item.page + 1)], pdf.name
                else:
                    assert behind == [], pdf.name  # a one-page slip's back stays blank


def test_some_pack_is_printed_on_both_sides(mini_site: Path):
    """The mini data holds a four-page slip: its packs must exercise the duplex order above."""
    duplex = [
        pdf.name
        for pdf, *_ in imposed_packs(mini_site)
        if "In hai mặt" in PdfReader(str(pdf)).pages[0].extract_text()
    ]
    assert sorted(duplex) == ["binh-trang-chung-thuc-a5x2.pdf", "binh-trang-chung-thuc-a6x4.pdf"]


def test_crop_marks_lie_outside_the_bleed_on_every_trim_edge(packs):
    scale = 200 / 72

    def region(image, x0: float, y0: float, x1: float, y1: float) -> tuple[int, int]:
        """Darkest and lightest grey in a rectangle given in PDF points."""
        left, right = sorted((round(x0 * scale), round(x1 * scale)))
        top, bottom = sorted((round(image.height - y0 * scale), round(image.height - y1 * scale)))
        return image.crop((left, top, max(right, left + 1), max(bottom, top + 1))).getextrema()

    for pdf, _, _, _ in packs:
        reader = PdfReader(str(pdf))
        document = pypdfium2.PdfDocument(str(pdf))
        try:
            for index in range(len(reader.pages)):
                image = document[index].render(scale=scale).to_pil().convert("L")
                b = box(reader, index, "/BleedBox")
                rects = placements(reader, index)
                near, far, px = 1.5 * MM, 4 * MM, 1.5 / scale
                # A mark on the extension of every trim edge of every item, in the margin on both sides.
                for x in {v for r in rects for v in (r[0], r[2])}:
                    assert region(image, x - px, b[1] - near, x + px, b[1] - far)[0] < 160, (pdf.name, x)
                    assert region(image, x - px, b[3] + near, x + px, b[3] + far)[0] < 160, (pdf.name, x)
                for y in {v for r in rects for v in (r[1], r[3])}:
                    assert region(image, b[0] - near, y - px, b[0] - far, y + px)[0] < 160, (pdf.name, y)
                    assert region(image, b[2] + near, y - px, b[2] + far, y + px)[0] < 160, (pdf.name, y)
                # Inside the bleed box nothing is printed but the items: no mark reaches a trim or a bleed.
                blank = image.copy()
                for x0, y0, x1, y1 in rects:
                    left, top = round(x0 * scale) - 1, round(image.height - y1 * scale) - 1
                    blank.paste(255, (left, top, round(x1 * scale) + 2, round(image.height - y0 * scale) + 2))
                assert region(blank, b[0] + px, b[1] + px, b[2] - px, b[3] - px)[0] > 230, (pdf.name, index)
        finally:
            document.close()


def test_text_of_each_sheet_is_the_text_of_the_slips_it_holds(packs):
    for pdf, _, _, pack in packs:
        pack_reader = PdfReader(str(pack))
        by_page = {}
        for page in pack_reader.pages:
            text = page.extract_text()
            match = FOOTER.search(" ".join(text.split()))
            by_page[(match.group(1), int(match.group(2)))] = lines(text)
        reader = PdfReader(str(pdf))
        for index, side in enumerate(items(pdf)):
            text = reader.pages[index].extract_text()
            slug = [line for line in lines(text) if "Gói in cập nhật" in line]
            assert len(slug) == 1, (pdf.name, index)
            expected = sorted([line for item in side for line in by_page[(item.code, item.page)]] + slug)
            assert lines(text) == expected, (pdf.name, index)


def test_printing_page_lists_each_imposed_pack_with_sheets_and_checksum(mini_site: Path):
    manifest = json.loads((mini_site / "manifest.json").read_text(encoding="utf-8"))
    html = (mini_site / "in-an" / "index.html").read_text(encoding="utf-8")
    imposed = [entry for entry in manifest["print"] if entry["kind"] == "imposed"]
    assert len(imposed) == 4
    for entry in imposed:
        pages = len(PdfReader(str(mini_site / entry["path"])).pages)
        duplex = "In hai mặt" in PdfReader(str(mini_site / entry["path"])).pages[0].extract_text()
        assert entry["sheets"] == (pages // 2 if duplex else pages)
        name = re.escape(Path(entry["path"]).name)
        row = re.search(rf'<tr[^>]*><td[^>]*><a href="[^"]*{name}">.*?</tr>', html)
        assert row, entry["path"]
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(0))
        assert cells[2] == str(pages)
        assert cells[3].startswith(str(entry["sheets"]))
        assert entry["sha256"] in row.group(0)


def test_a_renamed_field_keeps_its_tent_and_imposed_pack_urls():
    from phieu import urls
    from phieu.publish import redirects as url_redirects
    from phieu.staff import ledger

    redirects = url_redirects.Redirects(fields={"ho": "ho-moi"})
    pdfs = {
        urls.tent("ho-moi"): b"tent",
        urls.imposed("ho-moi", "a5x2"): b"2-up",
        urls.tent("ho-moi-tich"): b"x",
    }
    assert url_redirects.redirect_pdfs(redirects, pdfs) == {
        "pdf/de-ban-ho.pdf": b"tent",
        "pdf/binh-trang-ho-a5x2.pdf": b"2-up",
    }
    message = ledger.missing_message(
        ["/pdf/de-ban-ho.pdf", "/pdf/binh-trang-ho-a5x2.pdf"], Path("published-urls.txt")
    )
    assert "(bảng để bàn lĩnh vực ho)" in message and "(tờ in bình trang ho-a5x2)" in message


@pytest.mark.parametrize(
    ("name", "printed"),
    [
        ("Hộ tịch – “trích lục”", "Hộ tịch – “trích lục”"),  # punctuation beyond ASCII: drawn as is
        ("Hộ\u200btịch\u00ad", "Hộtịch"),  # format characters (no glyph) are left out
        ("Hộ tịch ✓ 戸籍", None),  # characters outside Vietnamese: drawn, or "?" where no font has them
    ],
)
def test_a_slug_line_draws_any_field_name(name: str, printed: str | None) -> None:
    import io

    from phieu.publish.impose import imposed_pack
    from phieu.render.slip import SlipRenderer

    catalog = load_catalog(SINGLE_OFFICE)
    renderer = SlipRenderer(catalog, ROOT / "theme", site_url="https://phieu.example.vn/")
    field = catalog.fields[0].model_copy(update={"name": name})
    slips = [renderer.slip(p, "A5").content for p in catalog.in_field(catalog.fields[0].id)[:3]]
    sheet = imposed_pack(renderer, field, "A5", slips, None)
    text = [page.extract_text() for page in PdfReader(io.BytesIO(sheet.content)).pages]
    assert len(text) == sheet.pages >= 2
    for page in text:
        slug = next(line for line in page.splitlines() if "Gói in cập nhật" in line)
        if printed is not None:
            assert slug.startswith(f"{printed} · Gói in cập nhật chưa đối chiếu · Tờ "), slug
        else:
            assert re.match(r"Hộ tịch \S \S\S · Gói in", slug), slug
