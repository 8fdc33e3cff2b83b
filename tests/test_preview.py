"""The pull request's preview artifact opens from disk (``file://``) in a browser, as the site does.

Pages live at ``p/CODE/index.html`` and links end in ``/``: from disk, a browser shows a folder listing
for those. The preview copy names ``index.html`` in every link; the production site is left untouched.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from phieu.errors import PhieuError
from phieu.publish.preview import MARKER, rewrite_page, write_file_preview

from tests.conftest import tree_digest

BIRTH = "1.001193"


@pytest.fixture(scope="module")
def preview(site: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    before = tree_digest(site)
    dest = tmp_path_factory.mktemp("preview") / "xem-truoc"
    assert write_file_preview(site, dest) > 0
    assert tree_digest(site) == before  # the site that is deployed is not touched
    return dest


def _links(html: str) -> list[str]:
    return re.findall(r"""\s(?:href|src)=["']([^"']*)["']""", html)


def test_every_relative_link_of_the_preview_names_a_file(preview: Path) -> None:
    checked, pages = 0, sorted(preview.rglob("*.html"))
    for page in pages:
        for url in _links(page.read_text(encoding="utf-8")):
            parts = urlsplit(url)
            if parts.scheme or parts.netloc or not parts.path or parts.path.startswith("/"):
                continue  # another site, this page, or 404.html's server-absolute links
            target = (page.parent / unquote(parts.path)).resolve()
            assert target.is_file(), f"{page.relative_to(preview)}: {url}"
            checked += 1
    assert checked > 10 * len(pages)  # the check did look at the links


def test_preview_has_no_instant_navigation_and_no_search(preview: Path) -> None:
    page = (preview / "p" / BIRTH / "index.html").read_text(encoding="utf-8")
    assert "navigation.instant" not in page
    assert 'name="search"' not in page  # Material would load the search index, which fails from disk
    assert 'data-md-component="search" hidden' in page
    assert "Bản xem trước mở từ máy" in page


def test_rewrite_changes_only_links_to_folders(tmp_path: Path) -> None:
    for folder in (".", "a", "b", "b/c"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        (tmp_path / folder / "index.html").write_text("x", encoding="utf-8")
    (tmp_path / "b" / "doc.pdf").write_text("x", encoding="utf-8")
    page = (
        '<a href="../b/">1</a><a href="../b/#x">2</a><a href=\'../b/c/?q=1#y\'>3</a><a href=.>4</a>'
        '<a href="..">5</a><a href="../b">6</a><a href="../b/doc.pdf">7</a><a href="https://x.vn/">8</a>'
        '<a href="#top">9</a><a href="/b/">10</a><a href="../missing/">11</a><a href="../../">12</a>'
        '<a data-href="../b/" title="href=\'../b/\'">13</a>'
        "<script>var s = '<a href=\"../b/\">';</script>"
        '<meta http-equiv="refresh" content="0; url=../b/">'
    )
    assert rewrite_page(page, tmp_path / "a", tmp_path) == (
        '<a href="../b/index.html">1</a><a href="../b/index.html#x">2</a>'
        "<a href='../b/c/index.html?q=1#y'>3</a><a href=./index.html>4</a>"
        '<a href="../index.html">5</a><a href="../b/index.html">6</a><a href="../b/doc.pdf">7</a>'
        '<a href="https://x.vn/">8</a><a href="#top">9</a><a href="/b/">10</a><a href="../missing/">11</a>'
        '<a href="../../">12</a>'
        '<a data-href="../b/" title="href=\'../b/\'">13</a>'
        "<script>var s = '<a href=\"../b/\">';</script>"
        '<meta http-equiv="refresh" content="0; url=../b/index.html">'
    )


def test_rewrite_keeps_tags_whole_whatever_the_line_breaks(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "index.html").write_text("x", encoding="utf-8")
    page = 'một\u2028hai\r\n<p title="a>b"\nclass=x>ba</p>\r\n<a title="1 > 0" href="b/">b</a>\n'
    assert rewrite_page(page, tmp_path, tmp_path) == page.replace('"b/"', '"b/index.html"')


def test_preview_refuses_to_replace_a_folder_it_did_not_write(site: Path, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("giữ lại", encoding="utf-8")
    with pytest.raises(PhieuError, match="không phải bản xem trước"):
        write_file_preview(site, tmp_path)
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "giữ lại"
    with pytest.raises(PhieuError, match="không được nằm trong"):
        write_file_preview(site, site / "xem-truoc")


def test_preview_replaces_its_own_earlier_copy(site: Path, tmp_path: Path) -> None:
    dest = tmp_path / "xem-truoc"
    write_file_preview(site, dest)
    (dest / "stale.html").write_text("cũ", encoding="utf-8")
    write_file_preview(site, dest)
    assert not (dest / "stale.html").exists()
    assert (dest / MARKER).is_file()


def test_preview_opens_from_disk_in_chromium(preview: Path, page) -> None:
    """Home → field → procedure → slip, clicking links as a reviewer does, each landing on a real page."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    start = (preview / "index.html").as_uri()
    page.goto(start)
    assert page.locator("h1").first.inner_text() == "Phiếu hướng dẫn thủ tục hành chính"

    steps = [
        ("article a[href='f/ho-tich/index.html']", "f/ho-tich/index.html", "Hộ tịch"),
        (f"article a[href='../../p/{BIRTH}/index.html']", f"p/{BIRTH}/index.html", "Đăng ký khai sinh"),
    ]
    for selector, path, title in steps:
        with page.expect_navigation():
            page.locator(selector).first.click()
        assert page.url == (preview / path).as_uri()
        # A folder listing would have "Index of …" as its heading.
        assert page.locator("h1").first.inner_text() == title
        assert page.locator("article").count() >= 1

    slip = page.locator(f"a[href='../../pdf/phieu-{BIRTH}.pdf']").first
    assert slip.is_visible()
    target = page.evaluate("(a) => a.href", slip.element_handle())
    assert Path(unquote(urlsplit(target).path)).is_file()
    assert not page.locator("label.md-header__button[for=__search]").is_visible()
    assert problems == []
