"""What staff read when a file is wrong: YAML and model errors, in Vietnamese, each with a hint.

PyYAML (libyaml) and pydantic describe errors in English and in their own terms ("mapping values
are not allowed in this context", "Input should be a valid integer"). Nothing of that reaches a
civil servant: each error is placed where the mistake is (not where the parser noticed it) and
says what to write instead. An error this module does not know still gets a Vietnamese message.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import BaseModel, ValidationError

from ..model import _Choice

Loc = tuple[str | int, ...]

TAB_INDENT = "thụt lề bằng phím Tab: YAML chỉ nhận dấu cách; hãy thay bằng dấu cách (mỗi cấp 2 dấu cách)"
NBSP = (
    "khoảng trắng đặc biệt U+00A0 (thường có khi dán từ Word) ở chỗ cần dấu cách thường; "
    "hãy xóa rồi gõ lại dấu cách"
)
_SYNTAX = "lỗi cú pháp YAML: "


def too_deep(limit: int) -> str:
    return f"lồng quá sâu (quá {limit} cấp)"


def symlink_file(path: Path) -> str:
    return (
        f"tệp này là liên kết (symlink) tới '{_link_target(path)}': phieu chỉ đọc tệp thật trong thư mục "
        "dữ liệu; hãy thay liên kết bằng chính tệp đó"
    )


def symlink_folder(path: Path) -> str:
    return (
        f"thư mục '{path.name}' là liên kết (symlink) tới '{_link_target(path)}': phieu không đọc qua "
        "liên kết; hãy thay bằng thư mục thật"
    )


def _link_target(path: Path) -> str:
    try:
        return os.readlink(path)
    except OSError:  # pragma: no cover - it was a link a moment ago
        return "?"


# --- YAML syntax ---------------------------------------------------------------------------


def yaml_problem(exc: yaml.YAMLError, text: str, max_depth: int) -> tuple[int, int, str]:
    """Where a YAML syntax error really is, and what to do about it."""
    lines = text.split("\n")
    if not isinstance(exc, yaml.MarkedYAMLError):
        return 1, 1, _SYNTAX + _GENERIC
    problem, context = exc.problem or "", exc.context or ""
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    here = _line(lines, line)
    start = exc.context_mark
    start_at = (start.line + 1, start.column + 1) if start else (line, col)
    start_text = _line(lines, start_at[0])
    char = here[col - 1] if 0 < col <= len(here) else ""

    if "nesting depth" in problem:
        return line, col, too_deep(max_depth)
    if "quoted scalar" in context and "end of stream" in problem:
        quote = start_text[start_at[1] - 1 : start_at[1]] or '"'
        kind = "kép" if quote == '"' else "đơn"
        return _syntax(
            *start_at, f"dấu nháy {kind} {quote} mở ở đây chưa được đóng; hãy thêm dấu {quote} ở cuối giá trị"
        )
    if "quoted scalar" in context or "escape" in problem or "hexdecimal" in problem:
        return _syntax(
            line,
            col,
            "dấu \\ trong dấu nháy kép bắt đầu một mã đặc biệt; hãy viết \\\\ (hai dấu), "
            "hoặc đặt giá trị trong dấu nháy đơn '…'",
        )
    if "mapping values are not allowed" in problem:
        return _stray_colon(here, line, col)
    if "could not find expected ':'" in problem:
        return _missing_colon(start_text, *start_at)
    if "cannot start any token" in problem:
        if char == "\t":
            return line, col, TAB_INDENT
        return _syntax(
            line,
            col,
            f'giá trị không được bắt đầu bằng ký tự {char!r}; hãy đặt cả giá trị trong dấu nháy kép "…"',
        )
    if "flow sequence" in context or "flow mapping" in context:
        opening = "[" if "sequence" in context else "{"
        closing = "]" if opening == "[" else "}"
        if start_at[0] != line:
            return _syntax(*start_at, f"dấu {opening} mở ở đây chưa được đóng bằng {closing}")
        return _syntax(
            line,
            col,
            f"thiếu dấu phẩy giữa các mục trong {opening}…{closing}, hoặc thiếu dấu {closing}; "
            "mục có dấu hai chấm thì đặt trong dấu nháy kép",
        )
    if "block collection" in context or "'-' indicator" in problem or "found '?'" in problem:
        return _syntax(
            line,
            col,
            "dòng này nằm giữa một danh sách nhưng không bắt đầu bằng '- ': mỗi mục danh sách bắt đầu "
            "bằng '- ', hoặc dòng này thụt lề sai",
        )
    if "block mapping" in context and ("expected key" in problem or "<block end>" in problem):
        return _misplaced(here, line, col)
    if "block scalar" in context:
        return _syntax(
            line,
            col,
            "sau dấu | hoặc > phải xuống dòng rồi viết văn bản ở các dòng dưới (thụt vào 2 dấu cách); "
            "hoặc đặt cả giá trị trong dấu nháy kép",
        )
    if "directive" in context or "directive" in problem:
        return _syntax(line, col, "dòng không được bắt đầu bằng %; hãy đặt giá trị trong dấu nháy kép")
    if "tag" in problem:
        return _syntax(line, col, "không dùng thẻ YAML (dấu !); hãy đặt giá trị có dấu ! trong dấu nháy kép")
    if "anchor" in context or "alias" in context:
        return _syntax(
            line,
            col,
            "dấu & hoặc * ở đầu giá trị có nghĩa riêng trong YAML; hãy đặt cả giá trị trong dấu nháy kép",
        )
    return _syntax(line, col, _GENERIC)


_GENERIC = (
    "kiểm tra thụt lề (mỗi cấp 2 dấu cách), dấu hai chấm sau tên khóa và dấu nháy ở dòng này hoặc dòng trên"
)
_KEY = re.compile(r"(?P<indent>[ ]*(?:- +)*)(?P<key>[^\s:#\"'][^:#]*?)[ ]*:(?=[ ]|$)")


def _syntax(line: int, col: int, text: str) -> tuple[int, int, str]:
    return line, col, _SYNTAX + text


def _line(lines: list[str], number: int) -> str:
    return lines[number - 1] if 0 < number <= len(lines) else ""


def _stray_colon(here: str, line: int, col: int) -> tuple[int, int, str]:
    key = _KEY.match(here)
    if key is not None and key.end() == col:
        # The colon of the line's own key: YAML read the line as the continuation of the line above.
        indent = len(here) - len(here.lstrip(" "))
        return _syntax(
            line,
            indent + 1,
            f"thụt lề sai: dòng này thụt {indent} dấu cách, không thẳng cột với các khóa cùng nhóm ở trên; "
            "mỗi cấp thụt đúng 2 dấu cách",
        )
    if key is not None:
        value = here[key.end() :].strip()
        example = f'{key.group("key")}: "{value}"'
        return _syntax(
            line, col, f"dấu hai chấm trong giá trị; hãy đặt cả giá trị trong dấu nháy kép, ví dụ {example}"
        )
    return _syntax(
        line,
        col,
        "dấu hai chấm không đúng chỗ; nếu là một phần của văn bản, hãy đặt cả giá trị trong dấu nháy kép",
    )


def _missing_colon(text: str, line: int, col: int) -> tuple[int, int, str]:
    glued = re.match(r"[ ]*(?:- +)*[^\s:#\"']+:(?=\S)", text)
    if glued is not None:
        return _syntax(line, glued.end() + 1, "thiếu dấu cách sau dấu hai chấm (viết 'tên: giá trị')")
    return _syntax(line, col, "dòng này thiếu dấu hai chấm sau tên khóa (viết 'tên: giá trị')")


def _misplaced(here: str, line: int, col: int) -> tuple[int, int, str]:
    indent = len(here) - len(here.lstrip(" "))
    before = here[: col - 1]
    if col - 1 > indent and before.rstrip().endswith(('"', "'")):
        return _syntax(
            line, col, "có chữ sau dấu nháy đóng; hãy đặt cả giá trị trong một cặp dấu nháy, hoặc bỏ dấu nháy"
        )
    if here[indent : indent + 2] == "- " or here[indent:] == "-":
        return _syntax(
            line, col, "mục danh sách '- ' nằm giữa các khóa 'tên: giá trị'; kiểm tra thụt lề của dòng này"
        )
    return _syntax(
        line,
        col,
        f"thụt lề sai: dòng này thụt {indent} dấu cách, không thẳng cột với các khóa cùng nhóm ở trên; "
        "mỗi cấp thụt đúng 2 dấu cách",
    )


# --- model errors --------------------------------------------------------------------------


def validation_problems(model: type[BaseModel], exc: ValidationError) -> Iterator[tuple[Loc, bool, str]]:
    """For each pydantic error: where (a path in the document, and whether at the key) and what."""
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        kind = error["type"]
        if kind == "nothing_submitted":
            loc = (*loc, "action")
        yield loc, kind == "extra_forbidden", model_message(model, loc, error)


#: What to write when a required key is left out.
_MISSING_HINTS = {
    "action": "submit nếu người dân nộp giấy tờ này, show nếu chỉ xuất trình, không nộp",
    "originals": "số bản chính; ghi 0 nếu không cần bản chính",
    "copies": "số bản sao; ghi 0 nếu không cần bản sao",
}
#: A sensible example for a number, by key.
_NUMBER_EXAMPLES = {"amount": "50000", "originals": "1", "copies": "0", "order": "1"}

_PATTERN_MESSAGES = {
    "code": "mã thủ tục '{value}' không đúng mẫu mã quốc gia (ví dụ 1.001193 hoặc 1.012753.H19)",
    "replaced_by": "mã thủ tục '{value}' không đúng mẫu mã quốc gia (ví dụ 1.001193 hoặc 1.012753.H19)",
    "url": "'{value}' không phải đường dẫn http:// hoặc https:// hợp lệ",
    "national_url": "'{value}' không phải đường dẫn http:// hoặc https:// hợp lệ",
    "phone": "số điện thoại '{value}' chứa ký tự không hợp lệ",
}
for _slug in ("id", "field", "form"):
    _PATTERN_MESSAGES[_slug] = (
        "'{value}' không hợp lệ: chỉ dùng chữ thường không dấu, số và dấu gạch nối, ví dụ 'ho-tich'"
    )


def model_message(model: type[BaseModel], loc: Loc, error: Mapping[str, Any]) -> str:
    kind = error["type"]
    name = next((str(part) for part in reversed(loc) if isinstance(part, str)), "")
    value = error.get("input")
    ctx = error.get("ctx") or {}
    shown = repr(value) if not isinstance(value, (dict, list)) else type(value).__name__
    choices = _choices(model, loc)
    if not loc and kind in {"model_type", "dict_type", "model_attributes_type"}:
        return f"tệp phải là một nhóm các khóa 'tên: giá trị', không phải {_type_name(value)}"
    if kind == "missing":
        hint = _MISSING_HINTS.get(name) or (f"chọn: {_choice_list(choices)}" if choices else "")
        return f"thiếu khóa bắt buộc '{name}'" + (f" ({hint})" if hint else "")
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model, loc[:-1])
        close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
        hint = f" (có phải '{close[0]}'?)" if close else f"; các khóa được dùng: {', '.join(allowed)}"
        return f"khóa không hợp lệ '{name}'{hint}"
    if kind == "nothing_submitted":
        return (
            "giấy tờ cần nộp (action: submit) phải có ít nhất 1 bản chính hoặc 1 bản sao; "
            "nếu chỉ xuất trình, không nộp, hãy viết action: show"
        )
    if value is None:
        return _empty(name, kind, choices)
    if choices:
        close = difflib.get_close_matches(str(value), list(choices), n=1, cutoff=0.6)
        hint = f" (có phải '{close[0]}'?)" if close else ""
        return f"'{name}' không nhận giá trị {shown}{hint}; chỉ nhận: {_choice_list(choices)}"
    if kind == "whole_number":
        if ctx.get("advice") or "phần lẻ" in error["msg"] or "true/false" in error["msg"]:
            return f"'{name}' {error['msg']}"
        example = _NUMBER_EXAMPLES.get(name, "1")
        return f"'{name}' phải là số nguyên viết bằng chữ số, ví dụ {example}; nhận được {shown}"
    if kind in {"number_too_large", "fee_too_small", "date_not_real", "control_character"}:
        return f"'{name}': {error['msg']}"
    if kind in {"date_format", "site_url"}:
        return error["msg"] if kind == "site_url" else f"'{name}' {error['msg']}"
    if kind == "string_pattern_mismatch":
        return _PATTERN_MESSAGES.get(name, "'{value}' không đúng định dạng").format(value=value)
    if kind == "string_type" and isinstance(value, dict) and len(value) == 1:
        # "- Bước 1: Nộp hồ sơ": the colon made YAML read a key and a value.
        return (
            f"'{name}' phải là văn bản, nhưng dấu hai chấm ': ' làm dòng này thành 'tên: giá trị'; "
            "hãy đặt cả văn bản trong dấu nháy kép"
        )
    if kind == "string_type":
        return f"'{name}' phải là văn bản, không phải {_type_name(value)} (hãy đặt trong dấu nháy)"
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return f"'{name}' phải là số nguyên viết bằng chữ số, nhận được {shown}"
    if kind in {"bool_type", "bool_parsing"}:
        return f"'{name}' phải là true hoặc false, nhận được {shown}"
    if kind.startswith(("date_", "datetime_")):
        return f"'{name}' phải là ngày dạng NĂM-THÁNG-NGÀY, ví dụ 2025-07-01; nhận được {shown}"
    if kind == "list_type":
        return f"'{name}' phải là danh sách (mỗi mục một dòng bắt đầu bằng '- ')"
    if kind in {"model_type", "dict_type", "model_attributes_type"}:
        return f"'{name}' phải là một nhóm các khóa 'tên: giá trị', không phải {_type_name(value)}"
    if kind == "too_short":
        return f"'{name}' cần ít nhất {ctx.get('min_length')} mục"
    if kind == "too_long":
        return f"'{name}' có quá nhiều mục (tối đa {ctx.get('max_length')})"
    if kind == "string_too_short":
        return f"'{name}' không được để trống"
    if kind == "string_too_long":
        return f"'{name}' quá dài (tối đa {ctx.get('max_length')} ký tự)"
    if kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        bound = ctx.get("ge", ctx.get("le", ctx.get("gt", ctx.get("lt"))))
        rel = "nhỏ hơn" if kind.startswith("greater") else "lớn hơn"
        return f"'{name}' không được {rel} {bound}, nhận được {shown}"
    # Anything else pydantic may raise: still Vietnamese, still naming the key and the value.
    return f"'{name}' có giá trị không hợp lệ: {shown}"


def _empty(name: str, kind: str, choices: dict[str, str]) -> str:
    """A key written with nothing after its colon (YAML reads it as null)."""
    if choices:
        hint = f"chọn một trong: {_choice_list(choices)}"
    elif kind == "whole_number" or kind.startswith("int"):
        hint = f"ghi một số, ví dụ {_NUMBER_EXAMPLES.get(name, '1')}"
    elif kind.startswith("date"):
        hint = "ghi ngày dạng NĂM-THÁNG-NGÀY, ví dụ 2026-11-29"
    elif kind == "list_type":
        hint = "ghi ít nhất một mục, mỗi mục một dòng bắt đầu bằng '- '"
    elif kind in {"model_type", "dict_type", "model_attributes_type"}:
        hint = "ghi các khóa con ở các dòng dưới, thụt vào 2 dấu cách"
    elif kind.startswith("bool"):
        hint = "ghi true hoặc false"
    else:
        hint = ""
    return f"'{name}' không được để trống" + (f": {hint}" if hint else "")


def _choice_list(choices: dict[str, str]) -> str:
    items = [f"{value} ({label})" for value, label in choices.items()]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " hoặc " + items[-1]


def _type_name(value: Any) -> str:
    return {bool: "true/false", int: "số", float: "số", list: "danh sách", dict: "nhóm khóa"}.get(
        type(value), "giá trị trống" if value is None else "văn bản"
    )


def _annotation(model: type[BaseModel], loc: Loc) -> Any:
    """The type annotation of the key at ``loc`` (list indexes skipped), or None."""
    current: Any = model
    annotation: Any = None
    for part in loc:
        if isinstance(part, int):
            continue
        inner = _inner_model(current) if current is not None else None
        info = inner.model_fields.get(part) if inner else None
        if info is None:
            return None
        annotation = current = info.annotation
    return annotation


def _choices(model: type[BaseModel], loc: Loc) -> dict[str, str]:
    """The allowed values and their labels when ``loc`` is a closed choice (an enum), else {}."""
    for candidate in _flatten(_annotation(model, loc)):
        if isinstance(candidate, type) and issubclass(candidate, _Choice):
            return {member.value: candidate.label(member.value) for member in candidate}
    return {}


def _flatten(annotation: Any) -> Iterator[Any]:
    if annotation is None:
        return
    yield annotation
    for arg in get_args(annotation):
        yield from _flatten(arg)


def _allowed_keys(model: type[BaseModel], loc: Loc) -> list[str]:
    inner = _inner_model(_annotation(model, loc)) if loc else model
    return list(inner.model_fields) if inner else []


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    for candidate in _flatten(annotation):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None
