"""End-to-end checks in headless Chromium: search without diacritics, the checklist, 360 px, no third party.

Never skipped: CI installs Debian's chromium (see the Makefile); the ``browser`` fixture fails loudly
when it is missing.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

MARRIAGE = "1.000894"
BIRTH = ("1.001193", "1.004884")


def fold(text: str) -> str:
    """Lower-case and strip Vietnamese diacritics (đ → d), as a citizen types on a bare keyboard."""
    text = text.lower().replace("đ", "d")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def search(page, server: str, query: str) -> list[str]:
    """Type ``query`` into Material's search box and return the result URLs, best first.

    Material debounces the input and the worker answers asynchronously, so stale results for an
    earlier, shorter query can be on screen. Wait until every result link carries ``?h=`` terms
    drawn from the current query before reading them.
    """
    if not page.url.startswith(server):
        page.goto(server)
    box = page.locator("input[data-md-component=search-query]")
    if not box.is_visible():
        page.locator("label.md-header__button[for=__search]").click()
    box.fill(query)
    box.press("End")  # Material reads the query on keyup (and on focus), not on `input`
    page.wait_for_function(
        """(words) => {
            const fold = (s) => s.toLowerCase().replace(/đ/g, "d")
                .normalize("NFD").replace(/[\\u0300-\\u036f]/g, "");
            const links = [...document.querySelectorAll(".md-search-result__item > a")];
            const terms = links.map((a) => new URL(a.href).searchParams.get("h"));
            if (!links.length || terms.includes(null) || !terms.some(Boolean)) return false;
            return terms.every((h) => h.split(/[+ ]/).filter(Boolean)
                .every((t) => words.includes(fold(t))));
        }""",
        arg=fold(query).split(),
        timeout=15_000,
    )
    hrefs = page.eval_on_selector_all(".md-search-result__item > a", "links => links.map(a => a.href)")
    return [urlsplit(h).path for h in hrefs]


def codes(paths: list[str]) -> list[str]:
    return [p.split("/")[2] for p in paths if p.startswith("/p/")]


def test_search_without_diacritics_finds_marriage(page, server):
    found = codes(search(page, server, "dang ky ket hon"))
    assert MARRIAGE in found[:3], found


def test_search_khai_sinh_finds_birth_procedures(page, server):
    found = codes(search(page, server, "khai sinh"))
    for code in BIRTH:
        assert code in found[:6], (code, found)


def test_search_with_diacritics_still_works(page, server):
    found = codes(search(page, server, "đăng ký kết hôn"))
    assert MARRIAGE in found[:3], found


def test_search_results_follow_the_latest_query(page, server):
    """Typing a second query in the same box replaces the first query's results."""
    search(page, server, "khai sinh")
    found = codes(search(page, server, "dang ky ket hon"))
    assert MARRIAGE in found[:3], found
    first = page.locator(".md-search-result__item > a").first.get_attribute("href")
    assert "ket" in fold(parse_qs(urlsplit(first).query)["h"][0])


def test_ticked_checklist_item_survives_reload(page, server):
    page.goto(server + "p/1.001193/")
    box = page.locator("ul.phieu-checklist input[type=checkbox]").first
    assert not box.is_checked()
    box.check()
    value = box.get_attribute("value")
    page.reload()
    again = page.locator(f"ul.phieu-checklist input[type=checkbox][value='{value}']").first
    expect(again).to_be_checked()
    # Unticking is remembered too.
    again.uncheck()
    page.reload()
    assert not page.locator(f"ul.phieu-checklist input[value='{value}']").first.is_checked()


@pytest.mark.parametrize("code", ["1.001193", MARRIAGE])
def test_procedure_page_fits_360_px(page, server, code):
    page.goto(server + f"p/{code}/")
    assert page.viewport_size["width"] == 360
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, width


def test_procedure_page_requests_only_its_own_host(page, server):
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(server + "p/1.001193/", wait_until="networkidle")
    assert requests
    foreign = [u for u in requests if not (u.startswith(server) or u.startswith("data:"))]
    assert not foreign, foreign
    assert all(urlsplit(u).hostname == "127.0.0.1" for u in requests if not u.startswith("data:"))
