"""What a member of staff reads for each mistake they are likely to make (issue 12, section 1).

Each case breaks one thing in a minimal valid procedure and asserts the exact ``line:col: message``:
Vietnamese, at the place of the mistake (not where a parser noticed it), saying what to write.
Then a broad sweep (the hostile corpus, these cases, the loader fuzz strategies) checks that no
English text from PyYAML or pydantic ever reaches staff.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from phieu.errors import DataError
from phieu.load import load_catalog

from tests.loader_helpers import PROC_PATH, PROCEDURE, REPO, edit, make_root, problems, write_procedure
from tests.test_hostile import HOSTILE
from tests.test_load_fuzz import damaged, documents

LEVELS = "province (cấp tỉnh), commune (cấp xã, phường) hoặc district (cấp huyện, chỉ cho hồ sơ cũ)"
INDENT = "mỗi cấp thụt đúng 2 dấu cách"
NBSP = (
    "khoảng trắng đặc biệt U+00A0 (thường có khi dán từ Word) ở chỗ cần dấu cách thường; "
    "hãy xóa rồi gõ lại dấu cách"
)
TAB = "thụt lề bằng phím Tab: YAML chỉ nhận dấu cách; hãy thay bằng dấu cách (mỗi cấp 2 dấu cách)"
WHOLE = "'amount' phải là số nguyên viết liền các chữ số"

#: mistake → (the edited minimal procedure, the exact problems after ``path:``)
MISTAKES: dict[str, tuple[str, list[str]]] = {
    # --- money and counts are exact whole numbers --------------------------------------------
    "fee-with-dot": (
        edit(PROCEDURE, "amount: 0", "amount: 50.000"),
        [f"21:15: {WHOLE}: viết 50000, không có dấu chấm (nhận được '50.000')"],
    ),
    "fee-with-comma": (
        edit(PROCEDURE, "amount: 0", "amount: 50,000"),
        [f"21:15: {WHOLE}: viết 50000, không có dấu phẩy (nhận được '50,000')"],
    ),
    "fee-with-unit": (
        edit(PROCEDURE, "amount: 0", "amount: 50.000đ"),
        [f"21:15: {WHOLE}: viết 50000, không có dấu chấm, không có chữ 'đ' (nhận được '50.000đ')"],
    ),
    "fee-with-space": (
        edit(PROCEDURE, "amount: 0", "amount: 50 000"),
        [f"21:15: {WHOLE}: viết 50000, không có dấu cách (nhận được '50 000')"],
    ),
    "fee-as-exponent": (
        edit(PROCEDURE, "amount: 0", "amount: 1.5e4"),
        [f"21:15: {WHOLE}: viết 15000, không viết dạng số mũ 'e' (nhận được '1.5e4')"],
    ),
    "fee-with-decimals": (
        edit(PROCEDURE, "amount: 0", "amount: 50000.0"),
        [f"21:15: {WHOLE}: viết 50000, không có phần thập phân '.0' (nhận được '50000.0')"],
    ),
    "fee-true": (
        edit(PROCEDURE, "amount: 0", "amount: true"),
        ["21:15: 'amount' phải là số, không phải true/false"],
    ),
    "fee-in-thousands": (
        edit(PROCEDURE, "amount: 0", "amount: 50"),
        [
            "21:15: 'amount': 50 đồng là quá nhỏ: ghi số tiền bằng đồng, viết liền, ví dụ 50000 cho năm "
            "mươi nghìn đồng (0 là miễn phí)"
        ],
    ),
    "count-with-fraction": (
        edit(PROCEDURE, "originals: 1", "originals: 1.5"),
        ["26:20: 'originals' phải là số nguyên, không có phần lẻ (nhận được '1.5')"],
    ),
    "count-in-words": (
        edit(PROCEDURE, "originals: 1", "originals: một"),
        ["26:20: 'originals' phải là số nguyên viết bằng chữ số, ví dụ 1; nhận được 'một'"],
    ),
    # --- nothing meant by omission -----------------------------------------------------------
    "document-without-action": (
        edit(PROCEDURE, "        action: submit\n", ""),
        [
            "24:9: thiếu khóa bắt buộc 'action' (submit nếu người dân nộp giấy tờ này, "
            "show nếu chỉ xuất trình, không nộp)"
        ],
    ),
    "document-without-originals": (
        edit(PROCEDURE, "        originals: 1\n", ""),
        ["24:9: thiếu khóa bắt buộc 'originals' (số bản chính; ghi 0 nếu không cần bản chính)"],
    ),
    "document-submitted-with-nothing": (
        edit(PROCEDURE, "originals: 1", "originals: 0"),
        [
            "25:17: giấy tờ cần nộp (action: submit) phải có ít nhất 1 bản chính hoặc 1 bản sao; "
            "nếu chỉ xuất trình, không nộp, hãy viết action: show"
        ],
    ),
    # --- YAML syntax, reported where the mistake is -------------------------------------------
    "key-indented-too-far": (
        edit(
            PROCEDURE,
            "  competent: Ủy ban nhân dân cấp xã\n",
            "  competent: Ủy ban nhân dân cấp xã\n   authorised: UBND\n",
        ),
        [
            "9:4: lỗi cú pháp YAML: thụt lề sai: dòng này thụt 3 dấu cách, không thẳng cột với các khóa "
            f"cùng nhóm ở trên; {INDENT}"
        ],
    ),
    "key-indented-too-little": (
        edit(PROCEDURE, "      verified: true\n", "     verified: true\n"),
        [
            "22:6: lỗi cú pháp YAML: thụt lề sai: dòng này thụt 5 dấu cách, không thẳng cột với các khóa "
            f"cùng nhóm ở trên; {INDENT}"
        ],
    ),
    "tab-indentation": (edit(PROCEDURE, "  competent: Ủy ban", "\tcompetent: Ủy ban"), [f"8:1: {TAB}"]),
    "colon-inside-a-value": (
        edit(PROCEDURE, "competent: Ủy ban nhân dân cấp xã", "competent: Ủy ban: nhân dân"),
        [
            "8:20: lỗi cú pháp YAML: dấu hai chấm trong giá trị; hãy đặt cả giá trị trong dấu nháy kép, "
            'ví dụ competent: "Ủy ban: nhân dân"'
        ],
    ),
    "colon-inside-a-list-item": (
        edit(PROCEDURE, "  - Nộp hồ sơ tại Bộ phận Một cửa.", "  - Bước 1: Nộp hồ sơ"),
        [
            "12:5: 'steps' phải là văn bản, nhưng dấu hai chấm ': ' làm dòng này thành 'tên: giá trị'; "
            "hãy đặt cả văn bản trong dấu nháy kép"
        ],
    ),
    "no-space-after-colon": (
        edit(PROCEDURE, "level: commune", "level:commune"),
        ["4:7: lỗi cú pháp YAML: thiếu dấu cách sau dấu hai chấm (viết 'tên: giá trị')"],
    ),
    # Word pastes U+00A0; YAML used to report it on the next line.
    "nbsp-after-colon": (edit(PROCEDURE, "level: commune", "level:\u00a0commune"), [f"4:7: {NBSP}"]),
    "nbsp-in-indentation": (
        edit(PROCEDURE, "  competent: Ủy ban", "\u00a0 competent: Ủy ban"),
        [f"8:1: {NBSP}"],
    ),
    "nbsp-after-dash": (
        edit(PROCEDURE, "  - Cha hoặc mẹ của trẻ", "  -\u00a0Cha hoặc mẹ của trẻ"),
        [f"6:4: {NBSP}"],
    ),
    "unclosed-double-quote": (
        edit(PROCEDURE, "name: Đăng ký khai sinh\n", 'name: "Đăng ký khai sinh\n'),
        ['2:7: lỗi cú pháp YAML: dấu nháy kép " mở ở đây chưa được đóng; hãy thêm dấu " ở cuối giá trị'],
    ),
    "unclosed-single-quote": (
        edit(PROCEDURE, "name: Đăng ký khai sinh\n", "name: 'Đăng ký khai sinh\n"),
        ["2:7: lỗi cú pháp YAML: dấu nháy đơn ' mở ở đây chưa được đóng; hãy thêm dấu ' ở cuối giá trị"],
    ),
    "text-after-closing-quote": (
        edit(PROCEDURE, "name: Đăng ký khai sinh\n", 'name: "Đăng ký" khai sinh\n'),
        [
            "2:17: lỗi cú pháp YAML: có chữ sau dấu nháy đóng; hãy đặt cả giá trị trong một cặp dấu nháy, "
            "hoặc bỏ dấu nháy"
        ],
    ),
    "unclosed-bracket": (
        edit(PROCEDURE, "level: commune", "level: [commune"),
        ["4:8: lỗi cú pháp YAML: dấu [ mở ở đây chưa được đóng bằng ]"],
    ),
    # --- dates that do not exist, and dates written the Vietnamese way ------------------------
    "day-that-does-not-exist": (
        edit(PROCEDURE, "updated: 2026-11-29", "updated: 2026-11-31"),
        ["37:10: 'updated': ngày 31/11/2026 không có trên lịch (tháng 11/2026 chỉ có 30 ngày)"],
    ),
    "february-29-in-a-common-year": (
        edit(PROCEDURE, "updated: 2026-11-29", "updated: 2026-02-29"),
        ["37:10: 'updated': ngày 29/02/2026 không có trên lịch (tháng 2/2026 chỉ có 28 ngày)"],
    ),
    "month-13": (
        edit(PROCEDURE, "updated: 2026-11-29", "updated: 2026-13-01"),
        ["37:10: 'updated': tháng 13 không có: tháng chỉ từ 01 đến 12"],
    ),
    "date-day-first": (
        edit(PROCEDURE, "updated: 2026-11-29", "updated: 29/11/2026"),
        [
            "37:10: 'updated' phải là ngày dạng NĂM-THÁNG-NGÀY, ví dụ 2025-07-01; nhận được '29/11/2026' "
            "(viết 2026-11-29)"
        ],
    ),
    "date-day-first-that-does-not-exist": (
        edit(PROCEDURE, "updated: 2026-11-29", "updated: 30/02/2026"),
        ["37:10: 'updated' phải là ngày dạng NĂM-THÁNG-NGÀY, ví dụ 2025-07-01; nhận được '30/02/2026'"],
    ),
    "date-in-the-future": (
        edit(PROCEDURE, "updated: 2026-11-29", "updated: 2999-01-05"),
        [
            "37:10: ngày cập nhật 05/01/2999 chưa tới (hôm nay là {today}); hãy ghi ngày sửa nội dung, "
            "không ghi ngày sẽ áp dụng"
        ],
    ),
    "field-of-another-folder": (
        edit(PROCEDURE, "field: ho-tich", "field: chung-thuc"),
        [
            "3:8: tệp nằm trong thư mục 'ho-tich' nhưng field là 'chung-thuc': sửa field: thành 'ho-tich', "
            "hoặc chuyển tệp sang thư mục 'chung-thuc'"
        ],
    ),
    # --- empty values (YAML reads "key:" with nothing after it as null) -----------------------
    "empty-text": (
        edit(PROCEDURE, "name: Đăng ký khai sinh\n", "name:\n"),
        ["2:6: 'name' không được để trống"],
    ),
    "empty-count": (
        edit(PROCEDURE, "originals: 1", "originals:"),
        ["26:19: 'originals' không được để trống: ghi một số, ví dụ 1"],
    ),
    "empty-choice": (
        edit(PROCEDURE, "level: commune", "level:"),
        [f"4:7: 'level' không được để trống: chọn một trong: {LEVELS}"],
    ),
    "empty-date": (
        edit(PROCEDURE, "updated: 2026-11-29", "updated:"),
        ["37:9: 'updated' không được để trống: ghi ngày dạng NĂM-THÁNG-NGÀY, ví dụ 2026-11-29"],
    ),
    "empty-list": (
        edit(PROCEDURE, "who:\n  - Cha hoặc mẹ của trẻ\n", "who:\n"),
        ["5:5: 'who' không được để trống: ghi ít nhất một mục, mỗi mục một dòng bắt đầu bằng '- '"],
    ),
    "empty-group": (
        edit(PROCEDURE, "agency:\n  competent: Ủy ban nhân dân cấp xã\n", "agency:\n"),
        ["7:8: 'agency' không được để trống: ghi các khóa con ở các dòng dưới, thụt vào 2 dấu cách"],
    ),
    # --- closed choices, listed in Vietnamese -------------------------------------------------
    "unknown-choice": (
        edit(PROCEDURE, "level: commune", "level: xa"),
        [f"4:8: 'level' không nhận giá trị 'xa'; chỉ nhận: {LEVELS}"],
    ),
    "misspelt-choice": (
        edit(PROCEDURE, "level: commune", "level: comune"),
        [f"4:8: 'level' không nhận giá trị 'comune' (có phải 'commune'?); chỉ nhận: {LEVELS}"],
    ),
    "unknown-action": (
        edit(PROCEDURE, "action: submit", "action: nop"),
        [
            "25:17: 'action' không nhận giá trị 'nop'; chỉ nhận: submit (nộp) hoặc show (xuất trình, không nộp)"
        ],
    ),
}


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return make_root(tmp_path)


@pytest.mark.parametrize(("content", "expected"), MISTAKES.values(), ids=MISTAKES.keys())
def test_each_mistake_gets_one_located_vietnamese_message(
    root: Path, content: str, expected: list[str]
) -> None:
    write_procedure(root, content)
    today = dt.date.today().strftime("%d/%m/%Y")
    assert problems(root) == [f"{PROC_PATH}:{line.replace('{today}', today)}" for line in expected]


def test_a_file_saved_as_utf16_says_to_save_it_as_utf8(root: Path) -> None:
    write_procedure(root, PROCEDURE.encode("utf-16"))
    assert problems(root) == [
        f"{PROC_PATH}:1:1: tệp được lưu dạng UTF-16 (Unicode của Notepad); hãy lưu lại với bảng mã UTF-8"
    ]


def test_a_copied_file_whose_code_was_not_changed(root: Path) -> None:
    """Copy 1.001193.yml to 1.001194.yml, forget to edit code: one message, saying to change code:."""
    write_procedure(root, PROCEDURE, name="1.001194.yml")
    assert problems(root) == [
        "procedures/ho-tich/1.001194.yml:1:7: mã thủ tục 1.001193 đã dùng ở tệp procedures/ho-tich/1.001193.yml: "
        'hãy đổi code: thành "1.001194"'
    ]


def test_a_copy_sorted_before_its_original_is_still_the_copy(root: Path) -> None:
    write_procedure(root, edit(PROCEDURE, 'code: "1.001193"', 'code: "1.000002"'), name="1.000002.yml")
    write_procedure(root, edit(PROCEDURE, 'code: "1.001193"', 'code: "1.000002"'), name="1.000001.yml")
    assert problems(root) == [
        "procedures/ho-tich/1.000001.yml:1:7: mã thủ tục 1.000002 đã dùng ở tệp procedures/ho-tich/1.000002.yml: "
        'hãy đổi code: thành "1.000001"'
    ]


def test_a_renamed_file_names_both_fixes(root: Path) -> None:
    (root / "ho-tich" / "1.001193.yml").rename(root / "ho-tich" / "1.001194.yml")
    assert problems(root) == [
        "procedures/ho-tich/1.001194.yml:1:7: mã thủ tục 1.001193 khác tên tệp '1.001194.yml': "
        "đổi code: thành \"1.001194\", hoặc đổi tên tệp thành '1.001193.yml'"
    ]


# --- no English from PyYAML or pydantic, whatever the input --------------------------------

#: Phrases of PyYAML's, libyaml's and pydantic's messages. Quoted values (a key staff typed, the
#: value received) are removed before the check: they are the staff's own words.
ENGLISH = re.compile(
    r"\b(expected|found|input should|should be|mapping|while (scanning|parsing)|did not|could not"
    r"|not allowed|value error|field required|extra inputs|unexpected|cannot start|end of stream"
    r"|valid (date|integer|string|boolean)|nesting depth|token|indicator|got)\b|' or '",
    re.IGNORECASE,
)
QUOTED = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"")


def english_in(messages: list[str]) -> list[str]:
    return [m for m in messages if ENGLISH.search(QUOTED.sub("", m))]


def messages_for(root: Path, content: bytes | str, target: str = "ho-tich/1.001193.yml") -> list[str]:
    path = root / target
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    try:
        load_catalog(root)
    except DataError as exc:
        return [p.message for p in exc.problems]
    return []


#: Broken YAML of every kind the translation knows, and some it does not.
BROKEN_YAML = [
    "a: " + "[" * 1100,
    "%YAML 1.1\n%YAML 1.1\n---\na: 1\n",
    "a: !x!y 1\n",
    "a: &\n",
    "a: *x\n",
    "a: 1\n...\nb: 2\n",
    "a: {b: 1\n",
    '"a" b\n',
    'a: "\\xZZ"\n',
    "a: |\n  x\n y\n",
    "a: [b: c: d]\n",
    "a\nb: 1\n",
    "a: |x\n",
    "a: `x`\n",
    "a: @x\n",
    "- a\nb: 1\n",
    "a: 1\n- b\n",
    "? [a]\n: b\n",
    "a: 'x''\n",
    "a:\n  - b\n - c\n",
    "\ta: 1\n",
    "a: b\n\tc: d\n",
    "{a: 1}}\n",
    "a: ]\n",
    "a: 1\n---\n",
    "--- |\n  x\n--- >\n",
    "\u00a0a: 1\n",
]


def test_the_sample_of_english_phrases_is_recognised() -> None:
    assert english_in(["lỗi: mapping values are not allowed here", "Input should be a valid date"]) == [
        "lỗi: mapping values are not allowed here",
        "Input should be a valid date",
    ]
    assert english_in(["khóa không hợp lệ 'expected' (có phải 'documents'?)"]) == []


def test_no_english_for_any_known_mistake_or_hostile_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    root = make_root(tmp_path)
    seen: list[str] = []
    for content, _ in MISTAKES.values():
        seen += messages_for(root, content)
    for content in BROKEN_YAML:
        seen += messages_for(root, content)
    for case in sorted(HOSTILE.glob("*/*.yml")):
        target = {"procedure": "ho-tich/1.001193.yml", "office": "office.yml", "fields": "fields.yml"}[
            case.parent.name
        ]
        saved = (root / target).read_bytes()
        seen += messages_for(root, case.read_bytes(), target)
        (root / target).write_bytes(saved)
    assert len(seen) > 100
    assert english_in(seen) == []


@pytest.fixture(scope="module")
def fuzz_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_root(tmp_path_factory.mktemp("english"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.one_of(st.binary(max_size=400), damaged(), documents().map(lambda d: _dump(d))))
def test_no_english_for_random_input(fuzz_root: Path, content: bytes) -> None:
    assert english_in(messages_for(fuzz_root, content)) == []


def _dump(document: object) -> bytes:
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False).encode()


# --- the editor says the same, as staff type -----------------------------------------------


def editor_errors(text: str) -> list[str]:
    """What an editor validating against schema/procedure.schema.json flags, as key paths.

    Editors read YAML 1.2 numbers, so ``50.000`` is the number 50; dates stay text.
    """
    schema = json.loads((REPO / "schema" / "procedure.schema.json").read_text(encoding="utf-8"))
    document = json.loads(json.dumps(yaml.safe_load(text), default=str))
    validator = jsonschema.Draft202012Validator(schema)
    return sorted("/".join(map(str, error.absolute_path)) for error in validator.iter_errors(document))


@pytest.mark.parametrize(
    ("amount", "flagged"),
    [("50000", False), ("0", False), ("8000", False), ("50.000", True), ("8.000", True), ('"50,000"', True)],
)
def test_the_schema_flags_a_fee_written_the_vietnamese_way(amount: str, flagged: bool) -> None:
    errors = editor_errors(edit(PROCEDURE, "amount: 0", f"amount: {amount}"))
    assert errors == (["cases/0/fee/amount"] if flagged else [])


def test_the_schema_requires_what_the_loader_requires() -> None:
    assert editor_errors(PROCEDURE) == []
    assert editor_errors(edit(PROCEDURE, "        action: submit\n", "")) == ["cases/0/documents/0"]
    assert editor_errors(edit(PROCEDURE, "action: submit", "action: nop")) == ["cases/0/documents/0/action"]
