"""Read one YAML file strictly into plain data, remembering where every key and value sits.

YAML is read in a deliberately small dialect: no anchors or aliases (they allow expansion bombs),
no duplicate keys, no explicit tags, one document per file. Plain scalars stay strings except
``true``/``false`` and ``null``, so the YAML 1.1 traps (``no`` as false, ``0123`` as octal, ``1:30``
as sexagesimal, ``1.001193`` or ``50.000`` as a float) cannot happen; the model converts strings to
numbers and dates where it expects them, exactly.

Problems are appended to a list, never raised, each at its ``line:col`` and in Vietnamese. Before
parsing, the text is checked for what YAML would misread or misplace: control and bidirectional
characters, Tab indentation and non-breaking spaces pasted from a word processor.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from ..errors import Problem, display_path, os_reason
from ..model import CONTROL_CHARACTERS
from . import messages

MAX_FILE_BYTES = 256 * 1024
MAX_DEPTH = 16
MAX_SCALAR_CHARS = 10_000

#: libyaml when it is installed (fast, and bounds flow nesting itself), else PyYAML's own parser.
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_NULLS = {"", "~", "null", "Null", "NULL"}
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_BOM = b"\xef\xbb\xbf"

#: What YAML does not allow in a stream (YAML 1.1, section 5.1), plus what the model refuses in any
#: text: control characters, line separators and bidirectional controls.
_REFUSED = re.compile(
    f"[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]|[{CONTROL_CHARACTERS}]"
)
#: A non-breaking space where YAML needs a plain one: in the indentation, after a list dash, or
#: after a key's colon. YAML then reads the line as text, and reports the error a line later.
_NBSP_PLACES = (
    re.compile(r"[ ]*\u00a0"),
    re.compile(r"[ ]*(?:- +)*-\u00a0"),
    re.compile(r"[ ]*(?:- +)*[A-Za-z_][A-Za-z0-9_]*[ ]*:\u00a0"),
)

Loc = tuple[str | int, ...]
Position = tuple[int, int]


@dataclass
class Located:
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


class FileReader:
    """Reads one YAML file into plain data, appending problems instead of raising."""

    def __init__(self, path: Path, problems: list[Problem], display_root: Path | None = None):
        self.path = path
        # The folder is resolved, the name is not: a link is named as the link, not as its target.
        self.shown = str(Path(display_path(path.parent, display_root)) / path.name)
        self.problems = problems

    def problem(self, line: int, col: int, message: str) -> None:
        self.problems.append(Problem(self.shown, line, col, one_line(message)))

    def read(self) -> Located | None:
        if self.path.is_symlink():
            self.problem(1, 1, messages.symlink_file(self.path))
            return None
        try:
            # O_NOFOLLOW: a file swapped for a link after the check above is still not followed.
            fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            with os.fdopen(fd, "rb") as stream:
                raw = stream.read(MAX_FILE_BYTES + 1)
                size = len(raw) if len(raw) <= MAX_FILE_BYTES else os.fstat(stream.fileno()).st_size
        except OSError as exc:
            self.problem(1, 1, f"không đọc được tệp: {os_reason(exc)}")
            return None
        if size > MAX_FILE_BYTES:
            self.problem(1, 1, f"tệp quá lớn ({size:,} byte); tối đa {MAX_FILE_BYTES:,} byte")
            return None
        text = self._decode(raw)
        if text is None or not self._check_spaces(text) or not self._scan(text):
            return None
        node = yaml.compose(text, Loader=LOADER)  # _scan has parsed it without error already
        if node is None:
            self.problem(1, 1, "tệp rỗng")
            return None
        located = Located(None)
        located.data = self._convert(node, (), located)
        return located

    def _decode(self, raw: bytes) -> str | None:
        # A byte-order mark is allowed by YAML and written by Windows Notepad: it is not content.
        raw = raw.removeprefix(_BOM)
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            self.problem(
                1, 1, "tệp được lưu dạng UTF-16 (Unicode của Notepad); hãy lưu lại với bảng mã UTF-8"
            )
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
        bad = _REFUSED.search(text)
        if bad is not None:  # the YAML reader would refuse it without saying where, or print it
            line, col = _text_position(text, bad.start())
            self.problem(line, col, f"tệp chứa ký tự điều khiển U+{ord(bad.group()):04X}; hãy xóa ký tự này")
            return None
        return text

    def _check_spaces(self, text: str) -> bool:
        """Tabs and non-breaking spaces where YAML needs plain spaces, each reported where it is."""
        ok = True
        for number, line in enumerate(text.split("\n"), 1):
            indent = len(line) - len(line.lstrip(" \t\u00a0"))
            if "\t" in line[:indent]:
                self.problem(number, line.index("\t") + 1, messages.TAB_INDENT)
                ok = False
                continue
            for place in _NBSP_PLACES:
                found = place.match(line)
                if found:
                    self.problem(number, found.end(), messages.NBSP)
                    ok = False
                    break
        return ok

    def _scan(self, text: str) -> bool:
        """Reject what the dialect forbids before building anything from it."""
        ok = True
        depth = 0
        documents = 0
        try:
            for event in yaml.parse(text, Loader=LOADER):
                mark = event.start_mark
                assert mark is not None  # the parser marks every event
                line, col = mark.line + 1, mark.column + 1
                if isinstance(event, yaml.AliasEvent):
                    self.problem(line, col, f"không dùng alias (*{event.anchor}); hãy viết đầy đủ nội dung")
                    ok = False
                    continue
                if isinstance(event, yaml.DocumentStartEvent):
                    documents += 1
                    if documents > 1:
                        self.problem(line, col, "mỗi tệp chỉ chứa một tài liệu YAML (bỏ dòng '---' thứ hai)")
                        return False
                if isinstance(event, (yaml.ScalarEvent, yaml.CollectionStartEvent)):
                    if event.anchor is not None:
                        self.problem(
                            line, col, f"không dùng anchor (&{event.anchor}); hãy viết đầy đủ nội dung"
                        )
                        ok = False
                    if event.tag is not None and not _implicit(event):
                        self.problem(line, col, f"không dùng thẻ YAML ({event.tag})")
                        ok = False
                if isinstance(event, yaml.CollectionStartEvent):
                    depth += 1
                    if depth > MAX_DEPTH:
                        self.problem(line, col, messages.too_deep(MAX_DEPTH))
                        return False
                elif isinstance(event, yaml.CollectionEndEvent):
                    depth -= 1
                elif isinstance(event, yaml.ScalarEvent) and len(event.value) > MAX_SCALAR_CHARS:
                    self.problem(
                        line,
                        col,
                        f"giá trị quá dài ({len(event.value):,} ký tự); tối đa {MAX_SCALAR_CHARS:,}",
                    )
                    ok = False
        except yaml.YAMLError as exc:
            self.problem(*messages.yaml_problem(exc, text, MAX_DEPTH))
            return False
        return ok

    def _convert(self, node: yaml.Node, loc: Loc, located: Located) -> Any:
        located.values[loc] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.ScalarNode):
            if not node.style:  # a plain scalar: only null and true/false are not text
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


def one_line(message: str) -> str:
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


def _text_position(text: str, offset: int) -> Position:
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def validate(model: type[BaseModel], located: Located, reader: FileReader) -> Any:
    """``located``'s data as ``model``, or None with every problem added at its place in the file."""
    try:
        return model.model_validate(located.data)
    except ValidationError as exc:
        for loc, at_key, message in messages.validation_problems(model, exc):
            reader.problem(*located.where(loc, key=at_key), message)
        return None
