"""The hostile corpus: what anyone who can open a pull request might put in a procedure file.

Each case in ``tests/hostile/`` asserts its exact outcome:

* a located error (``path:line:col: message``), for URLs with other schemes, identifiers that
  try to leave the output folder, YAML bombs and malformed bytes;
* or escaped output, for hostile text in every text field: the payload is present as text and
  absent as markup in every HTML page, the search index, the manifest and the slip PDF, and no
  fetch is attempted while building.

``tests/hostile/procedure/*.yml`` replace the procedure of a minimal valid folder,
``office/*.yml`` and ``fields/*.yml`` replace its office and field files, and
``escape/procedures`` is a whole procedures folder that is built into a site.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import time
import tracemalloc
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from phieu.errors import RenderError
from phieu.load import catalog as load_module
from phieu.load.catalog import MAX_FILE_BYTES, MAX_SCALAR_CHARS, load_catalog
from phieu.publish.safety import inside
from phieu.render.slip import ThemeOnlyFetcher
from pypdf import PdfReader

from tests.conftest import ROOT, build, copy_project
from tests.loader_helpers import PROC_PATH, PROCEDURE, edit, make_root, problems, write_procedure

HOSTILE = ROOT / "tests" / "hostile"
SLUG = "không hợp lệ: chỉ dùng chữ thường không dấu, số và dấu gạch nối, ví dụ 'ho-tich'"
CODE = "không đúng mẫu mã quốc gia (ví dụ 1.001193 hoặc 1.012753.H19)"
URL = "không phải đường dẫn http:// hoặc https:// hợp lệ"
KEYS = (
    "code, name, field, level, status, replaced_by, status_note, summary, who, agency, result, "
    "steps, channels, cases, forms, requirements, notes, legal_basis, national_url, updated, verified, local, "
    "source"
)
P, OFFICE, FIELDS = PROC_PATH, "procedures/office.yml", "procedures/fields.yml"

#: case file → the exact problems it must produce. Line numbers count the case's comment line.
LOCATED = {
    # URL fields: only http and https, with a plain host, no quotes, spaces or angle brackets.
    "procedure/url-javascript": [f"{P}:38:15: 'javascript:alert(document.cookie)' {URL}"],
    "procedure/url-javascript-mixed-case": [f"{P}:38:15: ' JaVaScRiPt:alert(1)' {URL}"],
    "procedure/url-data": [f"{P}:17:10: 'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==' {URL}"],
    "procedure/url-file": [f"{P}:33:10: 'file:///etc/passwd' {URL}"],
    "procedure/url-ftp": [f"{P}:38:15: 'ftp://dichvucong.gov.vn/1.001193' {URL}"],
    "procedure/url-quote": [f"{P}:33:10: 'https://dichvucong.gov.vn/\" onmouseover=\"alert(1)' {URL}"],
    "procedure/url-space": [f"{P}:38:15: 'https://dichvucong.gov.vn/a b' {URL}"],
    "procedure/url-userinfo": [f"{P}:38:15: 'https://dichvucong.gov.vn@evil.example/' {URL}"],
    "procedure/url-protocol-relative": [f"{P}:38:15: '//evil.example/x' {URL}"],
    "office/url-javascript": [f"{OFFICE}:13:11: 'javascript:alert(1)//https://phieu.example.vn/' {URL}"],
    "office/url-data": [f"{OFFICE}:13:11: 'data:text/html,<script>alert(1)</script>' {URL}"],
    # Codes and ids become paths and URLs: nothing but the strict pattern gets through.
    "procedure/code-traversal": [f"{P}:2:7: mã thủ tục '../../etc/passwd' {CODE}"],
    "procedure/code-absolute": [f"{P}:2:7: mã thủ tục '/etc/passwd' {CODE}"],
    "procedure/code-slash": [f"{P}:2:7: mã thủ tục '1.001193/../x' {CODE}"],
    "procedure/code-lookalike": [f"{P}:2:7: mã thủ tục '１.００１１９３' {CODE}"],
    "procedure/code-newline": [f"{P}:2:7: mã thủ tục '1.001193\\n' {CODE}"],
    "procedure/code-long": [f"{P}:2:7: mã thủ tục '1.001193.{'A' * 200}' {CODE}"],
    "procedure/field-traversal": [f"{P}:4:8: '../../etc' {SLUG}"],
    "procedure/case-id-traversal": [f"{P}:18:9: '../../etc' {SLUG}"],
    "procedure/case-id-lookalike": [f"{P}:18:9: 'dung-һan' {SLUG}"],
    "procedure/case-id-long": [f"{P}:18:9: 'id' quá dài (tối đa 60 ký tự)"],
    "procedure/form-id-absolute": [f"{P}:31:9: '/to-khai' {SLUG}"],
    "procedure/form-id-dotdot": [f"{P}:31:9: '..' {SLUG}"],
    "procedure/form-ref-slash": [f"{P}:29:15: 'a/b' {SLUG}"],
    "fields/id-traversal": [f"{FIELDS}:5:9: '../../ho-tich' {SLUG}"],
    "fields/id-lookalike": [f"{FIELDS}:5:9: 'hо-tich' {SLUG}"],
    "fields/id-long": [f"{FIELDS}:5:9: 'id' quá dài (tối đa 60 ký tự)"],
    # The YAML dialect: no tags (no object construction), one document, bounded nesting and text.
    "procedure/python-tag": [
        f"{P}:3:7: không dùng thẻ YAML (tag:yaml.org,2002:python/object/apply:os.system)"
    ],
    "procedure/two-documents": [f"{P}:39:1: mỗi tệp chỉ chứa một tài liệu YAML (bỏ dòng '---' thứ hai)"],
    "procedure/deep-nesting": [f"{P}:7:19: lồng quá sâu (quá 16 cấp)"],
    "procedure/too-long-text": [f"{P}:3:7: 'name' quá dài (tối đa 2000 ký tự)"],
    # Bytes that are not UTF-8 text.
    "procedure/nul-byte": [f"{P}:2:14: tệp chứa ký tự NUL (byte 0); đây không phải tệp văn bản"],
    "procedure/invalid-utf8": [f"{P}:2:15: byte 0xff không hợp lệ trong UTF-8; hãy lưu tệp dạng UTF-8"],
    "procedure/bom": [f"{P}:1:1: tệp bắt đầu bằng dấu BOM; hãy lưu lại dạng UTF-8 không BOM"],
    "procedure/control-char": [f"{P}:2:15: tệp chứa ký tự điều khiển U+001B; hãy xóa ký tự này"],
    # Written as a YAML escape, a control character gets past the reader; the model refuses it.
    "procedure/control-escape": [
        f"{P}:2:7: 'name': chứa ký tự điều khiển không in được (U+007F); hãy xóa ký tự này"
    ],
    # A quoted line break cannot forge a second problem line.
    "procedure/newline-in-key": [
        f"{P}:38:1: khóa không hợp lệ 'x\\nprocedures/office.yml:1:1: dữ liệu hợp lệ'; các khóa được dùng: {KEYS}"
    ],
}


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return make_root(tmp_path)


def place(root: Path, case: str) -> None:
    """Copy a case file over the procedure, office or fields file of ``root``, byte for byte."""
    kind, _ = case.split("/")
    target = {"procedure": root / "ho-tich" / "1.001193.yml", "office": root / "office.yml"}.get(
        kind, root / "fields.yml"
    )
    shutil.copyfile(HOSTILE / f"{case}.yml", target)


def test_every_case_file_has_an_expected_outcome():
    files = {f"{p.parent.name}/{p.stem}" for p in HOSTILE.glob("*/*.yml")}
    assert files == {*LOCATED, "procedure/alias-bomb", "procedure/crlf"}


@pytest.mark.parametrize("case", sorted(LOCATED))
def test_located_error(root: Path, case: str):
    place(root, case)
    assert problems(root) == LOCATED[case]


def _bounded(root: Path) -> tuple[list[str], float, int]:
    tracemalloc.start()
    start = time.perf_counter()
    try:
        found = problems(root)
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return found, elapsed, peak


def test_alias_bomb_is_refused_quickly_in_little_memory(root: Path):
    place(root, "procedure/alias-bomb")
    found, elapsed, peak = _bounded(root)
    assert elapsed < 2, elapsed
    assert peak < 50 * 1024 * 1024, peak
    # Ten anchors and ninety aliases, each refused where it stands; nothing is expanded.
    assert len(found) == 100
    assert found[:3] == [
        f"{P}:2:7: không dùng anchor (&l0); hãy viết đầy đủ nội dung",
        f"{P}:3:5: không dùng anchor (&l1); hãy viết đầy đủ nội dung",
        f"{P}:3:10: không dùng alias (*l0); hãy viết đầy đủ nội dung",
    ]
    assert found[-1] == f"{P}:11:55: không dùng alias (*l8); hãy viết đầy đủ nội dung"
    assert all(re.search(r"không dùng (anchor \(&|alias \(\*)l\d\); ", p) for p in found)


def test_very_deep_nesting_is_refused_quickly(root: Path):
    deep = 100_000
    write_procedure(root, edit(PROCEDURE, "  - Cha hoặc mẹ của trẻ", "  - " + "[" * deep + "x" + "]" * deep))
    found, elapsed, peak = _bounded(root)
    if load_module._Loader is getattr(yaml, "CSafeLoader", None):  # libyaml stops at 1,000 levels itself
        expected = (
            f"{P}:6:1003: lỗi cú pháp YAML: while increasing flow level: exceeded maximum nesting depth"
        )
    else:
        expected = f"{P}:6:19: lồng quá sâu (quá 16 cấp)"
    assert found == [expected]
    assert elapsed < 2, elapsed
    assert peak < 50 * 1024 * 1024, peak


def test_huge_string_is_refused(root: Path):
    write_procedure(
        root, edit(PROCEDURE, "name: Đăng ký khai sinh\n", f"name: {'x' * (MAX_SCALAR_CHARS + 1)}\n")
    )
    assert problems(root) == [f"{P}:2:7: giá trị quá dài (10,001 ký tự); tối đa 10,000"]


def test_huge_file_is_refused_before_parsing(root: Path):
    content = PROCEDURE + "#" * MAX_FILE_BYTES + "\n"
    write_procedure(root, content)
    size = len(content.encode())
    found, elapsed, _ = _bounded(root)
    assert found == [f"{P}:1:1: tệp quá lớn ({size:,} byte); tối đa {MAX_FILE_BYTES:,} byte"]
    assert elapsed < 2, elapsed


def test_too_many_files_are_refused(root: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(load_module, "MAX_FILES", 3)
    for code in ("1.000002", "1.000003", "1.000004"):
        write_procedure(root, PROCEDURE.replace('"1.001193"', f'"{code}"'), name=f"{code}.yml")
    assert problems(root) == ["procedures:1:1: quá nhiều tệp (4); tối đa 3"]


def test_crlf_line_endings_are_accepted(root: Path):
    lf = load_catalog(root).procedures[0].model_dump()
    place(root, "procedure/crlf")
    assert b"\r\n" in (root / "ho-tich" / "1.001193.yml").read_bytes()
    crlf = load_catalog(root).procedures[0].model_dump()
    assert crlf == lf
    assert "\r" not in json.dumps(crlf, default=str)


# --- output containment ------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["../x", "p/../../x", "/etc/passwd", "p/..\\..\\x", "", ".", "p/..", "a/\x00b"]
)
def test_inside_refuses_paths_that_leave_the_output_folder(tmp_path: Path, path: str):
    with pytest.raises(RenderError):
        inside(tmp_path / "site", path)


def test_inside_refuses_a_symlink_out_of_the_output_folder(tmp_path: Path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "pdf").symlink_to(tmp_path)
    with pytest.raises(RenderError, match="nằm ngoài thư mục"):
        inside(site, "pdf/phieu-1.001193.pdf")


@pytest.mark.parametrize(
    "path", ["p/1.001193.md", "pdf/phieu-1.001193.pdf", "f/ho-tich.md", "p/../tra-cuu.md"]
)
def test_inside_accepts_paths_in_the_output_folder(tmp_path: Path, path: str):
    assert inside(tmp_path / "site", path) == path


# --- escaped output: a whole site built from hostile text -----------------------------------

ESCAPE = HOSTILE / "escape" / "procedures"

#: Markup from the payloads that must never appear as markup, anywhere in the built site.
MARKUP = re.compile(
    r"<(script>alert|img src|svg onload|iframe|object|embed|base |meta http|style>body|link rel=stylesheet"
    r"|math|details|input autofocus|input type=radio on|textarea|b onclick|a href=[\"']?javascript|div markdown)",
    re.IGNORECASE,
)
FORBIDDEN_TAGS = {"iframe", "object", "embed", "base", "math", "details", "frame", "frameset"}
#: Attributes whose value is loaded or followed as a URL.
URL_ATTRS = {"href", "src", "srcset", "action", "formaction", "data", "poster", "background", "xlink:href"}


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, _tag):
        self._in_script = False

    def handle_data(self, data):
        (self.scripts if self._in_script else self.text).append(data)


def parse(markup: str) -> _Elements:
    parser = _Elements()
    parser.feed(markup)
    parser.close()
    return parser


def assert_no_injected_markup(markup: str, where: str) -> None:
    """No payload became an element, an attribute, a script or a link anywhere in ``markup``."""
    assert not MARKUP.search(markup), (where, MARKUP.search(markup))
    doc = parse(markup)
    for tag, attrs in doc.elements:
        assert tag not in FORBIDDEN_TAGS, (where, tag, attrs)
        for name, value in attrs.items():
            assert not name.startswith("on"), (where, tag, attrs)
            if name in URL_ATTRS:
                value = (value or "").strip().lower()
                assert not value.startswith(("javascript:", "data:", "vbscript:")), (where, tag, attrs)
                assert "evil.example" not in value, (where, tag, attrs)
        if tag == "meta":
            assert (attrs.get("http-equiv") or "").lower() != "refresh", where
    assert not any("alert(" in script for script in doc.scripts), where


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str], list[object]]:
    """The escape corpus built into a site with the network cut off; records every fetch WeasyPrint makes."""
    project = copy_project(tmp_path_factory.mktemp("hostile"), procedures=ESCAPE)
    fetched: list[str] = []
    connections: list[object] = []
    real_fetch = ThemeOnlyFetcher.fetch

    def recording_fetch(self, url, headers=None):
        fetched.append(url)
        return real_fetch(self, url, headers)

    def refuse(*args, **_kwargs):
        connections.append(args)
        raise OSError("network is cut off in this test")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ThemeOnlyFetcher, "fetch", recording_fetch)
        mp.setattr(socket.socket, "connect", refuse)
        mp.setattr(socket, "create_connection", refuse)
        mp.setattr(socket, "getaddrinfo", refuse)
        assert build(project) == 0
    return project, fetched, connections


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(ESCAPE)


def payloads(catalog) -> list[str]:
    """Every hostile text value of the corpus (those with markup, Jinja or Markdown syntax)."""
    values = [
        *strings(catalog.procedures[0].model_dump(mode="json")),
        *strings(catalog.office.model_dump(mode="json")),
        *strings([f.model_dump(mode="json") for f in catalog.fields]),
    ]
    return [v for v in values if re.search(r"[<{*#`]", v)]


def test_corpus_covers_every_text_field(catalog):
    procedure = catalog.procedures[0]
    texts = payloads(catalog)
    for value in (
        procedure.name,
        procedure.summary,
        procedure.status_note,
        *procedure.steps,
        *procedure.who,
        *procedure.result,
        *procedure.requirements,
        *procedure.legal_basis,
        procedure.cases[0].name,
        procedure.cases[0].documents[0].name,
        procedure.cases[0].documents[0].note,
        procedure.forms[0].fields[0].sample,
        procedure.forms[0].fields[0].label,
        *procedure.local.notes,
        catalog.office.name,
        catalog.fields[0].name,
    ):
        assert value in texts, value
    assert len(texts) >= 35


def test_every_page_of_the_hostile_site_is_free_of_injected_markup(hostile_site):
    project, _, _ = hostile_site
    pages = sorted((project / "site").rglob("*.html"))
    assert len(pages) >= 8
    for page in pages:
        assert_no_injected_markup(page.read_text(encoding="utf-8"), str(page))


def test_procedure_page_shows_every_payload_as_text(hostile_site, catalog):
    project, _, _ = hostile_site
    site = project / "site"
    doc = parse((site / "p" / "1.000001" / "index.html").read_text(encoding="utf-8"))
    text = "".join(doc.text)
    p = catalog.procedures[0]
    # Not on a procedure page: search keywords, fee basis, the province, the field description, and
    # the status note (shown only for abolished or replaced procedures).
    hidden = {
        *p.local.keywords,
        *p.cases[0].fee.basis,
        catalog.office.province,
        catalog.fields[0].description,
        p.status_note,
    }
    shown = [v for v in payloads(catalog) if v not in hidden]
    words = " ".join(text.split())  # blank lines inside a value are dropped: HTML shows them as one space
    for value in shown:
        assert " ".join(value.split()) in words, value
    # Jinja syntax stayed literal: nothing was evaluated.
    assert "{{ 7*7 }}" in text and "{% if true %}jinja{% endif %} {# comment #}" in text
    assert "{{ config }} {% include 'x' %} <!-- chú thích -->" in text
    assert "49" not in text.replace("1.000001", "")
    # Markdown syntax stayed literal: no emphasis, heading, list, attribute list or md_in_html.
    assert '# Tiêu đề * mục <div markdown="1">**md**</div> {: onclick="alert(\'attr\')" }' in words
    assert "**đậm** [x](javascript:alert(1))" in text
    assert "`code` _nghiêng_" in text
    raw = (site / "p" / "1.000001" / "index.html").read_text(encoding="utf-8")
    assert "<strong>đậm" not in raw and "<em>nghiêng" not in raw and "<code>code</code>" not in raw
    assert "<h1>Tiêu đề" not in raw and 'onclick="alert' not in raw
    # Values are escaped in attributes too: the description cannot close its attribute.
    meta = [a for t, a in doc.elements if t == "meta" and a.get("name") == "description"]
    assert meta == [{"name": "description", "content": p.summary}]


def test_other_pages_show_payloads_as_text(hostile_site, catalog):
    project, _, _ = hostile_site
    site = project / "site"
    p, field = catalog.procedures[0], catalog.fields[0]
    for page, values in {
        site / "f" / "ho-tich" / "index.html": [p.name, field.name, field.description],
        site / "tra-cuu" / "index.html": [p.name, field.name],
        site / "index.html": [field.name],
        site / "in-an" / "index.html": [p.name, field.name],
    }.items():
        words = " ".join("".join(parse(page.read_text(encoding="utf-8")).text).split())
        for value in values:
            assert " ".join(value.split()) in words, (page, value)


def test_search_index_holds_payloads_as_escaped_text(hostile_site, catalog):
    project, _, _ = hostile_site
    raw = (project / "site" / "search" / "search_index.json").read_text(encoding="utf-8")
    assert "<script" not in raw.lower() and "<img" not in raw and "<iframe" not in raw
    docs = json.loads(raw)["docs"]
    # Material shows titles and text as HTML: parsed as such, they carry only plain tags and the payloads as text.
    everything = ""
    for doc in docs:
        for key in ("title", "text", "folded"):
            markup = doc.get(key, "")
            parsed = parse(markup)
            for tag, attrs in parsed.elements:
                assert tag in {
                    "p",
                    "ul",
                    "ol",
                    "li",
                    "code",
                    "pre",
                    "strong",
                    "em",
                    "table",
                    "tr",
                    "td",
                    "th",
                }
                assert not attrs, (doc["location"], tag, attrs)
            everything += "".join(parsed.text) + "\n"
    p = catalog.procedures[0]
    for value in (p.name, p.cases[0].documents[0].name, catalog.fields[0].name):
        assert squash(value) in squash(everything), value
    folded = next(d for d in docs if d["location"] == "p/1.000001/")["folded"]
    assert "&lt;script&gt;alert(&#x27;keyword&#x27;)&lt;/script&gt;" in folded


def test_manifest_holds_payloads_as_json_text(hostile_site, catalog):
    project, _, _ = hostile_site
    manifest = json.loads((project / "site" / "manifest.json").read_text(encoding="utf-8"))
    (entry,) = manifest["procedures"]
    # JSON is data, not markup: the title is exactly the YAML text, and no payload reshaped the record.
    assert entry["title"] == catalog.procedures[0].name
    assert entry["code"] == "1.000001" and entry["slip"] == "pdf/phieu-1.000001.pdf"
    assert set(entry) == {
        "code", "title", "field", "url", "page", "slip", "slip_sha256", "slip_pages", "qr_target",
        "content_hash", "version", "updated", "status", "replaced_by",
    }  # fmt: skip


def test_slip_and_poster_print_payloads_as_text(hostile_site, catalog):
    project, _, _ = hostile_site
    site = project / "site"
    p, office, field = catalog.procedures[0], catalog.office, catalog.fields[0]
    case, doc = p.cases[0], p.cases[0].documents[0]

    def pdf_text(name: str) -> str:
        return squash(" ".join(page.extract_text() for page in PdfReader(site / "pdf" / name).pages))

    slip = pdf_text("phieu-1.000001.pdf")
    for value in (
        p.name, case.name, case.time, case.fee.text, doc.name, doc.note, p.cases[1].name,
        p.cases[1].documents[0].name, p.channels[0].time, p.local.counter,
        office.name.upper(), office.unit, office.address, office.hours[0], field.name.upper(),
    ):  # fmt: skip
        assert squash(value) in slip, value
    poster = pdf_text("ap-phich-ho-tich.pdf")
    for value in (p.name, field.name, office.unit, office.address):
        assert squash(value) in poster, value


def test_nothing_is_fetched_while_building_the_hostile_site(hostile_site):
    project, fetched, connections = hostile_site
    assert connections == []
    assets = (project / "theme" / "slip").resolve().as_uri() + "/"
    # WeasyPrint reads the theme's stylesheet directly; anything else would go through the fetcher.
    assert all(url.startswith(assets) for url in fetched), fetched
    assert not any("evil.example" in url or "passwd" in url or url.startswith("data:") for url in fetched)


@pytest.mark.parametrize(
    "markup",
    [
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>",
        '<meta name="description" content="&lt;img src=x onerror=alert(1)&gt;">',
        '<a href="https://dichvucong.gov.vn/">x</a>',
    ],
)
def test_the_markup_check_accepts_escaped_text(markup: str):
    assert_no_injected_markup(markup, "sample")


@pytest.mark.parametrize(
    "markup",
    [
        "<script>alert(1)</script>",
        "<p onclick=x>y</p>",
        '<a href=" javascript:alert(1)">x</a>',
        '<img src="http://evil.example/x.png">',
        '<meta http-equiv="refresh" content="0">',
        "<iframe src=x></iframe>",
    ],
)
def test_the_markup_check_catches_markup(markup: str):
    with pytest.raises(AssertionError):
        assert_no_injected_markup(markup, "sample")
