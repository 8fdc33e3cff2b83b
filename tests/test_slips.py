"""Printed slips, posters and packs, checked with outside clients (pypdfium2, zxing-cpp, pypdf)."""

from __future__ import annotations

import gc
import json
import shutil
import socket
import unicodedata
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from phieu import load_catalog
from phieu.errors import RenderError
from phieu.render import text
from phieu.render.qr import make_qr
from phieu.render.slip import SlipRenderer
from pypdf import PdfReader

from tests.conftest import ROOT, SINGLE_OFFICE, build, copy_project

A5_PT = (148 / 25.4 * 72, 210 / 25.4 * 72)
MINI = ROOT / "tests" / "fixtures" / "mini" / "procedures"


def decode_qr(pdf: Path, page: int = 0, dpi: int = 150) -> list[str]:
    document = pypdfium2.PdfDocument(str(pdf))
    try:
        image = document[page].render(scale=dpi / 72).to_pil()
    finally:
        document.close()
    return [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]


def words(pdf: Path) -> str:
    """Extracted text with whitespace collapsed (line breaks fall anywhere on paper)."""
    text = " ".join(page.extract_text() or "" for page in PdfReader(str(pdf)).pages)
    return " ".join(text.split())


@pytest.fixture(scope="module")
def manifest(site: Path) -> dict:
    return json.loads((site / "manifest.json").read_text(encoding="utf-8"))


def test_manifest_has_one_entry_per_procedure(site: Path, manifest: dict):
    catalog = load_catalog(SINGLE_OFFICE)
    assert [e["code"] for e in manifest["procedures"]] == [p.code for p in catalog.procedures]
    for entry in manifest["procedures"]:
        assert {
            "code",
            "title",
            "url",
            "page",
            "slip",
            "qr_target",
            "content_hash",
            "updated",
            "status",
        } <= set(entry)
        assert (site / entry["page"]).is_file()
        assert (site / entry["slip"]).is_file()
        assert entry["url"] == f"{manifest['site_url']}p/{entry['code']}/"
        assert entry["qr_target"] == f"{manifest['site_url']}q/{entry['code']}/"  # counted, then forwarded


def test_every_slip_qr_opens_its_existing_page(site: Path, manifest: dict):
    for entry in manifest["procedures"]:
        decoded = decode_qr(site / entry["slip"])
        assert decoded == [entry["qr_target"]], entry["code"]
        path = entry["qr_target"].removeprefix(manifest["site_url"])
        forward = (site / path / "index.html").read_text(encoding="utf-8")
        assert f'<link rel="canonical" href="{entry["url"]}">' in forward
        assert (site / entry["page"]).is_file()


def test_every_poster_qr_opens_its_field_page(site: Path, manifest: dict):
    catalog = load_catalog(SINGLE_OFFICE)
    for f in catalog.fields:
        decoded = decode_qr(site / "pdf" / f"ap-phich-{f.id}.pdf")
        assert decoded == [f"{manifest['site_url']}q/f/{f.id}/"]
        assert (site / "f" / f.id / "index.html").is_file()
        assert len(PdfReader(str(site / "pdf" / f"ap-phich-{f.id}.pdf")).pages) == 1


def test_slip_text_has_title_and_every_document_in_nfc(site: Path):
    catalog = load_catalog(SINGLE_OFFICE)
    for p in catalog.procedures:
        text = words(site / "pdf" / f"phieu-{p.code}.pdf")
        assert unicodedata.is_normalized("NFC", text)
        assert " ".join(p.name.split()) in text, p.code
        for case in p.cases:
            for doc in case.documents:  # the short name staff wrote, if any, in place of the official one
                printed = doc.short or doc.name
                assert " ".join(printed.split()) in text, (p.code, printed)


def test_a_short_name_replaces_the_official_name_and_its_note_on_the_slip_only(site: Path):
    catalog = load_catalog(SINGLE_OFFICE)
    birth = catalog.procedure("1.001193")
    (doc,) = [d for d in birth.cases[0].documents if d.name.startswith("Giấy chứng sinh")]
    assert doc.short and doc.note
    slip = words(site / "pdf" / "phieu-1.001193.pdf")
    page = (site / "p" / "1.001193" / "index.html").read_text(encoding="utf-8")
    assert " ".join(doc.short.split()) in slip and doc.name[:40] not in slip and doc.note[:40] not in slip
    assert doc.name in page and doc.note in page


