"""A copy of a built site that opens from disk (``file://``), for the pull-request preview artifact.

A web server answers ``p/1.001193/`` with ``p/1.001193/index.html``; a browser opening files shows a folder
listing instead. In the copy every relative link to a folder names its ``index.html``, search (a Web
Worker, which browsers refuse to start from a file) is replaced by a note that points to the A–Z list,
and instant navigation (which fetches pages) is off. The site itself is never changed.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..errors import PhieuError
from ..urls import AZ

#: Written into every preview copy, so a later run may replace it (and nothing else).
MARKER = ".phieu-preview"

_ATTRIBUTE = re.compile(
    r"""(?P<lead>\s(?:href|src)\s*=\s*)(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s"'=<>`]+))""",
    re.IGNORECASE,
)
_REFRESH = re.compile(r";\s*url\s*=\s*(?P<url>.*)$", re.IGNORECASE | re.DOTALL)
_CONFIG = re.compile(r'(<script id="__config" type="application/json">)(.*?)(</script>)', re.DOTALL)
_SEARCH_BUTTON = '<label class="md-header__button md-icon" for="__search"'
_SEARCH = '<div class="md-search" data-md-component="search"'
# Material loads the search index on every page that has this form; from disk the request only fails.
_SEARCH_FORM = ('<form class="md-search__form" name="search">', '<form class="md-search__form">')
_HIDDEN = ' hidden style="display:none"'
_BODY = re.compile(r"<body[^>]*>", re.IGNORECASE)

NOTE = (
    '<div class="phieu-preview-note" role="note" style="padding:.5rem 1rem;background:#fff3cd;'
    'color:#3d2e00;font:inherit">Bản xem trước mở từ máy: ô tìm kiếm không dùng được khi mở tệp; '
    'hãy dùng <a href="{az}">Tra cứu A–Z</a>.</div>'
)


def write_file_preview(site: Path, dest: Path) -> int:
    """Copy ``site`` to ``dest`` and make its pages open from disk; return how many pages were rewritten."""
    site, dest = site.resolve(), dest.resolve()
    if not (site / "index.html").is_file():
        raise PhieuError(f"không thấy trang đã dựng trong {site}")
    if dest == site or site in dest.parents or dest in site.parents:
        raise PhieuError(f"thư mục xem trước {dest} không được nằm trong hay chứa {site}")
    if dest.exists():
        if not (dest / MARKER).is_file():
            raise PhieuError(f"{dest} đã có và không phải bản xem trước do phieu tạo: hãy chọn thư mục khác")
        shutil.rmtree(dest)
    shutil.copytree(site, dest)
    (dest / MARKER).write_text("Bản xem trước mở từ máy, do phieu tạo.\n", encoding="utf-8")
    pages = 0
    for page in sorted(dest.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        new = rewrite_page(text, page.parent, dest)
        if new != text:
            page.write_text(new, encoding="utf-8")
            pages += 1
    return pages


def rewrite_page(text: str, folder: Path, root: Path) -> str:
    """One page of the copy: folder links name ``index.html``; no search, no instant navigation."""
    text = _rewrite_tags(text, lambda url: _to_file(url, folder, root))
    text = _CONFIG.sub(lambda m: m.group(1) + _config(m.group(2)) + m.group(3), text, count=1)
    if _SEARCH_BUTTON in text:  # a Material page: swap its search for a note
        text = text.replace(_SEARCH_BUTTON, _SEARCH_BUTTON + _HIDDEN, 1)
        text = text.replace(_SEARCH, _SEARCH + _HIDDEN, 1)
        text = text.replace(*_SEARCH_FORM, 1)
        az = _to_file(os.path.relpath(root / AZ, folder).replace(os.sep, "/") + "/", folder, root)
        text = _BODY.sub(lambda m: m.group() + NOTE.format(az=html.escape(az)), text, count=1)
    return text


def _config(raw: str) -> str:
    """Material's page configuration without instant navigation (it cannot fetch pages from disk)."""
    config = json.loads(raw)
    config["features"] = [f for f in config.get("features", []) if not f.startswith("navigation.instant")]
    return json.dumps(config)


Convert = Callable[[str], str]


class _StartTags(HTMLParser):
    """Where each start tag sits in a page, as written (script and style contents are not tags)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[tuple[int, int], str, str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((self.getpos(), self.get_starttag_text() or "", tag, dict(attrs)))

    handle_startendtag = handle_starttag


def _rewrite_tags(text: str, convert: Convert) -> str:
    parser = _StartTags()
    parser.feed(text)
    parser.close()
    starts = [0]  # where each line begins; the parser counts lines by "\n" only
    for row in text.split("\n"):
        starts.append(starts[-1] + len(row) + 1)
    out, done = [], 0
    for (line, offset), raw, tag, attrs in parser.tags:
        begin = starts[line - 1] + offset
        end = begin + len(raw)
        new = _ATTRIBUTE.sub(lambda m: _attribute(m, convert), raw)
        if tag == "meta" and (attrs.get("http-equiv") or "").lower() == "refresh":
            new = re.sub(r'content="([^"]*)"', lambda m: f'content="{_refresh(m.group(1), convert)}"', new)
        out += [text[done:begin], new]
        done = end
    out.append(text[done:])
    return "".join(out)


def _attribute(match: re.Match[str], convert: Convert) -> str:
    quote = '"' if match["dq"] is not None else "'" if match["sq"] is not None else ""
    value = next(v for v in (match["dq"], match["sq"], match["bare"]) if v is not None)
    url = html.unescape(value)
    new = convert(url)
    if new != url:
        value = html.escape(new, quote=True)
    return f"{match['lead']}{quote}{value}{quote}"


def _refresh(content: str, convert: Convert) -> str:
    match = _REFRESH.search(html.unescape(content))
    if not match:
        return content
    return html.escape(match.string[: match.start("url")] + convert(match["url"].strip()), quote=True)


def _to_file(url: str, folder: Path, root: Path) -> str:
    """``url`` from a page in ``folder``, naming ``index.html`` when it points to a folder of the site."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path or parts.path.startswith("/"):
        return url  # another site, this page, or a server-absolute path (only in 404.html)
    target = Path(os.path.normpath(folder / unquote(parts.path)))
    if target != root and root not in target.parents:
        return url
    if not (target / "index.html").is_file():
        return url
    cut = len(parts.path)
    return parts.path.rstrip("/") + "/index.html" + url[cut:]
