"""A province's site: its home and finder, national pages, every office's own site, slips and manifest.

The shipped project is a province (procedures/province.yml, fees.yml, offices/); a single office's folder
(tests/fixtures/single-office) must build exactly as it did before provinces existed.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import pytest
import yaml
from phieu.errors import DataError
from phieu.load import load_project
from phieu.render import text

from tests.conftest import ROOT, SINGLE_OFFICE, GzipHandler, build, copy_project, serve, tree_digest
from tests.test_a11y import FIRST_VISIT_BUDGET, SECOND_PAGE_BUDGET, Recorder, print_weight, run_axe
from tests.test_slips import decode_qr, words

SHIPPED = ROOT / "procedures"
REFERENCE = SINGLE_OFFICE.parent / "site.sha256.json"
PUBLIC = "https://phieu.example.vn/"


@pytest.fixture(scope="module")
def psite(province: Path) -> Path:
    return province / "site"


@pytest.fixture(scope="module")
def shipped():
    return load_project(SHIPPED)


# --------------------------------------------------------------------------- a single office, unchanged


def test_a_single_office_builds_byte_identically_to_before_provinces(tmp_path: Path) -> None:
    """``tests/fixtures/single-office`` is a whole single office's project (config, hand-written pages, data)
    as the shipped one was at commit b1eda77, before the province layer; the reference is that commit's site.

    When another change alters a single office's site on purpose, refresh it with
    ``python -m tests.test_province --refresh <built site>`` and say why in the commit.
    """
    project = copy_project(tmp_path, procedures=SINGLE_OFFICE)
    shutil.copy(SINGLE_OFFICE.parent / "mkdocs.yml", project / "mkdocs.yml")
    shutil.rmtree(project / "docs")
    shutil.copytree(SINGLE_OFFICE.parent / "docs", project / "docs")
    assert build(project) == 0
    expected = json.loads(REFERENCE.read_text(encoding="utf-8"))
    got = tree_digest(project / "site")
    changed = sorted(k for k in expected.keys() & got.keys() if expected[k] != got[k])
    assert (sorted(expected.keys() - got.keys()), sorted(got.keys() - expected.keys()), changed) == (
        [],
        [],
        [],
    )


# --------------------------------------------------------------------------- layout of the site


def test_every_office_has_its_whole_site_under_its_folder(psite: Path, shipped) -> None:
    assert len(shipped.offices) >= 3
    for office in shipped.offices:
        own = psite / office.id
        for path in ("index.html", "tra-cuu/index.html", "in-an/index.html", "search/search_index.json"):
            assert (own / path).is_file(), (office.id, path)
        for p in office.catalog.procedures:
            assert (own / "p" / p.code / "index.html").is_file()
            assert (own / "pdf" / f"phieu-{p.code}.pdf").is_file()
        for f in shipped.fields:
            if office.catalog.in_field(f.id):
                assert (own / "f" / f.id / "index.html").is_file()
                assert (own / "pdf" / f"ap-phich-{f.id}.pdf").is_file()


def test_a_subset_office_publishes_only_what_it_offers(psite: Path, shipped) -> None:
    subset = [o for o in shipped.offices if o.profile.offers is not None]
    assert subset, "the shipped province has an office that offers a subset"
    office = subset[0]
    offered = set(office.profile.offers)
    assert len(offered) < len(shipped.procedures)
    published = {p.name for p in (psite / office.id / "p").iterdir()}
    assert published == offered
    pdfs = {p.name for p in (psite / office.id / "pdf").glob("phieu-*.pdf")}
    assert pdfs == {f"phieu-{code}.pdf" for code in offered}


def test_an_office_search_index_holds_only_its_procedures(psite: Path, shipped) -> None:
    for office in shipped.offices:
        index = json.loads((psite / office.id / "search" / "search_index.json").read_text(encoding="utf-8"))
        codes = {m.group(1) for d in index["docs"] if (m := re.fullmatch(r"p/([0-9.]+)/", d["location"]))}
        assert codes == {p.code for p in office.catalog.procedures}, office.id


# --------------------------------------------------------------------------- office pages and slips


def test_each_office_slip_qr_opens_that_office_page_with_its_address_and_hours(psite: Path, shipped) -> None:
    for office in shipped.offices:
        for p in office.catalog.procedures[:3]:
            slip = psite / office.id / "pdf" / f"phieu-{p.code}.pdf"
            target = f"{PUBLIC}{office.id}/q/{p.code}/"
            assert decode_qr(slip) == [target]
            scan = (psite / office.id / "q" / p.code / "index.html").read_text(encoding="utf-8")
            assert f"{PUBLIC}{office.id}/p/{p.code}/" in scan
            page = (psite / office.id / "p" / p.code / "index.html").read_text(encoding="utf-8")
            assert office.profile.address.replace('"', "&#34;") in page or office.profile.address in page
            for hours in office.profile.hours:
                assert hours in page
            printed = words(slip)
            assert office.profile.name in printed
            assert " ".join(office.profile.address.split()) in printed


def test_an_office_page_shows_its_reception_points_phone_and_counter(psite: Path, shipped) -> None:
    office = next(o for o in shipped.offices if o.profile.reception)
    p = office.catalog.procedures[0]
    page = (psite / office.id / "p" / p.code / "index.html").read_text(encoding="utf-8")
    for point in office.profile.reception:
        assert point.name in page
        assert point.address in page
    assert "Điện thoại" in page and office.profile.phone in page
    assert p.local.counter and p.local.counter in page
    home = (psite / office.id / "index.html").read_text(encoding="utf-8")
    assert office.profile.reception[0].name in home
    assert 'href="../"' in home  # back to the province's list of offices


def test_office_notes_stay_on_that_office(psite: Path, shipped) -> None:
    office = shipped.office("phuong-cao-lanh")
    code, same_visit = next(
        (p.code, p.local.same_visit) for p in office.catalog.procedures if p.local.same_visit
    )
    own = (psite / office.id / "p" / code / "index.html").read_text(encoding="utf-8")
    assert f"thường trong {same_visit}" in own
    for other in shipped.offices:
        if other.id != office.id and (psite / other.id / "p" / code).is_dir():
            assert "thường trong" not in (psite / other.id / "p" / code / "index.html").read_text(
                encoding="utf-8"
            )


# --------------------------------------------------------------------------- the province's own pages


def test_national_page_keeps_its_url_and_links_each_office_that_offers_it(psite: Path, shipped) -> None:
    for p in shipped.procedures:
        page = (psite / "p" / p.code / "index.html").read_text(encoding="utf-8")
        offering = {o.id for o in shipped.offering(p.code)}
        linked = set(re.findall(r'href="\.\./\.\./([a-z0-9-]+)/p/' + re.escape(p.code) + '/"', page))
        assert linked == offering, p.code
        assert "phieu-version" not in page  # the national page has no slip of its own
    not_everywhere = next(
        p for p in shipped.procedures if len(shipped.offering(p.code)) < len(shipped.offices)
    )
    assert not_everywhere


def test_province_fee_replaces_the_national_one_and_stays_hidden_until_verified(tmp_path: Path) -> None:
    shipped = load_project(SHIPPED)
    entry = shipped.fee_table.fees[0]
    fee = next(c.fee for c in shipped.procedure(entry.code).cases if c.id == entry.case)
    assert fee.basis[: len(entry.fee.basis)] == entry.fee.basis and not fee.varies_by_province
    assert text.fee_text(fee) == text.ASK_AT_COUNTER  # not verified: "Hỏi tại quầy"
    root = tmp_path / "procedures"
    shutil.copytree(SHIPPED, root)
    fees = root / "fees.yml"
    data = yaml.safe_load(fees.read_text(encoding="utf-8"))
    data["fees"][0]["fee"]["verified"] = True
    fees.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    verified = load_project(root)
    for office in verified.offices:
        if any(p.code == entry.code for p in office.catalog.procedures):
            case = next(c for c in office.catalog.procedure(entry.code).cases if c.id == entry.case)
            assert text.fee_text(case.fee) == text.money(entry.fee.amount)


def test_manifest_lists_every_slip_of_every_office(psite: Path, shipped) -> None:
    manifest = json.loads((psite / "manifest.json").read_text(encoding="utf-8"))
    assert [o["office"] for o in manifest["offices"]] == [o.id for o in shipped.offices]
    listed = {(e["office"], e["code"]) for e in manifest["procedures"]}
    assert listed == {(o.id, p.code) for o in shipped.offices for p in o.catalog.procedures}
    for entry in manifest["procedures"]:
        assert entry["url"] == f"{PUBLIC}{entry['office']}/p/{entry['code']}/"
        assert entry["qr_target"] == f"{PUBLIC}{entry['office']}/q/{entry['code']}/"
        assert (psite / entry["slip"]).is_file() and (psite / entry["page"]).is_file()
        assert re.fullmatch(r"[0-9a-f]{64}", entry["content_hash"])


def test_urls_the_former_single_office_published_keep_working(psite: Path, shipped) -> None:
    former = shipped.province.former_site
    ledger = [
        line
        for line in (ROOT / "published-urls.txt").read_text(encoding="utf-8").splitlines()
        if line.startswith("/")
    ]
    for url in ledger:
        relative = url.lstrip("/")
        target = psite / relative / "index.html" if url.endswith("/") else psite / relative
        assert target.is_file(), url
        if url.endswith(".pdf"):  # a PDF cannot redirect: it is the office's own copy
            assert target.read_bytes() == (psite / former / relative).read_bytes()
    # a QR code printed by the single office opens its page, now under its folder
    scan = (psite / "q" / "1.001193" / "index.html").read_text(encoding="utf-8")
    assert f'url=../../{former}/q/1.001193/"' in scan


def test_finder_finds_an_office_by_a_former_name_without_diacritics(browser, psite: Path, shipped) -> None:
    office = next(o for o in shipped.offices if any("Tân Quy Đông" in f for f in o.profile.former))
    with serve(psite) as url:
        context = browser.new_context(viewport={"width": 360, "height": 640}, locale="vi-VN")
        page = context.new_page()
        try:
            page.goto(url)
            items = page.locator(".phieu-offices > li")
            assert items.count() == len(shipped.offices)
            page.fill("#tim-xa-phuong", "tan quy dong")
            visible = page.locator(".phieu-offices > li:visible a")
            assert visible.count() == 1
            assert visible.first.inner_text() == office.profile.name
            assert "Tìm thấy 1" in page.locator("#tim-xa-phuong-ket-qua").inner_text()
            page.fill("#tim-xa-phuong", "xa khong co")
            assert page.locator(".phieu-offices > li:visible").count() == 0
            assert "Không tìm thấy" in page.locator("#tim-xa-phuong-ket-qua").inner_text()
            page.fill("#tim-xa-phuong", "")
            visible.first.click()  # the office's own site opens
            page.wait_for_url(re.compile(r"/[a-z-]+/$"))
            assert page.locator("h1").first.is_visible()
        finally:
            context.close()


def test_without_javascript_every_office_and_its_former_names_are_listed(
    browser, psite: Path, shipped
) -> None:
    with serve(psite) as url:
        context = browser.new_context(java_script_enabled=False)
        page = context.new_page()
        try:
            page.goto(url)
            shown = page.locator(".phieu-offices").inner_text()
            for office in shipped.offices:
                assert office.profile.name in shown
                for former in office.profile.former:
                    assert former in shown
        finally:
            context.close()


@pytest.mark.parametrize("path", ["", "p/2.000815/", "phuong-sa-dec/", "phuong-sa-dec/p/1.004746/"])
def test_axe_on_the_province_page_types(browser, psite: Path, path: str) -> None:
    with serve(psite) as url:
        context = browser.new_context(viewport={"width": 360, "height": 640}, locale="vi-VN")
        page = context.new_page()
        try:
            page.goto(url + path)
            bad = [v for v in run_axe(page) if v["impact"] in ("serious", "critical")]
            assert bad == [], bad
        finally:
            context.close()


# --------------------------------------------------------------------------- cross-layer validation


def _broken_province(tmp_path: Path) -> Path:
    root = tmp_path / "procedures"
    shutil.copytree(SHIPPED, root)
    office = root / "offices" / "phuong-my-ngai.yml"
    office.write_text(
        office.read_text(encoding="utf-8").replace('  - "1.004873"', '  - "1.004837"\n  - "1.004783"')
        + 'procedures:\n  - code: "2.000815"\n    notes:\n      - Mang theo bản chính.\n'
        + "counters_extra: 1\n",
        encoding="utf-8",
    )
    fees = root / "fees.yml"
    fees.write_text(
        fees.read_text(encoding="utf-8").replace("case: dang-ky-lai-ket-hon", "case: dang-ky-ket-hon"),
        encoding="utf-8",
    )
    record = root / "ho-tich" / "1.001193.yml"
    record.write_text(record.read_text(encoding="utf-8") + "local:\n  counter: Quầy 1\n", encoding="utf-8")
    (root / "office.yml").write_text(
        (SINGLE_OFFICE / "office.yml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    return root


def test_cross_layer_problems_are_each_located(tmp_path: Path) -> None:
    root = _broken_province(tmp_path)
    with pytest.raises(DataError) as caught:
        load_project(root, display_root=tmp_path)
    shown = [str(p) for p in caught.value.problems]
    expected = [
        r"procedures/offices/phuong-my-ngai\.yml:\d+:1: khóa không hợp lệ 'counters_extra'.*",
        r"procedures/fees\.yml:\d+:11: thủ tục 1\.004746 không có trường hợp 'dang-ky-ket-hon'"
        r" \(có phải 'dang-ky-lai-ket-hon'\?\)",
        r"procedures/ho-tich/1\.001193\.yml:\d+:1: dữ liệu của cả tỉnh: phần 'local' .*offices/<mã>\.yml.*",
        r"procedures/office\.yml:1:1: dữ liệu của cả tỉnh \(có province\.yml\) không dùng office\.yml.*",
    ]
    for pattern in expected:
        assert any(re.fullmatch(pattern, s) for s in shown), (pattern, shown)
    # with the unknown key gone, the office's references are checked too
    office = root / "offices" / "phuong-my-ngai.yml"
    office.write_text(office.read_text(encoding="utf-8").replace("counters_extra: 1\n", ""), encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_project(root, display_root=tmp_path)
    shown = [str(p) for p in caught.value.problems]
    for pattern in (
        r"procedures/offices/phuong-my-ngai\.yml:\d+:5: thủ tục 1\.004783 không có trong dữ liệu"
        r" \(có phải '1\.004873'\?\)",
        r"procedures/offices/phuong-my-ngai\.yml:\d+:11: thủ tục 2\.000815 không có trong offers.*",
    ):
        assert any(re.fullmatch(pattern, s) for s in shown), (pattern, shown)


def test_an_unknown_office_or_former_site_is_named(tmp_path: Path) -> None:
    root = tmp_path / "procedures"
    shutil.copytree(SHIPPED, root)
    province = root / "province.yml"
    province.write_text(
        province.read_text(encoding="utf-8").replace(
            "former_site: phuong-cao-lanh", "former_site: phuong-cao-lan"
        ),
        encoding="utf-8",
    )
    (root / "offices" / "p.yml").write_text("name: x\n", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_project(root, display_root=tmp_path)
    shown = [str(p) for p in caught.value.problems]
    assert any(
        re.fullmatch(
            r"procedures/province\.yml:\d+:14: không có xã, phường 'phuong-cao-lan'.*'phuong-cao-lanh'.*", s
        )
        for s in shown
    ), shown
    assert any(
        s.startswith("procedures/offices/p.yml:1:1: tên tệp 'p.yml' trùng đường dẫn") for s in shown
    ), shown


if __name__ == "__main__" and sys.argv[1:2] == ["--refresh"]:
    digest = tree_digest(Path(sys.argv[2]))
    REFERENCE.write_text(json.dumps(digest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{REFERENCE}: {len(digest)} files")


@pytest.mark.parametrize("path", ["", "p/1.001193/", "phuong-sa-dec/p/1.004746/"])
def test_province_pages_keep_the_first_visit_budget(browser, psite: Path, path: str) -> None:
    """The same budget as a single office's pages (test_a11y): what a first visit downloads, gzipped."""
    with serve(psite, GzipHandler) as url:
        context = browser.new_context(
            viewport={"width": 360, "height": 640}, locale="vi-VN", service_workers="block"
        )
        page = context.new_page()
        try:
            recorder = Recorder(context, page)
            page.goto(url + path, wait_until="networkidle")
            raw, gz, rows = recorder.weigh()
            print_weight("first visit /" + path, raw, gz, rows)
            assert gz <= FIRST_VISIT_BUDGET, (gz, rows)
            html_gz = next(g for u, _, g in rows if u == url + path)
            assert html_gz <= SECOND_PAGE_BUDGET, html_gz
        finally:
            context.close()


def test_the_printing_page_leads_to_each_office_printing_page(psite: Path, shipped) -> None:
    page = (psite / "in-an" / "index.html").read_text(encoding="utf-8")
    for office in shipped.offices:
        assert f'href="../{office.id}/in-an/"' in page
        assert (psite / office.id / "in-an" / "index.html").is_file()
    assert 'href="../manifest.json"' in page
