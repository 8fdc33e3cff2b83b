"""Load the procedure folder strictly, collecting every problem with its place.

YAML is read in a deliberately small dialect: no anchors or aliases (they
allow expansion bombs), no duplicate keys, no explicit tags, one document per
file. Plain scalars stay strings except ``true``/``false`` and ``null``, so the
YAML 1.1 traps (``no`` as false, ``0123`` as octal, ``1:30`` as sexagesimal,
``1.001193`` as a float) cannot happen; the model converts strings to numbers
and dates where it expects them.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import BaseModel, ValidationError

from ..errors import DataError, Problem, display_path
from ..model import FieldInfo, FieldList, Office, Procedure, Status

MAX_FILE_BYTES = 256 * 1024
MAX_FILES = 10_000
MAX_DEPTH = 16
MAX_SCALAR_CHARS = 10_000

OFFICE_FILE = "office.yml"
FIELDS_FILE = "fields.yml"

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_NULLS = {"", "~", "null", "Null", "NULL"}
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}

#: Characters YAML does not allow in a stream (YAML 1.1, section 5.1).
_NOT_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

Loc = tuple[str | int, ...]
Position = tuple[int, int]


@dataclass
class _Located:
    """A parsed YAML document and where each value and key sits in the file."""

    data: Any
    values: dict[Loc, Position] = field(default_factory=dict)
    keys: dict[Loc, Position] = field(default_factory=dict)

    def where(self, loc: Loc, *, key: bool = False) -> Position:
        """The position of ``loc``, or of its nearest located ancestor."""
        if key and loc in self.keys:
            return self.keys[loc]
        while loc:
            if loc in self.values:
                return self.values[loc]
            loc = loc[:-1]
        return self.values.get((), (1, 1))


class _FileReader:
    """Reads one YAML file into plain data, appending problems instead of raising."""

    def __init__(self, path: Path, problems: list[Problem], display_root: Path | None = None):
        self.path = path
        self.shown = display_path(path, display_root)
        self.problems = problems

    def problem(self, line: int, col: int, message: str) -> None:
        self.problems.append(Problem(self.shown, line, col, _one_line(message)))

    def read(self) -> _Located | None:
        try:
            raw = self.path.read_bytes()
        except OSError as exc:
            self.problem(1, 1, f"không đọc được tệp: {exc.strerror}")
            return None
        text = self._decode(raw)
        if text is None:
            return None
        if not self._scan(text):
            return None
        try:
            node = yaml.compose(text, Loader=_Loader)
        except yaml.MarkedYAMLError as exc:  # pragma: no cover - _scan has parsed it already
            self._yaml_error(exc)
            return None
        located = _Located(None)
        if node is None:
            self.problem(1, 1, "tệp rỗng")
            return None
        located.data = self._convert(node, (), located)
        return located

    def _decode(self, raw: bytes) -> str | None:
        if len(raw) > MAX_FILE_BYTES:
            self.problem(1, 1, f"tệp quá lớn ({len(raw):,} byte); tối đa {MAX_FILE_BYTES:,} byte")
            return None
        if raw.startswith(b"\xef\xbb\xbf"):
            self.problem(1, 1, "tệp bắt đầu bằng dấu BOM; hãy lưu lại dạng UTF-8 không BOM")
            return None
        if b"\x00" in raw:
            line, col = _byte_position(raw, raw.index(b"\x00"))
            self.problem(line, col, "tệp chứa ký tự NUL (byte 0); đây không phải tệp văn bản")
            return None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line, col = _byte_position(raw, exc.start)
            self.problem(
                line, col, f"byte 0x{raw[exc.start]:02x} không hợp lệ trong UTF-8; hãy lưu tệp dạng UTF-8"
            )
            return None
        text = text.replace("\r\n", "\n")
        bad = _NOT_PRINTABLE.search(text)
        if bad is not None:  # the YAML reader would refuse it without saying where
            line = text.count("\n", 0, bad.start()) + 1
            col = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
            message = f"tệp chứa ký tự điều khiển U+{ord(bad.group()):04X}; hãy xóa ký tự này"
            self.problem(line, col, message)
            return None
        return text

    def _scan(self, text: str) -> bool:
        """Reject what the dialect forbids before building anything from it."""
        ok = True
        depth = 0
        documents = 0
        try:
            for event in yaml.parse(text, Loader=_Loader):
                mark = event.start_mark
                if isinstance(event, yaml.AliasEvent):
                    self.problem(
                        mark.line + 1,
                        mark.column + 1,
                        f"không dùng alias (*{event.anchor}); hãy viết đầy đủ nội dung",
                    )
                    ok = False
                    continue
                if isinstance(event, yaml.DocumentStartEvent):
                    documents += 1
                    if documents > 1:
                        self.problem(
                            mark.line + 1,
                            mark.column + 1,
                            "mỗi tệp chỉ chứa một tài liệu YAML (bỏ dòng '---' thứ hai)",
                        )
                        return False
                if isinstance(event, (yaml.ScalarEvent, yaml.CollectionStartEvent)):
                    if event.anchor is not None:
                        self.problem(
                            mark.line + 1,
                            mark.column + 1,
                            f"không dùng anchor (&{event.anchor}); hãy viết đầy đủ nội dung",
                        )
                        ok = False
                    if event.tag is not None and not _implicit(event):
                        self.problem(mark.line + 1, mark.column + 1, f"không dùng thẻ YAML ({event.tag})")
                        ok = False
                if isinstance(event, yaml.CollectionStartEvent):
                    depth += 1
                    if depth > MAX_DEPTH:
                        self.problem(mark.line + 1, mark.column + 1, f"lồng quá sâu (quá {MAX_DEPTH} cấp)")
                        return False
                elif isinstance(event, yaml.CollectionEndEvent):
                    depth -= 1
                elif isinstance(event, yaml.ScalarEvent) and len(event.value) > MAX_SCALAR_CHARS:
                    self.problem(
                        mark.line + 1,
                        mark.column + 1,
                        f"giá trị quá dài ({len(event.value):,} ký tự); tối đa {MAX_SCALAR_CHARS:,}",
                    )
                    ok = False
        except yaml.MarkedYAMLError as exc:
            self._yaml_error(exc)
            return False
        except yaml.YAMLError as exc:
            self.problem(1, 1, f"lỗi cú pháp YAML: {exc}")
            return False
        return ok

    def _yaml_error(self, exc: yaml.MarkedYAMLError) -> None:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = exc.problem or ""
        context = exc.context_mark
        elsewhere = context is not None and (context.line + 1, context.column + 1) != (line, col)
        if exc.context and elsewhere:
            what = f"{exc.context} (dòng {context.line + 1}, cột {context.column + 1}): {what}"
        elif exc.context:
            what = f"{exc.context}: {what}"
        self.problem(line, col, f"lỗi cú pháp YAML: {what}")

    def _convert(self, node: yaml.Node, loc: Loc, located: _Located) -> Any:
        located.values[loc] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.ScalarNode):
            if (
                not node.style
            ):  # plain scalar (None or "" depending on the loader): only null and true/false are not text
                if node.value in _NULLS:
                    return None
                if node.value in _BOOLS:
                    return _BOOLS[node.value]
            return unicodedata.normalize("NFC", node.value)
        if isinstance(node, yaml.SequenceNode):
            return [self._convert(item, (*loc, i), located) for i, item in enumerate(node.value)]
        mapping: dict[str, Any] = {}
        for key_node, value_node in node.value:
            kline, kcol = key_node.start_mark.line + 1, key_node.start_mark.column + 1
            if not isinstance(key_node, yaml.ScalarNode):
                self.problem(kline, kcol, "khóa phải là một từ, không phải danh sách hay nhóm")
                continue
            key = unicodedata.normalize("NFC", key_node.value)
            if key in mapping:
                first = located.keys[(*loc, key)]
                self.problem(kline, kcol, f"khóa '{key}' bị lặp (đã có ở dòng {first[0]})")
                continue
            located.keys[(*loc, key)] = (kline, kcol)
            mapping[key] = self._convert(value_node, (*loc, key), located)
        return mapping


def _one_line(message: str) -> str:
    """Line breaks and control characters quoted from a value, shown as escapes.

    A key or value such as ``"x\\nprocedures/a.yml:1:1: ..."`` must not print as a second,
    fake problem: one problem is always one line.
    """
    if message.isprintable():
        return message
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in message)


def _implicit(event: yaml.Event) -> bool:
    implicit = getattr(event, "implicit", True)
    return any(implicit) if isinstance(implicit, tuple) else bool(implicit)


def _byte_position(raw: bytes, offset: int) -> Position:
    line_start = raw.rfind(b"\n", 0, offset) + 1
    line = raw.count(b"\n", 0, offset) + 1
    col = len(raw[line_start:offset].decode("utf-8", errors="replace")) + 1
    return line, col


# --- pydantic errors, in words staff can act on --------------------------------------------


def _validate(model: type[BaseModel], located: _Located, reader: _FileReader) -> Any:
    try:
        return model.model_validate(located.data)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            loc = tuple(error["loc"])
            is_key = error["type"] in {"extra_forbidden"}
            if error["type"] == "nothing_submitted":
                loc = (*loc, "action")
            line, col = located.where(loc, key=is_key)
            reader.problem(line, col, _message(model, loc, error))
        return None


def _message(model: type[BaseModel], loc: Loc, error: dict[str, Any]) -> str:
    kind = error["type"]
    name = next((str(part) for part in reversed(loc) if isinstance(part, str)), "")
    value = error.get("input")
    ctx = error.get("ctx", {})
    shown = repr(value) if not isinstance(value, (dict, list)) else type(value).__name__
    if not loc and kind in {"model_type", "dict_type", "model_attributes_type"}:
        return f"tệp phải là một nhóm các khóa 'tên: giá trị', không phải {_type_name(value)}"
    if kind == "missing":
        hint = _MISSING_HINTS.get(name)
        return f"thiếu khóa bắt buộc '{name}'" + (f" ({hint})" if hint else "")
    if kind == "nothing_submitted":
        return (
            "giấy tờ cần nộp (action: submit) phải có ít nhất 1 bản chính hoặc 1 bản sao; "
            "nếu chỉ xuất trình, không nộp, hãy viết action: show"
        )
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model, loc[:-1])
        close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
        hint = f" (có phải '{close[0]}'?)" if close else f"; các khóa được dùng: {', '.join(allowed)}"
        return f"khóa không hợp lệ '{name}'{hint}"
    if kind == "string_pattern_mismatch":
        return _PATTERN_MESSAGES.get(name, "'{value}' không đúng định dạng").format(value=value)
    if kind in {"string_type"}:
        if value is None:
            return f"'{name}' không được để trống"
        return f"'{name}' phải là văn bản, không phải {_type_name(value)} (hãy đặt trong dấu nháy)"
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return f"'{name}' phải là số nguyên, nhận được {shown}"
    if kind in {"bool_type", "bool_parsing"}:
        return f"'{name}' phải là true hoặc false, nhận được {shown}"
    if kind in {"date_type", "date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact"}:
        return f"'{name}' phải là ngày dạng NĂM-THÁNG-NGÀY, ví dụ 2025-07-01; nhận được {shown}"
    if kind == "list_type":
        return f"'{name}' phải là danh sách (mỗi mục một dòng bắt đầu bằng '- ')"
    if kind in {"model_type", "dict_type", "model_attributes_type"}:
        return f"'{name}' phải là một nhóm các khóa 'tên: giá trị', không phải {_type_name(value)}"
    if kind in {"enum", "literal_error"}:
        return f"'{name}' không nhận giá trị {shown}; chỉ nhận: {ctx.get('expected', '')}"
    if kind == "too_short":
        return f"'{name}' cần ít nhất {ctx.get('min_length')} mục"
    if kind == "too_long":
        return f"'{name}' có quá nhiều mục (tối đa {ctx.get('max_length')})"
    if kind == "string_too_short":
        return f"'{name}' không được để trống"
    if kind == "string_too_long":
        return f"'{name}' quá dài (tối đa {ctx.get('max_length')} ký tự)"
    if kind in {"greater_than_equal", "less_than_equal"}:
        bound = ctx.get("ge", ctx.get("le"))
        rel = "nhỏ hơn" if kind == "greater_than_equal" else "lớn hơn"
        return f"'{name}' không được {rel} {bound}, nhận được {shown}"
    return f"'{name}': {error['msg']}"


_MISSING_HINTS = {
    "action": "submit nếu người dân nộp giấy tờ này, show nếu chỉ xuất trình, không nộp",
    "originals": "số bản chính; ghi 0 nếu không cần bản chính",
    "copies": "số bản sao; ghi 0 nếu không cần bản sao",
}

_PATTERN_MESSAGES = {
    "code": "mã thủ tục '{value}' không đúng mẫu mã quốc gia (ví dụ 1.001193 hoặc 1.012753.H19)",
    "replaced_by": "mã thủ tục '{value}' không đúng mẫu mã quốc gia (ví dụ 1.001193 hoặc 1.012753.H19)",
    "url": "'{value}' không phải đường dẫn http:// hoặc https:// hợp lệ",
    "national_url": "'{value}' không phải đường dẫn http:// hoặc https:// hợp lệ",
    "site_url": "'{value}' không phải đường dẫn http:// hoặc https:// hợp lệ",
    "phone": "số điện thoại '{value}' chứa ký tự không hợp lệ",
}
for _slug in ("id", "field", "form"):
    _PATTERN_MESSAGES[_slug] = (
        "'{value}' không hợp lệ: chỉ dùng chữ thường không dấu, số và dấu gạch nối, ví dụ 'ho-tich'"
    )


def _type_name(value: Any) -> str:
    return {bool: "true/false", int: "số", float: "số", list: "danh sách", dict: "nhóm khóa"}.get(
        type(value), "giá trị trống" if value is None else "văn bản"
    )


def _allowed_keys(model: type[BaseModel], loc: Loc) -> list[str]:
    current: type[BaseModel] | None = model
    for part in loc:
        if isinstance(part, int) or current is None:
            continue
        info = current.model_fields.get(part)
        current = _inner_model(info.annotation) if info else None
    return list(current.model_fields) if current else []


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


# --- the catalog ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Catalog:
    """Everything in a procedures folder, checked and cross-referenced."""

    root: Path
    """The procedures folder."""
    office: Office
    """The publishing office."""
    fields: tuple[FieldInfo, ...]
    """Fields in display order."""
    procedures: tuple[Procedure, ...]
    """Procedures sorted by code."""
    sources: dict[str, Path]
    """Procedure code → the YAML file it came from."""

    # Lookups are indexed once, so per-page work stays constant as the catalogue grows.
    @cached_property
    def _by_code(self) -> dict[str, Procedure]:
        return {p.code: p for p in self.procedures}

    @cached_property
    def _by_field(self) -> dict[str, list[Procedure]]:
        groups: dict[str, list[Procedure]] = {f.id: [] for f in self.fields}
        for p in self.procedures:
            groups.setdefault(p.field, []).append(p)
        return groups

    def procedure(self, code: str) -> Procedure:
        return self._by_code[code]

    def field(self, field_id: str) -> FieldInfo:
        return next(f for f in self.fields if f.id == field_id)

    def in_field(self, field_id: str) -> list[Procedure]:
        return list(self._by_field.get(field_id, ()))


def procedure_files(root: Path) -> Iterator[Path]:
    """Every procedure file under ``root``: all ``.yml`` files except office and fields."""
    for path in sorted(root.rglob("*.y*ml")):
        if path.parent == root and path.name in {OFFICE_FILE, FIELDS_FILE}:
            continue
        if path.is_file() and not any(part.startswith(".") for part in path.relative_to(root).parts):
            yield path


def load_catalog(root: Path, *, display_root: Path | None = None) -> Catalog:
    """Load and check a procedures folder; raise :class:`DataError` listing every problem.

    Problems name files relative to ``display_root`` (by default the working directory).
    """
    root = Path(root)
    problems: list[Problem] = []
    if not root.is_dir():
        raise DataError([Problem(str(root), 1, 1, "không tìm thấy thư mục thủ tục")])

    office = _load_one(root / OFFICE_FILE, Office, problems, display_root)
    field_list = _load_one(root / FIELDS_FILE, FieldList, problems, display_root)
    files = list(procedure_files(root))
    if len(files) > MAX_FILES:
        shown = display_path(root, display_root)
        raise DataError([Problem(shown, 1, 1, f"quá nhiều tệp ({len(files):,}); tối đa {MAX_FILES:,}")])

    loaded: list[tuple[Procedure, _Located, _FileReader]] = []
    for path in files:
        reader = _FileReader(path, problems, display_root)
        if path.suffix != ".yml":
            reader.problem(1, 1, f"tệp thủ tục phải có đuôi .yml, không phải '{path.suffix}'")
            continue
        located = reader.read()
        if located is None:
            continue
        procedure = _validate(Procedure, located, reader)
        if procedure is not None:
            loaded.append((procedure, located, reader))

    fields: list[FieldInfo] = []
    if field_list is not None:
        fields = _check_fields(field_list, display_path(root / FIELDS_FILE, display_root), problems)
    _check_procedures(loaded, {f.id for f in fields} if field_list else None)

    if problems or office is None or field_list is None:
        raise DataError(problems)
    return Catalog(
        root=root,
        office=office[0],
        fields=tuple(sorted(fields, key=lambda f: (f.order, f.id))),
        procedures=tuple(sorted((p for p, _, _ in loaded), key=lambda p: p.code)),
        sources={p.code: r.path for p, _, r in loaded},
    )


def read_procedure(path: Path) -> Procedure:
    """One procedure file, read as strictly as the catalog reads it; raise :class:`DataError` if it is wrong."""
    problems: list[Problem] = []
    loaded = _load_one(path, Procedure, problems)
    if loaded is None:
        raise DataError(problems)
    return loaded[0]


def _load_one(
    path: Path, model: type[BaseModel], problems: list[Problem], display_root: Path | None = None
) -> Any:
    reader = _FileReader(path, problems, display_root)
    if not path.is_file():
        reader.problem(1, 1, f"thiếu tệp {path.name}")
        return None
    located = reader.read()
    if located is None:
        return None
    value = _validate(model, located, reader)
    return None if value is None else (value, located)


def _check_fields(loaded: tuple[FieldList, _Located], shown: str, problems: list[Problem]) -> list[FieldInfo]:
    field_list, located = loaded
    seen: set[str] = set()
    for i, info in enumerate(field_list.fields):
        if info.id in seen:
            line, col = located.where(("fields", i, "id"))
            problems.append(Problem(shown, line, col, f"mã lĩnh vực '{info.id}' bị trùng"))
        seen.add(info.id)
    return list(field_list.fields)


def _check_procedures(
    loaded: list[tuple[Procedure, _Located, _FileReader]],
    field_ids: set[str] | None,
) -> None:
    first_file: dict[str, str] = {}
    for procedure, located, reader in loaded:
        if procedure.code in first_file:
            line, col = located.where(("code",))
            reader.problem(
                line, col, f"mã thủ tục {procedure.code} bị trùng với tệp {first_file[procedure.code]}"
            )
        else:
            first_file[procedure.code] = reader.shown
    codes = set(first_file)

    for p, located, reader in loaded:

        def report(loc: Loc, message: str, located: _Located = located, reader: _FileReader = reader) -> None:
            reader.problem(*located.where(loc), message)

        if reader.path.stem != p.code:
            report(
                ("code",),
                f"tên tệp phải là '{p.code}.yml' (theo mã thủ tục), không phải '{reader.path.name}'",
            )
        if field_ids is not None and p.field not in field_ids:
            close = difflib.get_close_matches(p.field, sorted(field_ids), n=1)
            hint = f" (có phải '{close[0]}'?)" if close else ""
            report(("field",), f"lĩnh vực '{p.field}' không có trong fields.yml{hint}")
        if p.status is Status.replaced and p.replaced_by is None:
            report(
                ("status",), "thủ tục được thay thế (replaced) cần khóa 'replaced_by' với mã thủ tục thay thế"
            )
        if p.replaced_by is not None:
            if p.status is not Status.replaced:
                report(("replaced_by",), "chỉ dùng 'replaced_by' khi status là replaced")
            elif p.replaced_by == p.code:
                report(("replaced_by",), "thủ tục không thể thay thế chính nó")
            elif p.replaced_by not in codes:
                report(("replaced_by",), f"thủ tục thay thế {p.replaced_by} không có trong dữ liệu")
        if p.level == "district" and p.in_force:
            report(
                ("level",),
                "cấp huyện (district) đã bỏ từ 01/7/2025; chỉ dùng cho thủ tục đã bãi bỏ hoặc thay thế",
            )
        for what, items in (("trường hợp", p.cases), ("mẫu đơn", p.forms)):
            seen: set[str] = set()
            key = "cases" if items is p.cases else "forms"
            for i, item in enumerate(items):
                if item.id in seen:
                    report((key, i, "id"), f"mã {what} '{item.id}' bị trùng")
                seen.add(item.id)
        form_ids = {f.id for f in p.forms}
        for ci, case in enumerate(p.cases):
            for di, doc in enumerate(case.documents):
                if doc.form is not None and doc.form not in form_ids:
                    report(
                        ("cases", ci, "documents", di, "form"),
                        f"mẫu đơn '{doc.form}' không có trong mục forms",
                    )