@pytest.mark.parametrize(
    ("name", "optional", "marked"),
    [
        ("Biên bản xác nhận việc trẻ bị bỏ rơi", True, True),
        ("Biên bản xác nhận việc trẻ bị bỏ rơi", False, False),
        # The name says when it is needed: a second "(nếu có)" would repeat it (1.001022 printed it twice).
        ("Thư từ, ảnh, phim, băng, đĩa, đồ dùng, vật dụng khác chứng minh quan hệ (nếu có)", True, False),
        ("Thư từ, ảnh chứng minh quan hệ (Nếu có).", True, False),
        ("Nếu nhờ người khác làm thay: văn bản ủy quyền", True, False),
        ("Trường hợp trẻ em bị bỏ rơi thì phải có biên bản về việc trẻ bị bỏ rơi", True, False),
        ("Giấy tờ khác nếu có yêu cầu", True, True),
    ],
)
def test_optional_mark_is_printed_once(name: str, optional: bool, marked: bool):
    assert text.optional_mark(name, optional) is marked


def test_every_shipped_slip_is_one_a5_page(site: Path, manifest: dict):
    for entry in manifest["procedures"]:
        reader = PdfReader(str(site / entry["slip"]))
        assert len(reader.pages) == 1, entry["code"]
        box = reader.pages[0].mediabox
        assert (float(box.width), float(box.height)) == pytest.approx(A5_PT, abs=1)


def test_pdf_metadata(site: Path):
    reader = PdfReader(str(site / "pdf" / "phieu-1.001193.pdf"))
    assert reader.metadata.title == "Phiếu hướng dẫn: Đăng ký khai sinh (1.001193)"
    assert reader.trailer["/Root"].get("/Lang") == "vi"
    assert "/StructTreeRoot" in reader.trailer["/Root"]  # tagged PDF
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert fonts and all("+" in name for name in fonts)  # embedded subsets


def test_print_packs_hold_every_slip_of_their_field(site: Path):
    catalog = load_catalog(SINGLE_OFFICE)
    for f in catalog.fields:
        pack = site / "pdf" / f"goi-in-{f.id}-a5.pdf"
        slips = sum(
            len(PdfReader(str(site / "pdf" / f"phieu-{p.code}.pdf")).pages) for p in catalog.in_field(f.id)
        )
        reader = PdfReader(str(pack))
        assert len(reader.pages) == slips
        # 3 mm bleed on each side around the trimmed A5 page, where the crop marks are drawn.
        sheet, trim = reader.pages[0].mediabox, reader.pages[0]["/TrimBox"]
        bleed = 3 / 25.4 * 72
        assert (float(sheet.width), float(sheet.height)) == pytest.approx(
            (A5_PT[0] + 2 * bleed, A5_PT[1] + 2 * bleed), abs=0.5
        )
        assert [float(v) for v in trim] == pytest.approx([0, 0, *A5_PT], abs=0.5)
    # The crop marks are really drawn: dark pixels in the bleed, on the extension of the trim edge.
    document = pypdfium2.PdfDocument(str(site / "pdf" / "goi-in-ho-tich-a5.pdf"))
    image = document[0].render(scale=300 / 72).to_pil().convert("L")
    document.close()
    bleed_px = round(3 / 25.4 * 300)
    mark = [image.getpixel((x, y)) for x in range(2, bleed_px - 6) for y in range(bleed_px - 2, bleed_px + 3)]
    assert min(mark) < 128
    blank = [
        image.getpixel((x, y)) for x in range(2, bleed_px - 6) for y in range(bleed_px + 10, bleed_px + 20)
    ]
    assert min(blank) > 200


def test_printing_page_lists_packs_with_checksums(site: Path, manifest: dict):
    html = (site / "in-an" / "index.html").read_text(encoding="utf-8")
    for item in manifest["print"]:
        assert item["sha256"] in html
        assert item["path"].split("/")[-1] in html


