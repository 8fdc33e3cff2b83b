"""Issue 19: "Không hẹn", results handed over during the visit.

The office marks a procedure in its own ``local:`` block (``same_visit: "30–45 phút"``); slips, posters and
pages show it; the field and A–Z lists can be filtered by it in Chromium, and show everything without
JavaScript; and ``phieu diff`` puts a change to it on the reprint list, since it is printed.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from phieu import load_catalog
from phieu.model import Status
from phieu.render import text
from pypdf import PdfReader

from tests.conftest import SINGLE_OFFICE
from tests.test_diff import MINI, edit, git, run

SAME_VISIT = {"1.001193", "1.000656"}
"""The shipped procedures the example office marks (civil status, as in the Cao Lãnh model)."""
PROMISE = "Hồ sơ đủ thì chờ nhận kết quả ngay tại quầy, thường trong 30–45 phút."


def words(pdf: Path) -> str:
    return " ".join(" ".join(page.extract_text() or "" for page in PdfReader(str(pdf)).pages).split())


def test_the_shipped_data_marks_two_civil_status_procedures():
    catalog = load_catalog(SINGLE_OFFICE)
    marked = {p.code: p.local.same_visit for p in catalog.procedures if p.local.same_visit}
    assert marked == dict.fromkeys(SAME_VISIT, "30–45 phút")
    assert {catalog.procedure(code).field for code in marked} == {"ho-tich"}


@pytest.mark.parametrize("code", ["1.001193", "1.000656", "1.000894"])
def test_slip_and_page_show_it_only_when_marked(site: Path, code: str):
    slip = words(site / "pdf" / f"phieu-{code}.pdf")
    page = (site / "p" / code / "index.html").read_text(encoding="utf-8")
    if code in SAME_VISIT:
        assert f"KHÔNG HẸN {PROMISE}" in slip
        assert f"<dt>Không hẹn</dt><dd>{PROMISE}</dd>" in page
    else:
        assert "KHÔNG HẸN" not in slip and "Không hẹn" not in page


def test_poster_and_lists_show_it(site: Path):
    poster = words(site / "pdf" / "ap-phich-ho-tich.pdf")
    assert poster.count("Không hẹn · 30–45 phút") == 2
    assert "Không hẹn Hồ sơ đủ thì chờ nhận kết quả ngay tại quầy." in poster
    assert "Không hẹn" not in words(site / "pdf" / "ap-phich-chung-thuc.pdf")
    for path in ("f/ho-tich/index.html", "tra-cuu/index.html"):
        html = (site / path).read_text(encoding="utf-8")
        marked = re.findall(r'<li data-same-visit><a href="[^"]*p/([0-9.]+)/">', html)
        assert set(marked) == SAME_VISIT, path
        assert html.count("Không hẹn · 30–45 phút") == 2
    assert "data-phieu-filter" not in (site / "f" / "chung-thuc" / "index.html").read_text(encoding="utf-8")


def test_a_procedure_no_longer_in_force_makes_no_promise():
    catalog = load_catalog(SINGLE_OFFICE)
    birth = catalog.procedure("1.001193")
    abolished = birth.model_copy(update={"status": Status.abolished})
    args = (catalog.office, catalog.field("ho-tich"), "https://phieu.example.vn/")
    assert text.printed_payload(birth, *args)["same_visit"] == "30–45 phút"
    assert text.printed_payload(abolished, *args)["same_visit"] is None


def visible_codes(page) -> list[str]:
    hrefs = page.eval_on_selector_all(
        "ul.phieu-list > li a", "links => links.filter(a => a.offsetParent !== null).map(a => a.href)"
    )
    return [re.search(r"/p/([0-9.]+)/", h).group(1) for h in hrefs]


@pytest.mark.parametrize("path", ["f/ho-tich/", "tra-cuu/"])
def test_filter_in_chromium(page, server, path):
    page.goto(server + path)
    everything = visible_codes(page)
    assert len(everything) >= 13 and set(everything) > SAME_VISIT
    control = page.get_by_label("Chỉ hiện thủ tục không hẹn (chờ nhận kết quả ngay tại quầy)")
    assert control.is_visible() and not control.is_checked()
    control.check()
    assert set(visible_codes(page)) == SAME_VISIT
    status = page.locator(".phieu-filter__count")
    assert status.inner_text() == f"Đang hiện 2/{len(everything)} thủ tục"
    if path == "tra-cuu/":
        # Letters left without a procedure are hidden with their list; "Đ" (Đăng ký …) stays.
        shown = page.eval_on_selector_all(
            "h2", "hs => hs.filter(h => h.offsetParent !== null).map(h => h.textContent)"
        )
        assert shown == ["Đ"]
    control.uncheck()
    assert visible_codes(page) == everything
    assert status.inner_text() == ""


def test_without_javascript_the_whole_list_shows(browser, server):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 640})
    try:
        page = context.new_page()
        page.goto(server + "f/ho-tich/")
        assert not page.locator("[data-phieu-filter]").is_visible()
        assert len(visible_codes(page)) == len(load_catalog(SINGLE_OFFICE).in_field("ho-tich"))
    finally:
        context.close()


def test_a_change_to_it_is_on_the_reprint_list(tmp_path: Path):
    repo = tmp_path / "repo"
    shutil.copytree(MINI, repo / "procedures")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "đầu tiên")
    source = repo / "procedures" / "1.000001.yml"
    source.write_text(source.read_text(encoding="utf-8") + 'local:\n  same_visit: "30–45 phút"\n', "utf-8")
    git(repo, "commit", "-q", "-am", "không hẹn")
    edit(source, "30–45 phút", "1 giờ")
    for base in ("HEAD", "HEAD~1"):  # changed, then added
        report = run(repo, base)
        assert [(c["code"], c["parts"], c["printed"]) for c in report.changed] == [
            ("1.000001", ["local"], True)
        ]
        assert [s["path"] for s in report.reprint["slips"]] == ["pdf/phieu-1.000001.pdf"]
        assert [p["path"] for p in report.reprint["packs"]] == ["pdf/goi-in-ho-tich-a5.pdf"]
        assert [p["path"] for p in report.reprint["imposed"]] == ["pdf/binh-trang-ho-tich-a5x2.pdf"]
        # The poster prints "Không hẹn · <time>" next to the procedure: it is reprinted too.
        assert [p["path"] for p in report.reprint["posters"]] == ["pdf/ap-phich-ho-tich.pdf"]
        assert report.reprint["tents"] == []  # a tent prints only the field and the office
