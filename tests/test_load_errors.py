"""Each loader error, with the exact ``path:line:col: message`` a member of staff would read.

Every test starts from a minimal valid procedures folder in ``tmp_path`` and breaks one thing.
The working directory is ``tmp_path``, so paths print as ``procedures/ho-tich/1.001193.yml``.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from phieu.load.reader import MAX_DEPTH, MAX_FILE_BYTES, MAX_SCALAR_CHARS

from tests.loader_helpers import (
    PROC_PATH,
    PROCEDURE,
    edit,
    load_ok,
    make_root,
    problems,
    write_procedure,
)

ALLOWED_PROCEDURE_KEYS = (
    "code, name, field, level, status, replaced_by, status_note, summary, who, agency, result, "
    "steps, channels, cases, forms, requirements, notes, legal_basis, national_url, updated, verified, "
    "local, source"
)


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return make_root(tmp_path)


def test_minimal_folder_is_valid(root: Path) -> None:
    catalog = load_ok(root)
    assert [p.code for p in catalog.procedures] == ["1.001193"]
    assert catalog.sources == {"1.001193": root / "ho-tich" / "1.001193.yml"}


# --- one broken thing per case, one exact problem line (or two) per case ----------------------

CASES = {
    "yaml-syntax": (
        edit(PROCEDURE, "level: commune", "level: [commune"),
        ["4:8: lỗi cú pháp YAML: dấu [ mở ở đây chưa được đóng bằng ]"],
    ),
    # columns count characters, not bytes: "Ủy" is three bytes before the colon
    "yaml-syntax-mapping-value": (
        edit(PROCEDURE, "competent: Ủy ban nhân dân cấp xã", "competent: Ủy ban: nhân dân"),
        [
            "8:20: lỗi cú pháp YAML: dấu hai chấm trong giá trị; hãy đặt cả giá trị trong dấu nháy kép, "
            'ví dụ competent: "Ủy ban: nhân dân"'
        ],
    ),
    "unknown-key-did-you-mean": (
        edit(PROCEDURE, "    documents:", "    docments:"),
        [
            "17:5: thiếu khóa bắt buộc 'documents'",
            "23:5: khóa không hợp lệ 'docments' (có phải 'documents'?)",
        ],
    ),
    "unknown-key-no-close-match": (
        edit(PROCEDURE, "level: commune\n", "level: commune\nzzzz: 1\n"),
        [f"5:1: khóa không hợp lệ 'zzzz'; các khóa được dùng: {ALLOWED_PROCEDURE_KEYS}"],
    ),
    "list-where-text-expected": (
        edit(PROCEDURE, "name: Đăng ký khai sinh\n", "name:\n  - Khai sinh\n  - Khai tử\n"),
        ["3:3: 'name' phải là văn bản, không phải danh sách (hãy đặt trong dấu nháy)"],
    ),
    "text-where-int-expected": (
        edit(PROCEDURE, "originals: 1", "originals: một"),
        ["26:20: 'originals' phải là số nguyên viết bằng chữ số, ví dụ 1; nhận được 'một'"],
    ),
    "bool-where-text-expected": (
        edit(PROCEDURE, "name: Đăng ký khai sinh\n", "name: true\n"),
        ["2:7: 'name' phải là văn bản, không phải true/false (hãy đặt trong dấu nháy)"],
    ),
    "missing-required-key": (
        edit(PROCEDURE, "level: commune\n", ""),
        [
            "1:1: thiếu khóa bắt buộc 'level' (chọn: province (cấp tỉnh), commune (cấp xã, phường) "
            "hoặc district (cấp huyện, chỉ cho hồ sơ cũ))"
        ],
    ),
    "not-a-mapping": (
        "- Đăng ký khai sinh\n",
        ["1:1: tệp phải là một nhóm các khóa 'tên: giá trị', không phải danh sách"],
    ),
    "field-reference-missing": (
        edit(PROCEDURE, "field: ho-tich", "field: ho-tic"),
        ["3:8: lĩnh vực 'ho-tic' không có trong fields.yml (có phải 'ho-tich'?)"],
    ),
    "replacement-does-not-exist": (
        edit(
            PROCEDURE,
            "level: commune\n",
            "level: commune\nstatus: replaced\nreplaced_by: 1.009999\n",
        ),
        ["6:14: thủ tục thay thế 1.009999 không có trong dữ liệu"],
    ),
    "replaced-without-replaced-by": (
        edit(PROCEDURE, "level: commune\n", "level: commune\nstatus: replaced\n"),
        ["5:9: thủ tục được thay thế (replaced) cần khóa 'replaced_by' với mã thủ tục thay thế"],
    ),
    "duplicate-key": (
        edit(PROCEDURE, "level: commune\n", "level: commune\nname: Khai sinh\n"),
        ["5:1: khóa 'name' bị lặp (đã có ở dòng 2)"],
    ),
    "anchor-and-alias": (
        edit(
            PROCEDURE,
            "result:\n  - Giấy khai sinh\n",
            "result: &ket-qua\n  - Giấy khai sinh\nrequirements: *ket-qua\n",
        ),
        [
            "9:9: không dùng anchor (&ket-qua); hãy viết đầy đủ nội dung",
            "11:15: không dùng alias (*ket-qua); hãy viết đầy đủ nội dung",
        ],
    ),
    "explicit-tag": (
        edit(PROCEDURE, "level: commune", "level: !!str commune"),
        ["4:8: không dùng thẻ YAML (tag:yaml.org,2002:str)"],
    ),
    "two-documents": (
        PROCEDURE + "---\nname: Khai tử\n",
        ["38:1: mỗi tệp chỉ chứa một tài liệu YAML (bỏ dòng '---' thứ hai)"],
    ),
    "empty-file": ("# chỉ có ghi chú\n", ["1:1: tệp rỗng"]),
    "district-level-in-force": (
        edit(PROCEDURE, "level: commune", "level: district"),
        ["4:8: cấp huyện (district) đã bỏ từ 01/7/2025; chỉ dùng cho thủ tục đã bãi bỏ hoặc thay thế"],
    ),
    "unknown-form": (
        edit(PROCEDURE, "form: to-khai-khai-sinh", "form: to-khai-ket-hon"),
        ["28:15: mẫu đơn 'to-khai-ket-hon' không có trong mục forms"],
    ),
    "deep-nesting": (
        PROCEDURE + "local:\n  notes: " + "[" * 20 + "]" * 20 + "\n",
        # root mapping and `local` are two levels; the 15th bracket is level 17
        [f"39:24: lồng quá sâu (quá {MAX_DEPTH} cấp)"],
    ),
    "huge-scalar": (
        edit(PROCEDURE, "name: Đăng ký khai sinh\n", "name: " + "a" * (MAX_SCALAR_CHARS + 1) + "\n"),
        [f"2:7: giá trị quá dài ({MAX_SCALAR_CHARS + 1:,} ký tự); tối đa {MAX_SCALAR_CHARS:,}"],
    ),
    # a document says what is done with it and how many of each, never by leaving keys out
    "document-without-copies": (
        edit(PROCEDURE, "        copies: 0\n", ""),
        ["24:9: thiếu khóa bắt buộc 'copies' (số bản sao; ghi 0 nếu không cần bản sao)"],
    ),
    "document-submitted-with-no-copy": (
        edit(PROCEDURE, "        originals: 1\n", "        originals: 0\n"),
        [
            "25:17: giấy tờ cần nộp (action: submit) phải có ít nhất 1 bản chính hoặc 1 bản sao; "
            "nếu chỉ xuất trình, không nộp, hãy viết action: show"
        ],
    ),
    "control-character": (
        edit(PROCEDURE, "level: commune", "level: com\x07mune"),
        ["4:11: tệp chứa ký tự điều khiển U+0007; hãy xóa ký tự này"],
    ),
}


@pytest.mark.parametrize(("content", "expected"), CASES.values(), ids=CASES.keys())
def test_one_problem_per_broken_thing(root: Path, content: str, expected: list[str]) -> None:
    write_procedure(root, content)
    assert problems(root) == [f"{PROC_PATH}:{line}" for line in expected]


@pytest.mark.parametrize(
    ("code", "file_name", "col"),
    [("1001193", "1001193.yml", 7), ("1.001193.h19", "1.001193.h19.yml", 7)],
)
def test_code_must_match_national_pattern(root: Path, code: str, file_name: str, col: int) -> None:
    (root / "ho-tich" / "1.001193.yml").unlink()
    write_procedure(root, edit(PROCEDURE, '"1.001193"', f'"{code}"'), file_name)
    assert problems(root) == [
        f"procedures/ho-tich/{file_name}:1:{col}: mã thủ tục '{code}' không đúng mẫu mã quốc gia "
        "(ví dụ 1.001193 hoặc 1.012753.H19)"
    ]


def test_provincial_code_suffix_is_accepted(root: Path) -> None:
    (root / "ho-tich" / "1.001193.yml").unlink()
    write_procedure(root, edit(PROCEDURE, '"1.001193"', '"1.012753.H19"'), "1.012753.H19.yml")
    assert [p.code for p in load_ok(root).procedures] == ["1.012753.H19"]


def test_duplicate_codes_across_files(root: Path) -> None:
    write_procedure(root, edit(PROCEDURE, "field: ho-tich", "field: chung-thuc"), folder="chung-thuc")
    # files load in path order, so the ho-tich copy is the duplicate
    assert problems(root) == [
        f"{PROC_PATH}:1:7: mã thủ tục 1.001193 đã dùng ở tệp procedures/chung-thuc/1.001193.yml: "
        "mỗi thủ tục một tệp; nếu đây là thủ tục mới, hãy đổi code: thành mã của nó và đặt tên tệp theo mã đó"
    ]


def test_file_name_must_match_code(root: Path) -> None:
    (root / "ho-tich" / "1.001193.yml").unlink()
    write_procedure(root, PROCEDURE, "khai-sinh.yml")
    assert problems(root) == [
        "procedures/ho-tich/khai-sinh.yml:1:7: tên tệp phải là '1.001193.yml' (theo mã thủ tục), "
        "không phải 'khai-sinh.yml'"
    ]


def test_replacement_that_exists_is_accepted(root: Path) -> None:
    old = edit(PROCEDURE, 'code: "1.001193"', 'code: "1.000001"')
    old = edit(old, "level: commune\n", "level: district\nstatus: replaced\nreplaced_by: 1.001193\n")
    write_procedure(root, old, "1.000001.yml")
    catalog = load_ok(root)
    assert catalog.procedure("1.000001").replaced_by == "1.001193"


# --- YAML 1.1 traps: plain scalars stay text -----------------------------------------------


def test_yaml_11_traps_stay_text(root: Path) -> None:
    content = edit(PROCEDURE, 'code: "1.001193"', "code: 1.001193")
    content = edit(content, "name: Đăng ký khai sinh\n", "name: no\n")
    content = edit(content, "    time: Ngay trong ngày làm việc\ncases:", "    time: 1:30\ncases:")
    content = edit(content, "  - Giấy khai sinh\n", "  - 0123\n")
    write_procedure(root, content)
    procedure = load_ok(root).procedures[0]
    assert procedure.code == "1.001193"
    assert procedure.name == "no"
    assert procedure.channels[0].time == "1:30"
    assert procedure.result == ["0123"]


# --- bytes, encodings and line endings ------------------------------------------------------


def test_file_over_size_cap(root: Path) -> None:
    content = PROCEDURE + "# " + "x" * MAX_FILE_BYTES + "\n"
    size = len(content.encode())
    write_procedure(root, content)
    assert problems(root) == [f"{PROC_PATH}:1:1: tệp quá lớn ({size:,} byte); tối đa {MAX_FILE_BYTES:,} byte"]


@pytest.mark.parametrize(
    ("old", "new", "position", "byte"),
    [
        (b"  - Gi\xe1\xba\xa5y khai sinh", b"  - Gi\xff khai sinh", "10:7", "ff"),
        # multi-byte letters before the bad byte count as one column each
        (b"  - Gi\xe1\xba\xa5y khai sinh", b"  - Gi\xe1\xba\xa5y\xc0 khai sinh", "10:9", "c0"),
        # a truncated sequence is reported where it starts
        (b"level: commune", b"level: comm\xe1\xba", "4:12", "e1"),
    ],
    ids=["ascii-before", "multibyte-before", "truncated"],
)
def test_invalid_utf8_points_at_the_bad_byte(
    root: Path, old: bytes, new: bytes, position: str, byte: str
) -> None:
    raw = PROCEDURE.encode()
    assert raw.count(old) == 1
    write_procedure(root, raw.replace(old, new))
    assert problems(root) == [
        f"{PROC_PATH}:{position}: byte 0x{byte} không hợp lệ trong UTF-8; hãy lưu tệp dạng UTF-8"
    ]


def test_nul_byte(root: Path) -> None:
    write_procedure(root, PROCEDURE.encode().replace(b"level: commune", b"level: com\x00mune"))
    assert problems(root) == [f"{PROC_PATH}:4:11: tệp chứa ký tự NUL (byte 0); đây không phải tệp văn bản"]


def test_bom_is_accepted(root: Path) -> None:
    """Windows Notepad starts UTF-8 files with a byte-order mark; YAML allows it, and so do we."""
    plain = load_ok(root).procedures[0]
    write_procedure(root, b"\xef\xbb\xbf" + PROCEDURE.replace("\n", "\r\n").encode())
    assert load_ok(root).procedures[0] == plain


def test_bom_keeps_positions(root: Path) -> None:
    write_procedure(root, b"\xef\xbb\xbf" + edit(PROCEDURE, "field: ho-tich", "field: ho-tic").encode())
    assert problems(root) == [
        f"{PROC_PATH}:3:8: lĩnh vực 'ho-tic' không có trong fields.yml (có phải 'ho-tich'?)"
    ]


def test_crlf_line_endings_are_accepted(root: Path) -> None:
    write_procedure(root, PROCEDURE)
    lf = load_ok(root).procedures[0]
    write_procedure(root, PROCEDURE.replace("\n", "\r\n").encode())
    assert b"\r\n" in (root / "ho-tich" / "1.001193.yml").read_bytes()
    crlf = load_ok(root).procedures[0]
    assert crlf == lf
    assert crlf.content_hash == lf.content_hash


def test_crlf_positions_match_lf(root: Path) -> None:
    write_procedure(root, edit(PROCEDURE, "field: ho-tich", "field: ho-tic").replace("\n", "\r\n"))
    assert problems(root) == [
        f"{PROC_PATH}:3:8: lĩnh vực 'ho-tic' không có trong fields.yml (có phải 'ho-tich'?)"
    ]


def test_text_is_normalised_to_nfc(root: Path) -> None:
    name = "Đăng ký khai sinh"
    decomposed = unicodedata.normalize("NFD", name)
    assert decomposed != name
    write_procedure(root, edit(PROCEDURE, f"name: {name}\n", f"name: {decomposed}\n"))
    loaded = load_ok(root).procedures[0].name
    assert loaded == name
    assert unicodedata.is_normalized("NFC", loaded)
