"""Issue 14: slips composed from a body shared by every office and the office's own parts.

A composed slip is checked against the slip rendered whole from the same content (same text on every page,
same pixels), and with outside clients: pypdfium2 renders it and reports every character's box, zxing-cpp
decodes its QR code, pypdf reads its text, pikepdf walks its content streams, fonts and structure tree.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import random
import string
from pathlib import Path

import pikepdf
import pypdfium2
import pytest
import qrcode
import zxingcpp
from phieu import load_catalog
from phieu.errors import RenderError
from phieu.load import Catalog
from phieu.model import ReceptionPoint
from phieu.publish.plan import Plan
from phieu.publish.publisher import Publisher
from phieu.render import compose
from phieu.render.qr import make_qr
from phieu.render.slip import QR_COLUMN_MM, SlipRenderer
from PIL import ImageChops
from pypdf import PdfReader

from tests.conftest import ROOT, SINGLE_OFFICE

BASE = "https://phieu.example.vn/"
MINI = ROOT / "tests" / "fixtures" / "mini" / "procedures"


def reception(count: int) -> list[ReceptionPoint]:
    return [
        ReceptionPoint(
            name=f"Tổ tiếp nhận hồ sơ số {n + 2} (trụ sở Ủy ban nhân dân xã Mỹ Trà cũ)",
            address=f"Số {n + 10} đường Nguyễn Huệ, ấp {n + 1}, phường Cao Lãnh, tỉnh Đồng Tháp",
            hours=["Sáng thứ Hai đến thứ Sáu: 7 giờ 00 - 11 giờ 30"],
            phone="0277 3851 234",
        )
        for n in range(count)
    ]


@functools.cache
def catalog(points: int = 0, phone: str | None = None, folder=SINGLE_OFFICE) -> Catalog:
    """The single office's data as one office of a province, with ``points`` other reception points."""
    base = load_catalog(folder)
    office = base.office.model_copy(
        update={"reception": reception(points), "phone": phone or base.office.phone}
    )
    return dataclasses.replace(base, office=office)


@functools.cache
def renderer(points: int = 0, office_id: str = "phuong-cao-lanh", folder=SINGLE_OFFICE) -> SlipRenderer:
    return SlipRenderer(catalog(points, folder=folder), ROOT / "theme", site_url=f"{BASE}{office_id}/")


@functools.cache
def composed(points: int, code: str, folder=SINGLE_OFFICE) -> bytes:
    r = renderer(points, folder=folder)
    procedure = r.catalog.procedure(code)
    body = r.body(procedure, "A5").content
    new_page = r.new_page_body(procedure, "A5", r.where_step(procedure, "A5"), body).content
    return r.composed(procedure, "A5", body, new_page).content


@functools.cache
def full(points: int, code: str, folder=SINGLE_OFFICE) -> bytes:
    r = renderer(points, folder=folder)
    return r.slip(r.catalog.procedure(code), "A5").content


def lines(pdf: bytes) -> list[list[str]]:
    """Each page's text lines as pypdf extracts them, sorted (the parts are drawn in another order)."""
    return [
        sorted(" ".join(line.split()) for line in (page.extract_text() or "").splitlines() if line.strip())
        for page in PdfReader(io.BytesIO(pdf)).pages
    ]


