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

import pypdfium2
import pytest
import yaml
from phieu.errors import RenderError
from phieu.load import catalog as load_module
from phieu.load.catalog import load_catalog
from phieu.load.reader import LOADER, MAX_FILE_BYTES, MAX_SCALAR_CHARS
from phieu.model import site_url_problem
from phieu.publish.production import public_host_problem
from phieu.publish.safety import inside
from phieu.render.slip import SlipRenderer, ThemeOnlyFetcher
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
    assert files == {*LOCATED, "procedure/alias-bomb", "procedure/crlf", "procedure/bom"}


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
    if LOADER is getattr(yaml, "CSafeLoader", None):  # libyaml stops at 1,000 levels itself
        expected = f"{P}:6:1003: lồng quá sâu (quá 16 cấp)"
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


@pytest.mark.parametrize(
    ("case", "marker"), [("procedure/crlf", b"\r\n"), ("procedure/bom", b"\xef\xbb\xbf")]
)
def test_crlf_and_bom_are_accepted(root: Path, case: str, marker: bytes):
    plain = load_catalog(root).procedures[0].model_dump()
    place(root, case)
    assert marker in (root / "ho-tich" / "1.001193.yml").read_bytes()
    loaded = load_catalog(root).procedures[0].model_dump()
    assert loaded == plain
    assert "\r" not in json.dumps(loaded, default=str) and "\ufeff" not in json.dumps(loaded, default=str)


# --- links, invisible direction marks and the public address ------------------------------

LINKED_FILE = "phieu chỉ đọc tệp thật trong thư mục dữ liệu; hãy thay liên kết bằng chính tệp đó"
LINKED_FOLDER = "phieu không đọc qua liên kết; hãy thay bằng thư mục thật"


def test_a_linked_procedure_file_is_refused(root: Path, tmp_path: Path):
    """A link to a YAML file outside the project used to be published as if it were data."""
    outside = tmp_path / "ngoai-du-an.yml"
    outside.write_text(PROCEDURE, encoding="utf-8")
    link = root / "ho-tich" / "1.001193.yml"
    link.unlink()
    link.symlink_to(outside)
    assert problems(root) == [f"{P}:1:1: tệp này là liên kết (symlink) tới '{outside}': {LINKED_FILE}"]


def test_a_dangling_link_is_refused(root: Path, tmp_path: Path):
    (root / "ho-tich" / "1.000002.yml").symlink_to(tmp_path / "khong-co.yml")
    assert problems(root) == [
        f"procedures/ho-tich/1.000002.yml:1:1: tệp này là liên kết (symlink) tới '{tmp_path / 'khong-co.yml'}': "
        f"{LINKED_FILE}"
    ]


def test_a_linked_office_file_is_refused(root: Path, tmp_path: Path):
    outside = tmp_path / "office.yml"
    shutil.move(root / "office.yml", outside)
    (root / "office.yml").symlink_to(outside)
    assert problems(root) == [f"{OFFICE}:1:1: tệp này là liên kết (symlink) tới '{outside}': {LINKED_FILE}"]


def test_a_linked_folder_is_reported_not_skipped(root: Path, tmp_path: Path):
    outside = tmp_path / "ngoai"
    outside.mkdir()
    write_procedure(outside, PROCEDURE.replace("1.001193", "1.000002"), name="1.000002.yml", folder=".")
    (root / "chung-thuc").symlink_to(outside, target_is_directory=True)
    (root / "ho-tich" / "vong").symlink_to(root, target_is_directory=True)  # a loop back to the top
    assert problems(root) == [
        f"procedures/chung-thuc:1:1: thư mục 'chung-thuc' là liên kết (symlink) tới '{outside}': {LINKED_FOLDER}",
        f"procedures/ho-tich/vong:1:1: thư mục 'vong' là liên kết (symlink) tới '{root}': {LINKED_FOLDER}",
    ]


#: Bidirectional controls: invisible, and U+202E prints the rest of a line reversed on paper.
BIDI = [0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069]


