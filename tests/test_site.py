"""The built website: page structure, URLs, escaping and self-containment."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from phieu import load_catalog

from tests.conftest import ROOT, SINGLE_OFFICE, build, copy_project

MINI = ROOT / "tests" / "fixtures" / "mini" / "procedures"


@pytest.fixture(scope="module")
def mini(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small fixture project (one-case, multi-case, abolished, replaced+hostile, long)."""
    project = copy_project(tmp_path_factory.mktemp("mini"), procedures=MINI)
    assert build(project) == 0
    return project / "site"


class _Elements(HTMLParser):
    """Collects (tag, attrs, text) for every element, to assert on structure without regexes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict[str, str | None]]] = []
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parse(path: Path) -> _Elements:
    parser = _Elements()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def with_class(doc: _Elements, tag: str, cls: str) -> list[dict]:
    return [a for t, a in doc.elements if t == tag and cls in (a.get("class") or "").split()]


def test_every_shipped_procedure_has_its_page_at_its_code(site: Path):
    catalog = load_catalog(SINGLE_OFFICE)
    for p in catalog.procedures:
        page = site / "p" / p.code / "index.html"
        assert page.is_file(), p.code
        assert p.name in " ".join(parse(page).text)
    for f in catalog.fields:
        assert (site / "f" / f.id / "index.html").is_file()
    assert (site / "tra-cuu" / "index.html").is_file()


def test_home_lists_fields_with_counts(site: Path):
    catalog = load_catalog(SINGLE_OFFICE)
    text = " ".join(" ".join(parse(site / "index.html").text).split())
    for f in catalog.fields:
        count = sum(p.in_force for p in catalog.in_field(f.id))
        assert f"{f.name} {count} thủ tục" in text


def test_one_case_page_structure(mini: Path):
    doc = parse(mini / "p" / "1.000001" / "index.html")
    assert len(with_class(doc, "dl", "phieu-summary")) == 1
    assert len(with_class(doc, "ul", "phieu-checklist")) == 1
    assert not with_class(doc, "div", "tabbed-set")
    assert len(with_class(doc, "table", "phieu-sample")) == 1
    text = " ".join(doc.text)
    assert "NGUYỄN VĂN MẪU" in text and "8.000 đồng" in text and "2 bản sao" in text
    assert not with_class(doc, "div", "phieu-banner")


def test_several_cases_get_tabs_and_a_checklist_each(mini: Path):
    doc = parse(mini / "p" / "1.000002" / "index.html")
    assert len(with_class(doc, "div", "tabbed-set")) == 1
    lists = with_class(doc, "ul", "phieu-checklist")
    assert [a["data-storage-key"].rsplit(":", 1)[1] for a in lists] == ["mot", "hai"]


def test_unverified_fee_is_never_shown_as_a_number(mini: Path):
    text = " ".join(parse(mini / "p" / "1.000002" / "index.html").text)
    assert "Hỏi tại quầy" in text
    assert "123.000" not in text and "123000" not in text


def test_abolished_and_replaced_banners(mini: Path):
    abolished = parse(mini / "p" / "1.000003" / "index.html")
    assert with_class(abolished, "div", "phieu-banner--abolished")
    assert "Thủ tục này đã bị bãi bỏ." in " ".join(abolished.text)
    replaced = parse(mini / "p" / "1.000004" / "index.html")
    assert with_class(replaced, "div", "phieu-banner--replaced")
    assert any(t == "a" and a.get("href") == "../1.000001/" for t, a in replaced.elements)


def test_yaml_text_is_escaped_everywhere(mini: Path):
    raw = (mini / "p" / "1.000004" / "index.html").read_text(encoding="utf-8")
    doc = parse(mini / "p" / "1.000004" / "index.html")
    text = "".join(doc.text)
    # The payloads are present as text...
    assert "<script>alert('tên')</script>" in text
    assert "<img src=x onerror=alert(1)>" in text
    assert "<iframe src=https://evil.example></iframe>" in text
    assert "{{ 7*7 }} {% raw %}" in text
    # ...and absent as markup.
    assert "<script>alert" not in raw and "<script>case" not in raw
    assert "<img src=x" not in raw and "<iframe" not in raw and "<b>in đậm" not in raw
    assert not any(t == "iframe" for t, _ in doc.elements)
    assert not any(a.get("onerror") for _, a in doc.elements)
    assert not any((a.get("href") or "").startswith("javascript:") for _, a in doc.elements)
    # Navigation and search index carry the title as text too.
    nav_and_title = (mini / "index.html").read_text(encoding="utf-8")
    assert "<script>alert(" not in nav_and_title
    index = (mini / "search" / "search_index.json").read_text(encoding="utf-8")
    assert "<script>alert(" not in index


def test_edit_link_opens_the_yaml_file(site: Path):
    doc = parse(site / "p" / "1.001193" / "index.html")
    edits = [
        a["href"] for t, a in doc.elements if t == "a" and "md-content__button" in (a.get("class") or "")
    ]
    assert edits and edits[0].endswith("/edit/main/procedures/ho-tich/1.001193.yml")


_EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//(?!127\.0\.0\.1)([^/"'\s>]+)""")
_CSS_URL = re.compile(r"""url\(\s*["']?(?:https?:)?//""")


def test_no_page_loads_anything_from_another_host(site: Path):
    """Pages may link out (<a>), but nothing they load (scripts, styles, images, fonts) is remote."""
    for page in site.rglob("*.html"):
        doc = parse(page)
        for tag, attrs in doc.elements:
            if tag in {"script", "img", "iframe", "source", "audio", "video"}:
                assert not re.match(r"(?:https?:)?//", attrs.get("src") or ""), (page, attrs)
            if tag == "link" and (attrs.get("rel") or "") in {"stylesheet", "preload", "preconnect", "icon"}:
                assert not re.match(r"(?:https?:)?//", attrs.get("href") or ""), (page, attrs)
    for css in site.rglob("*.css"):
        assert not _CSS_URL.search(css.read_text(encoding="utf-8")), css


def test_search_index_has_folded_terms(site: Path):
    docs = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    birth = next(d for d in docs if d["location"] == "p/1.001193/")
    assert "dang ky khai sinh" in birth["folded"]
    assert "giấy khai sinh" in birth["folded"]  # keywords as typed, with diacritics


def test_generated_pages_are_small(site: Path):
    size = (site / "p" / "1.001193" / "index.html").stat().st_size
    assert size < 60_000, size


def test_nothing_generated_is_written_into_docs(project: Path):
    assert sorted(p.name for p in (project / "docs").iterdir()) == sorted(
        p.name for p in (ROOT / "docs").iterdir()
    )


#: Material's own English that a citizen could read; our overrides say it in Vietnamese.
ENGLISH = ("Made with", "Not found", "Skip to content", "Back to top")


def test_no_english_from_the_theme_reaches_a_citizen(site: Path):
    found = []
    for page in sorted(site.rglob("*.html")):
        text = " ".join(" ".join(parse(page).text).split())
        found += [f"{page.relative_to(site)}: {phrase}" for phrase in ENGLISH if phrase in text]
    assert found == []


def test_the_not_found_page_is_vietnamese_and_leads_on(site: Path):
    page = parse(site / "404.html")
    text = " ".join(" ".join(page.text).split())
    assert "Không tìm thấy trang" in text
    links = [attrs.get("href") for tag, attrs in page.elements if tag == "a"]
    assert any(link and link.endswith("/tra-cuu/") for link in links)