def words(pdf: bytes) -> str:
    """The text in drawing order, white space collapsed (lines break anywhere on paper)."""
    return " ".join(" ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages).split())


def images(pdf: bytes, dpi: int = 144) -> list:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [page.render(scale=dpi / 72).to_pil().convert("L") for page in document]
    finally:
        document.close()


# The first slip's body leaves room for every office's rows; with three reception points, 1.001193's rows
# no longer fit after its documents and go to a new page; the mini fixture's 1.000005 runs over pages.
CASES = [
    pytest.param(points, code, folder, id=f"{code}-{points}-points")
    for points, code, folder in [
        (0, "1.001193", SINGLE_OFFICE),
        (3, "1.001193", SINGLE_OFFICE),
        (3, "2.000815", SINGLE_OFFICE),
        (1, "1.004873", SINGLE_OFFICE),
        (3, "1.000005", MINI),
    ]
]


@pytest.mark.parametrize(("points", "code", "folder"), CASES)
def test_a_composed_slip_prints_what_the_whole_render_prints(points: int, code: str, folder) -> None:
    one, other = composed(points, code, folder), full(points, code, folder)
    assert lines(one) == lines(other)
    for page, (a, b) in enumerate(zip(images(one), images(other), strict=True)):
        changed = sum(1 for value in ImageChops.difference(a, b).get_flattened_data() if value > 64)
        assert changed <= 20, (code, page, changed)


def test_the_cases_cover_rows_that_move_to_a_new_page_and_long_slips() -> None:
    r = renderer(3)
    procedure = r.catalog.procedure("1.001193")
    body = r.body(procedure, "A5")
    pdf, layout = compose.open_part(body.content)
    pdf.close()
    assert r.frame(procedure, "A5").where_height > layout.room  # the shared body has no room for them
    assert len(PdfReader(io.BytesIO(composed(3, "1.001193"))).pages) == body.pages + 1
    assert len(PdfReader(io.BytesIO(composed(3, "1.000005", MINI))).pages) >= 3
    # Without reception points the same body leaves room: no new-page body is made for it.
    r0 = renderer(0)
    p0 = r0.catalog.procedure("1.001193")
    assert r0.new_page_body(p0, "A5", r0.where_step(p0, "A5"), r0.body(p0, "A5").content).pages == 0


def test_reception_points_are_printed_and_change_the_version() -> None:
    text = words(composed(3, "2.000815"))
    for point in reception(3):
        assert point.name in text and point.address in text
    plain = renderer(0).slip_context(renderer(0).catalog.procedure("2.000815"), "A5")["version"]
    more = renderer(3).slip_context(renderer(3).catalog.procedure("2.000815"), "A5")["version"]
    assert plain != more and more in text
    field = renderer(3).catalog.field("chung-thuc")
    poster = PdfReader(io.BytesIO(renderer(3).poster(field).content))
    assert all(
        point.name in " ".join(" ".join(p.extract_text().split()) for p in poster.pages)
        for point in reception(3)
    )


def char_boxes(
    pdf: bytes,
) -> list[tuple[list[tuple[str, tuple[float, float, float, float]]], tuple[float, float]]]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        pages = []
        for page in document:
            text = page.get_textpage()
            chars = [(text.get_text_range(i, 1), text.get_charbox(i)) for i in range(text.count_chars())]
            pages.append(([(c, box) for c, box in chars if c.strip()], page.get_size()))
        return pages
    finally:
        document.close()


def overlaps(chars: list[tuple[str, tuple[float, float, float, float]]]) -> list[str]:
    """Pairs of characters whose boxes share more than a quarter of the smaller box."""
    found = []
    cells: dict[tuple[int, int], list[int]] = {}
    for index, (_, (left, bottom, right, top)) in enumerate(chars):
        for x in range(int(left // 20), int(right // 20) + 1):
            for y in range(int(bottom // 20), int(top // 20) + 1):
                cells.setdefault((x, y), []).append(index)
    seen = set()
    for members in cells.values():
        for i in members:
            for j in members:
                if i >= j or (i, j) in seen:
                    continue
                seen.add((i, j))
                (a, (l1, b1, r1, t1)), (b, (l2, b2, r2, t2)) = chars[i], chars[j]
                width, height = min(r1, r2) - max(l1, l2), min(t1, t2) - max(b1, b2)
                smaller = min((r1 - l1) * (t1 - b1), (r2 - l2) * (t2 - b2))
                if width > 0 and height > 0 and smaller > 0 and width * height > smaller / 4:
                    found.append(f"{a}{b} at {l1:.0f},{b1:.0f}")
    return found


@pytest.mark.parametrize(("points", "code", "folder"), CASES)
def test_no_text_overlaps_or_leaves_the_page(points: int, code: str, folder) -> None:
    for number, (chars, (width, height)) in enumerate(char_boxes(composed(points, code, folder)), start=1):
        outside = [
            c
            for c, (left, bottom, right, top) in chars
            if left < 0 or bottom < 0 or right > width or top > height
        ]
        assert outside == [], (code, number)
        assert overlaps(chars) == [], (code, number)


def test_the_checks_can_fail() -> None:
    """The overlap check finds text drawn over text; the comparison finds a slip that differs."""
    box = (0.0, 0.0, 5.0, 7.0)
    assert overlaps([("a", box), ("b", (1.0, 1.0, 6.0, 8.0))])
    assert overlaps([("a", box), ("b", (5.5, 0.0, 10.0, 7.0))]) == []
    assert lines(composed(0, "1.001193")) != lines(composed(3, "1.001193"))


@pytest.mark.parametrize("office_id", ["phuong-cao-lanh", "xa-tan-thuan-dong"])
def test_the_qr_code_opens_the_offices_page(office_id: str) -> None:
    r = renderer(1, office_id)
    procedure = r.catalog.procedure("1.004873")
    body = r.body(procedure, "A5").content
    slip = r.composed(
        procedure, "A5", body, r.new_page_body(procedure, "A5", r.where_step(procedure, "A5"), body).content
    )
    image = images(slip.content, dpi=150)[0]
    decoded = [x.text for x in zxingcpp.read_barcodes(image) if x.format == zxingcpp.BarcodeFormat.QRCode]
    assert decoded == [f"{BASE}{office_id}/q/1.004873/"]
    printed = words(slip.content).replace(" ", "")
    assert (
        f"phieu.example.vn/{office_id}/q/1.004873/" in printed
    )  # the address under the code, maybe on two lines


def _walk(
    content: pikepdf.Object, resources: pikepdf.Dictionary, marked: int, problems: list[str], mcids: list[int]
) -> None:
    depth = marked
    for instruction in pikepdf.parse_content_stream(content):
        op = str(instruction.operator)
        if op in ("BDC", "BMC"):
            depth += 1
            if (
                op == "BDC"
                and isinstance(instruction.operands[1], pikepdf.Dictionary)
                and "/MCID" in instruction.operands[1]
            ):
                mcids.append(int(instruction.operands[1].MCID))
        elif op == "EMC":
            depth -= 1
        elif op in ("Tj", "TJ", "'", '"') and depth == 0:
            problems.append(f"text outside marked content: {instruction}")
        elif op == "Do":
            xobject = resources.XObject[instruction.operands[0]]
            if xobject.Subtype == "/Form" and depth == 0:
                _walk(xobject, xobject.get("/Resources", resources), 0, problems, [])


def fonts_of(resources: pikepdf.Dictionary) -> list[pikepdf.Dictionary]:
    found = list(resources.get("/Font", {}).values())
    for xobject in resources.get("/XObject", {}).values():
        if xobject.get("/Subtype") == "/Form" and "/Resources" in xobject:
            found += fonts_of(xobject.Resources)
    return found


@pytest.mark.parametrize(("points", "code", "folder"), CASES[1:3] + CASES[-1:])
def test_a_composed_slip_is_tagged_with_embedded_subset_fonts(points: int, code: str, folder) -> None:
    with pikepdf.open(io.BytesIO(composed(points, code, folder))) as pdf:
        root = pdf.Root.StructTreeRoot
        nums = root.ParentTree.Nums
        parents = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        assert pdf.Root.MarkInfo.Marked and str(pdf.Root.Lang) == "vi"
        assert "/PhieuLayout" not in pdf.Root
        for page in pdf.pages:
            problems: list[str] = []
            mcids: list[int] = []
            _walk(page, page.Resources, 0, problems, mcids)
            assert problems == []
            elements = parents[int(page.obj.StructParents)]
            assert sorted(mcids) == list(range(len(elements)))  # every marked part has its element
            for mcid in mcids:
                element = elements[mcid]
                assert element.Type == "/StructElem" and element.Pg.objgen == page.obj.objgen
            for font in fonts_of(page.Resources):
                descriptor = font.DescendantFonts[0].FontDescriptor
                assert "/FontFile2" in descriptor or "/FontFile3" in descriptor, font.BaseFont
                assert "+" in str(font.BaseFont), font.BaseFont  # a subset
        # The drawn and placed parts are in the tree, in the slip's section: the QR code with its text.
        kinds = [str(kid.S) for kid in root.K[0].K[0].K]
        assert kinds[:3] == ["/P", "/Figure", "/P"]  # the office's name, the QR code, its address
        figure = root.K[0].K[0].K[1]
        assert str(figure.Alt).endswith(f"/q/{code}/")
        assert pdf.docinfo.Author == renderer(points, folder=folder).catalog.office.name


def test_composition_is_byte_reproducible() -> None:
    r = renderer(3)
    procedure = r.catalog.procedure("2.000815")
    body = r.body(procedure, "A5").content
    assert r.body(procedure, "A5").content == body
    assert r.composed(procedure, "A5", body).content == r.composed(procedure, "A5", body).content


def plan_of(c: Catalog, office_id: str) -> Plan:
    return Plan(
        c, ROOT / "theme", site_url=f"{BASE}{office_id}/", slip_size="A5", pack_sizes=("A5",), pack_marks=True
    )


def keys(plan: Plan, kind: str) -> dict[str, str]:
    return (
        {job.spec[1]: job.key for job in plan.jobs if job.kind == kind and job.spec[-1] == "body"}
        if kind == "body"
        else {job.spec[1]: job.key for job in plan.jobs if job.kind == kind}
    )


def test_offices_share_bodies_and_only_their_own_slips_change() -> None:
    a, b = plan_of(catalog(0), "phuong-a"), plan_of(catalog(0, phone="0277 3999 999"), "phuong-b")
    assert keys(a, "body") == keys(b, "body")  # other office, other phone and site: the same bodies
    assert set(keys(a, "slip").values()).isdisjoint(keys(b, "slip").values())
    again = plan_of(catalog(0, phone="0277 3999 999"), "phuong-a")
    assert keys(again, "body") == keys(a, "body")
    assert all(keys(again, "slip")[code] != key for code, key in keys(a, "slip").items())
    # A national record's text changes its own body only.
    base = catalog(0)
    changed = base.procedure("1.001193").model_copy(update={"name": "Đăng ký khai sinh (sửa)"})
    edited = dataclasses.replace(
        base, procedures=tuple(changed if p.code == "1.001193" else p for p in base.procedures)
    )
    after = keys(plan_of(edited, "phuong-a"), "body")
    assert {code for code, key in after.items() if keys(a, "body")[code] != key} == {"1.001193"}
    # Each slip needs its body and its new-page body; a new-page body needs the body.
    jobs = {job.key: job for job in a.jobs}
    for job in a.jobs:
        if job.kind == "slip":
            body, new_page = (jobs[key] for key in job.needs)
            assert body.spec == ("slip", job.spec[1], job.spec[2], "body")
            assert new_page.spec[3] == "new-page" and new_page.needs == (body.key,)


def test_the_address_under_the_qr_code_breaks_after_a_slash_and_fits_its_column() -> None:
    r = renderer(0)
    font = r.drawn_fonts()[1]
    room = QR_COLUMN_MM["A5"] * compose.MM
    assert r.url_lines("https://phieu.example.vn/q/1.001193/", "A5") == ("phieu.example.vn/q/1.001193/",)
    assert r.url_lines("https://phieu.example.vn/phuong-cao-lanh/q/1.001193/", "A5") == (
        "phieu.example.vn/",
        "phuong-cao-lanh/q/1.001193/",
    )
    long = r.url_lines("https://" + "x" * 60 + "/q/1.001193/", "A6")
    assert "".join(long) == "x" * 60 + "/q/1.001193/" and len(long) >= 3
    assert all(font.width(line) <= room for line in long)


def test_the_qr_mask_is_the_one_qrcode_chooses() -> None:
    """make_qr scores the 8 masks without laying the symbol out 8 times; it must draw qrcode's own symbol."""
    rng = random.Random(14)
    for _ in range(120):
        path = "".join(rng.choices(string.ascii_lowercase + "-", k=rng.randint(0, 24)))
        url = f"{BASE}{path}/q/{rng.randint(1, 2)}.{rng.randint(0, 999999):06d}/"
        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
        code.add_data(url.encode(), optimize=0)
        code.make(fit=True)
        expected = tuple("".join("1" if dark else "0" for dark in row) for row in code.get_matrix())
        assert make_qr(url).matrix == expected, url


def test_an_office_whose_rows_fit_no_page_gets_its_slips_rendered_whole() -> None:
    r = renderer(30)
    procedure = r.catalog.procedure("2.000815")
    assert r.frame(procedure, "A5").where_height == float("inf")
    body = r.body(procedure, "A5").content
    new_page = r.new_page_body(procedure, "A5", r.where_step(procedure, "A5"), body).content
    slip = r.composed(procedure, "A5", body, new_page)
    assert slip.content == r.slip(procedure, "A5").content and slip.pages >= 2
    assert reception(30)[-1].name in words(slip.content)


def test_offices_whose_rows_need_a_new_page_share_one_layout_of_it(tmp_path: Path, monkeypatch) -> None:
    """Two offices with rows of different heights (3 and 4 steps) that both need 1.001193's new-page body:
    the second office's build finds it in the shared cache and lays out nothing."""
    laid_out: list[tuple[str, bool]] = []
    body = SlipRenderer.body

    def counted(self, procedure, size, *, new_page=False):
        laid_out.append((self.catalog.office.phone, new_page))
        return body(self, procedure, size, new_page=new_page)

    monkeypatch.setattr(SlipRenderer, "body", counted)

    def publish(points: int, cache: Path | None) -> Publisher:
        c = catalog(points)
        one = dataclasses.replace(
            c, procedures=(c.procedure("1.001193"),), fields=(c.field(c.procedure("1.001193").field),)
        )
        publisher = Publisher(one, ROOT / "theme", site_url=f"{BASE}phuong-{points}/", cache_dir=cache)
        publisher.render_all()
        return publisher

    first = publish(2, tmp_path)
    steps = {job.spec[4] for job in first.plan.jobs if job.kind == "new-page"}
    assert laid_out.count((first.catalog.office.phone, True)) == 1
    laid_out.clear()
    second = publish(5, tmp_path)
    assert {job.spec[4] for job in second.plan.jobs if job.kind == "new-page"}.isdisjoint(steps)
    assert laid_out == []  # neither the body nor its new-page variant laid out again
    alone = publish(5, None)  # the same office without a cache: the same slip, byte for byte
    assert (True in {new_page for _, new_page in laid_out}) and alone.outputs is not None
    assert second.outputs is not None
    assert [a.content for a in second.outputs.artifacts] == [a.content for a in alone.outputs.artifacts]


def test_offices_share_poster_and_tent_bodies() -> None:
    """A field's poster and table tent bodies are keyed without the office: two offices whose names take as
    many lines and whose addresses as many steps share them; their posters and tents differ."""
    a, b = plan_of(catalog(0), "phuong-a"), plan_of(catalog(0, phone="0277 3999 999"), "phuong-b")
    for kind in ("poster-body", "tent-body"):
        assert keys(a, kind) == keys(b, kind) and len(keys(a, kind)) == len(a.catalog.fields)
    for kind in ("poster", "tent"):
        assert set(keys(a, kind).values()).isdisjoint(keys(b, kind).values())
    # More reception points take more room after the poster's list: another poster body, the same tent's.
    more = plan_of(catalog(3), "phuong-a")
    assert set(keys(more, "poster-body").values()).isdisjoint(keys(a, "poster-body").values())
    assert keys(more, "tent-body") == keys(a, "tent-body")
    jobs = {job.key: job for job in a.jobs}
    for job in a.jobs:
        if job.kind in ("poster", "tent"):
            (body,) = (jobs[key] for key in job.needs)
            assert body.kind == f"{job.kind}-body" and body.spec == (job.kind, job.spec[1], "body")


def test_a_poster_keeps_room_for_many_reception_points_and_names_an_office_that_fills_a_page() -> None:
    field = catalog(12).field("ho-tich")
    poster = renderer(12).poster(field)
    text = " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(poster.content)).pages
    )
    for point in reception(12):
        assert f"{point.name}: {point.address}" in text
    for chars, _ in char_boxes(poster.content):
        assert not overlaps(chars)
    with pytest.raises(RenderError, match=r"áp phích ho-tich: .* dài hơn một trang áp phích"):
        renderer(40).poster_spec(catalog(40).field("ho-tich"))


def test_a_posters_code_is_read_after_its_title_and_a_slips_first() -> None:
    """Reading order (the structure tree): a slip's QR code stands at its top right and is read first; a
    poster's and a table tent's stand below their titles and are read after the text."""

    def order(content: bytes) -> list[str]:
        with pikepdf.open(io.BytesIO(content)) as pdf:
            found: list[str] = []

            def walk(element) -> None:
                if isinstance(element, pikepdf.Array):
                    for kid in element:
                        walk(kid)
                elif isinstance(element, pikepdf.Dictionary) and "/S" in element:
                    found.append(str(element.S))
                    walk(element.get("/K"))

            walk(pdf.Root.StructTreeRoot.K)
            return found

    r = renderer(0)
    slip = order(composed(0, "1.001193"))
    assert slip.index("/Figure") < slip.index("/H1")
    field = r.catalog.field("ho-tich")
    for content in (r.poster(field).content, r.tent_face(field, 190, 138.5).content):
        tags = order(content)
        assert tags.index("/H1") < tags.index("/Figure"), tags