@pytest.mark.parametrize("code", BIDI, ids=[f"U+{c:04X}" for c in BIDI])
def test_a_bidirectional_control_is_refused(root: Path, code: int):
    write_procedure(
        root, edit(PROCEDURE, "name: Đăng ký khai sinh\n", f"name: Đăng ký{chr(code)} khai sinh\n")
    )
    assert problems(root) == [f"{P}:2:14: tệp chứa ký tự điều khiển U+{code:04X}; hãy xóa ký tự này"]


@pytest.mark.parametrize("code", BIDI, ids=[f"U+{c:04X}" for c in BIDI])
def test_a_bidirectional_control_written_as_an_escape_is_refused(root: Path, code: int):
    write_procedure(
        root, edit(PROCEDURE, "name: Đăng ký khai sinh\n", f'name: "Đăng ký\\u{code:04x} khai sinh"\n')
    )
    assert problems(root) == [
        f"{P}:2:7: 'name': chứa ký tự điều khiển không in được (U+{code:04X}); hãy xóa ký tự này"
    ]


#: site_url values refused in every build: each would be printed in every QR code.
BAD_SITE_URLS = {
    "query": (
        "https://phieu.example.vn/?utm=qr",
        "không được có phần '?…': mã QR phải trỏ thẳng tới trang; hãy bỏ từ dấu '?' trở đi",
    ),
    "empty-query": (
        "https://phieu.example.vn/?",
        "không được có phần '?…': mã QR phải trỏ thẳng tới trang; hãy bỏ từ dấu '?' trở đi",
    ),
    "fragment": ("https://phieu.example.vn/#p", "không được có phần '#…'; hãy bỏ từ dấu '#' trở đi"),
    "credentials": (
        "https://can-bo:mat-khau@phieu.example.vn/",
        "không được chứa tên đăng nhập hay mật khẩu (phần trước dấu '@'): mã QR in trên phiếu sẽ mang theo chúng",
    ),
    "user-only": (
        "https://can-bo@phieu.example.vn/",
        "không được chứa tên đăng nhập hay mật khẩu (phần trước dấu '@'): mã QR in trên phiếu sẽ mang theo chúng",
    ),
}


@pytest.mark.parametrize(("url", "reason"), BAD_SITE_URLS.values(), ids=BAD_SITE_URLS.keys())
def test_a_bad_site_url_in_office_yml_is_refused(root: Path, url: str, reason: str):
    office = root / "office.yml"
    office.write_text(
        office.read_text(encoding="utf-8").replace(
            "site_url: https://phieu.example.vn/", f'site_url: "{url}"'
        ),
        encoding="utf-8",
    )
    assert problems(root) == [f"{OFFICE}:12:11: địa chỉ trang web '{url}' {reason}"]


@pytest.mark.parametrize(("url", "reason"), BAD_SITE_URLS.values(), ids=BAD_SITE_URLS.keys())
def test_a_bad_site_url_environment_variable_stops_the_build(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], url: str, reason: str
):
    project = copy_project(tmp_path / "project")
    assert build(project, SITE_URL=url) != 0
    err = capsys.readouterr().err
    assert f"SITE_URL: địa chỉ trang web '{url}' {reason}" in err
    assert not (project / "site").exists()


#: Hosts a preview may use but the public cannot reach: refused only in production builds.
PRIVATE_SITE_URLS = [
    "http://localhost:8000/",
    "https://phieu.localhost/",
    "http://127.0.0.1/",
    "http://10.1.2.3/",
    "http://172.16.0.1/",
    "http://192.168.1.10/",
    "http://169.254.1.1/",
    "http://0.0.0.0/",
    "https://may-chu-noi-bo/",
    "https://phieu.local/",
    "https://xem-truoc.invalid/",
    "http://0x7f.1/",
    "http://2130706433/",
]


@pytest.mark.parametrize("url", PRIVATE_SITE_URLS)
def test_a_private_site_url_is_refused_only_in_production(url: str):
    assert site_url_problem(url) is None
    assert public_host_problem(url) is not None


@pytest.mark.parametrize("url", ["https://thutuc.caolanh.dongthap.gov.vn/", "https://phieu.gov.vn/p/"])
def test_a_public_site_url_is_accepted(url: str):
    assert site_url_problem(url) is None
    assert public_host_problem(url) is None


# --- a title that is one unbroken word stays on the paper ---------------------------------