def test_procedure_page_links_its_slip_and_shows_the_same_version(site: Path, manifest: dict):
    entry = next(e for e in manifest["procedures"] if e["code"] == "1.001193")
    html = (site / entry["page"]).read_text(encoding="utf-8")
    assert 'href="../../pdf/phieu-1.001193.pdf"' in html
    assert entry["version"] in html
    assert entry["version"] in words(site / entry["slip"])


@pytest.fixture(scope="module")
def mini_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = copy_project(tmp_path_factory.mktemp("mini-slips"), procedures=MINI)
    assert build(project) == 0
    return project


def test_long_slip_continues_on_numbered_pages_with_the_qr_on_page_one(mini_project: Path):
    slip = mini_project / "site" / "pdf" / "phieu-1.000005.pdf"
    reader = PdfReader(str(slip))
    total = len(reader.pages)
    assert total >= 2
    for number, page in enumerate(reader.pages, start=1):
        assert f"Trang {number}/{total}" in page.extract_text()
    assert decode_qr(slip, 0) == ["https://phieu.example.vn/q/1.000005/"]
    assert all(decode_qr(slip, i) == [] for i in range(1, total))
    assert "Thủ tục rất dài" in reader.pages[1].extract_text()  # continuation header names the slip
    # Nothing is clipped: the last document of the last case is on paper.
    assert "Giấy tờ số 12 của trường hợp 4" in words(slip)


def test_two_builds_give_identical_pdfs(site: Path, tmp_path: Path):
    again = copy_project(tmp_path / "again")
    assert build(again) == 0  # its own empty cache: every PDF is rendered anew
    for pdf in sorted((site / "pdf").glob("*.pdf")):
        assert (again / "site" / "pdf" / pdf.name).read_bytes() == pdf.read_bytes(), pdf.name


def test_qr_rules():
    qr = make_qr("https://phieu.example.vn/p/1.012753.H19/")
    assert qr.version <= 4 and qr.error_correction == "M"
    assert qr.module_mm(34) >= 0.8
    assert qr.svg.startswith("<svg") and "<path" in qr.svg  # vector, never a bitmap
    with pytest.raises(RenderError, match="phiên bản"):
        make_qr("https://a-very-long-host-name.example.gov.vn/some/deep/path/p/1.012753.H19/")
    with pytest.raises(RenderError, match="M hoặc Q"):
        make_qr("https://x.vn/", error_correction="H")


def test_renderer_fetches_nothing_outside_the_theme(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    template = theme / "slip" / "slip.html.j2"
    template.write_text(
        template.read_text(encoding="utf-8").replace(
            "<body>",
            '<body><img src="file:///etc/passwd"><img src="http://example.com/x.png">'
            '<link rel="stylesheet" href="https://example.com/x.css"><img src="../pages/field.html.j2">',
        ),
        encoding="utf-8",
    )
    connections: list[object] = []
    monkeypatch.setattr(socket.socket, "connect", lambda self, addr: connections.append(addr))
    catalog = load_catalog(SINGLE_OFFICE)
    renderer = SlipRenderer(catalog, theme, site_url="https://phieu.example.vn/")
    pdf = renderer.slip(catalog.procedures[0], "A5")
    assert pdf.pages >= 1
    refused = set(renderer.fetcher.refused)
    assert "file:///etc/passwd" in refused
    assert "http://example.com/x.png" in refused
    assert any(url.endswith("/pages/field.html.j2") for url in refused)
    assert connections == []


def test_a_pathological_slip_fails_with_a_clear_message_instead_of_hanging(monkeypatch: pytest.MonkeyPatch):
    from phieu.render import slip as slip_module

    monkeypatch.setattr(slip_module, "TIME_LIMIT_S", 0.05)
    catalog = load_catalog(SINGLE_OFFICE)
    renderer = SlipRenderer(catalog, ROOT / "theme", site_url="https://phieu.example.vn/")
    huge = "<table>" + "<tr><td>ô</td></tr>" * 20000 + "</table>"
    # Garbage collection off: an alarm inside a collector callback (hypothesis installs one) would be
    # reported as an "unraisable" exception before the re-armed timer fires in ordinary code.
    gc.disable()
    try:
        with pytest.raises(RenderError, match=r"quá 0\.05 giây"):
            renderer._render(f"<html lang='vi'><body>{huge}</body></html>", "A5")
    finally:
        gc.enable()