@pytest.fixture(scope="module")
def unbroken(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """A slip of several pages (so it has continuation headers) and a poster, both titled with one
    300-letter word."""
    folder = tmp_path_factory.mktemp("unbroken") / "procedures"
    shutil.copytree(ROOT / "tests" / "fixtures" / "mini" / "procedures", folder)
    word = ("Đăngkýkhaisinhchotrẻ" * 20)[:300]
    path = folder / "1.000005.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        edit(text, "name: Thủ tục rất dài để kiểm tra phiếu nhiều trang", f"name: {word}"), encoding="utf-8"
    )
    catalog = load_catalog(folder)
    renderer = SlipRenderer(catalog, ROOT / "theme", site_url="https://phieu.example.vn/")
    procedure = catalog.procedure("1.000005")
    slip, poster = folder.parent / "slip.pdf", folder.parent / "poster.pdf"
    slip.write_bytes(renderer.slip(procedure, "A5").content)
    poster.write_bytes(renderer.poster(catalog.field(procedure.field)).content)
    return slip, poster, word


def char_boxes(
    pdf: Path,
) -> list[tuple[int, list[tuple[str, tuple[float, float, float, float]]], tuple[float, float]]]:
    """(page number, [(character, (left, bottom, right, top))], (width, height)) for every page."""
    document = pypdfium2.PdfDocument(str(pdf))
    try:
        pages = []
        for number, page in enumerate(document, 1):
            text = page.get_textpage()
            chars = [(text.get_text_range(i, 1), text.get_charbox(i)) for i in range(text.count_chars())]
            pages.append((number, chars, page.get_size()))
        return pages
    finally:
        document.close()


@pytest.mark.parametrize("which", ["slip", "poster"])
def test_an_unbroken_title_stays_inside_the_page(unbroken: tuple[Path, Path, str], which: str):
    slip, poster, word = unbroken
    pages = char_boxes(slip if which == "slip" else poster)
    if which == "slip":
        assert len(pages) >= 2  # the title repeats in the continuation header of each further page
    printed = 0
    for number, chars, (width, height) in pages:
        outside = [
            c
            for c, (left, bottom, right, top) in chars
            if left < 0 or bottom < 0 or right > width or top > height
        ]
        assert outside == [], (which, number, "".join(outside)[:80])
        printed += sum(c in word for c, _ in chars)
    assert printed >= 300


def test_the_continuation_header_is_cut_to_one_line(unbroken: tuple[Path, Path, str]):
    """The running title is cut with an ellipsis (its text stays whole for copy and screen readers)."""
    slip, _, word = unbroken
    margin = 9 / 25.4 * 72
    for number, chars, (width, height) in char_boxes(slip)[1:]:
        top = [(c, box) for c, box in chars if box[1] > height - margin and c.strip()]
        assert "".join(c for c, _ in top) == word, number
        bottoms = [box[1] for _, box in top]
        assert max(bottoms) - min(bottoms) < 4, number  # one 7 pt line (a second would sit 8.75 pt lower)
        assert max(box[2] for _, box in top) <= width - margin + 0.5, number


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
        self.jsonld: list[str] = []
        """schema.org data: payloads may appear in it, as JSON strings only."""
        self._in: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        jsonld = tag == "script" and dict(attrs).get("type") == "application/ld+json"
        self._in = self.jsonld if jsonld else self.scripts if tag == "script" else None
        if jsonld:
            self.jsonld.append("")

    def handle_endtag(self, _tag):
        self._in = None

    def handle_data(self, data):
        if self._in is self.jsonld:
            self.jsonld[-1] += data
        else:
            (self._in if self._in is not None else self.text).append(data)


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
    for data in doc.jsonld:
        json.loads(data)  # data, not code: it parses, and nothing in it can open or close a tag
        assert "<" not in data and ">" not in data, where


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
        markup = page.read_text(encoding="utf-8")
        if page.relative_to(project / "site").parts[0] == "q":  # what QR codes open forwards, by design
            forward = re.search(
                r'<meta http-equiv="refresh" content="0; url=(\.\./)+(p|f)/[^"<>/]+/">\n', markup
            )
            assert forward, page
            markup = markup.replace(forward.group(), "", 1)
        assert_no_injected_markup(markup, str(page))


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
