"""``phieu fmt``: the one canonical YAML layout of data files, and the writer every tool uses.

The layout: the schema line first; keys in model order; no value equal to its default (an empty fee
is written ``amount: null``, "not known yet"); block style, two-space indentation, lists indented under
their key; a string plain where every YAML reader reads it back as the same string, double-quoted
otherwise, and codes always quoted; several lines as a literal block when that keeps them exactly.
Comments stay with the key or list item they stand before (or after, on its line). Blank lines go.

``phieu import`` writes with :func:`render`, and the editor's script (``editor.py``) writes the same
bytes in the browser; a file is canonical when ``format_text`` gives it back unchanged. Nothing in the
build reads comments or the schema line: they are for people and editors.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from ..errors import DataError, Problem
from ..load import messages
from ..load.catalog import FEES_FILE, FIELDS_FILE, OFFICE_FILE, OFFICES_FOLDER, PROVINCE_FILE, procedure_files
from ..load.forms import FORMS_FOLDER, form_files
from ..load.reader import LOADER, FileReader
from ..model import (
    CONTROL_CHARACTERS,
    FeeTable,
    FieldList,
    Office,
    OfficeProfile,
    Procedure,
    Province,
    SharedForm,
)

#: Which model each kind of data file holds (also the schema file names: ``schema/<kind>.schema.json``).
MODELS: dict[str, type[BaseModel]] = {
    "procedure": Procedure,
    "fields": FieldList,
    "office": Office,
    "province": Province,
    "fees": FeeTable,
    "office-profile": OfficeProfile,
    "form": SharedForm,
}
#: The data files at the top of a procedures folder, by kind (besides the records in field folders).
TOP_FILES = {OFFICE_FILE: "office", FIELDS_FILE: "fields", PROVINCE_FILE: "province", FEES_FILE: "fees"}
#: Kinds whose files sit one folder down (``<field>/<code>.yml``, ``offices/<id>.yml``).
NESTED_KINDS = frozenset({"procedure", "office-profile", "form"})
SCHEMA_DIR = "schema"
SCHEMA_LINE = "# yaml-language-server: $schema="
_SCHEMA_COMMENT = re.compile(r"^#\s*yaml-language-server:\s*\$schema=")

INDENT = 2
#: Keys whose string values are always double-quoted: a code must stay text for every YAML reader
#: (``1.001193`` unquoted is a number to most of them).
QUOTED_KEYS = frozenset({"code", "replaced_by"})

# Plain (unquoted) strings: only those every YAML 1.1 and 1.2 reader reads back as the same string.
# These patterns are shared with the editor's script, so they are written to be valid in JavaScript.
#: Words YAML 1.1 reads as booleans or null, the merge key and the value key.
WORDS = r"^(?:y|n|yes|no|on|off|true|false|null|~|<<|=)$"
#: Numbers, dates and times start with a digit, a sign or a dot (``.inf``, ``.nan``).
NUMBER_OR_DATE = r"^[-+.]?[0-9]|^\.(?:inf|nan)$"
#: A plain scalar cannot start with these.
INDICATORS = "-?:,[]{}#&*!|>'\"%@`"
#: Characters nobody can see or that YAML would not keep in a plain scalar: written as escapes.
INVISIBLE = (
    "[\t\n" + CONTROL_CHARACTERS + "\u00a0\u00ad\u1680\u180e\u2000-\u200d\u202f\u205f\u2060-\u2064\u3000]"
)
_WORDS = re.compile(WORDS, re.IGNORECASE)
_NUMBER_OR_DATE = re.compile(NUMBER_OR_DATE, re.IGNORECASE)
_INVISIBLE = re.compile(INVISIBLE)

Path_ = tuple[str | int, ...]
"""Where a value sits: keys and list positions from the top of the file."""


# --- comments ------------------------------------------------------------------------------------


#: The anchor of the comments above the first key: they stay at the top, under the schema line.
HEADER = -1


@dataclass(frozen=True)
class Comment:
    anchor: int | None
    """Index into :attr:`Comments.anchors` of the key or item the comment belongs to; :data:`HEADER`: the
    top of the file; None: its end."""
    inline: bool
    """Written after the value on the key's (or item's) line, rather than on the lines before it."""
    text: str
    """The comment from its ``#``, trailing spaces removed."""


@dataclass(frozen=True)
class Comments:
    """The comments of a file, each tied to the key or list item it belongs to."""

    anchors: tuple[Path_, ...] = ()
    """Every key and list item of the file, in file order."""
    comments: tuple[Comment, ...] = ()


def read_comments(text: str) -> Comments:
    """The comments of a YAML text (already read without problems), tied to keys and items.

    A comment on lines of its own belongs to the key or item that follows it; a comment at the end
    of a line, to the last key or item that starts on that line. The schema line is left out: it is
    written afresh.
    """
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    lines = text.split("\n")
    covered: dict[int, list[tuple[int, int]]] = {}  # line → (start, end) columns inside YAML tokens

    def cover(start: yaml.Mark, end: yaml.Mark) -> None:
        for number in range(start.line, end.line + 1):
            first = start.column if number == start.line else 0
            last = end.column if number == end.line else len(lines[number]) + 1
            covered.setdefault(number, []).append((first, last))

    header_comments: dict[int, int] = {}  # line → column of a comment after a block scalar's "|"
    for token in yaml.scan(text, Loader=LOADER):
        if token.start_mark.index == token.end_mark.index:
            continue
        if isinstance(token, yaml.ScalarToken) and token.style in ("|", ">"):
            line = lines[token.start_mark.line]
            header = re.match(r"[|>][-+0-9]*[ \t]+(#)", line[token.start_mark.column :])
            if header:
                header_comments[token.start_mark.line] = token.start_mark.column + header.start(1)
        cover(token.start_mark, token.end_mark)

    found: list[tuple[int, bool, str]] = []  # (line, inline, text)
    for number, line in enumerate(lines):
        col = header_comments.get(number)
        if col is None:
            col = _comment_column(line, covered.get(number, []))
        if col is not None:
            comment = line[col:].rstrip()
            if not _SCHEMA_COMMENT.match(comment):
                found.append((number, bool(line[:col].strip()), comment))

    anchors: list[tuple[int, Path_]] = []
    node = yaml.compose(text, Loader=LOADER)
    if node is not None:
        _anchors(node, (), anchors)
    starts = [line for line, _ in anchors]
    comments = []
    for number, inline, comment in found:
        if inline:  # the last key or item starting on this line (or before it)
            index = bisect.bisect_right(starts, number) - 1
            anchor = index if index >= 0 else None
            inline = anchor is not None
        elif starts and number < starts[0]:
            anchor = HEADER
        else:  # the first key or item after it; of those on one line, the outermost
            index = bisect.bisect_right(starts, number)
            anchor = index if index < len(anchors) else None
        comments.append(Comment(anchor, inline, comment))
    return Comments(tuple(path for _, path in anchors), tuple(comments))


def _comment_column(line: str, spans: list[tuple[int, int]]) -> int | None:
    """Where a comment starts on ``line``: a ``#`` outside every token, after a space or at the start."""
    start = 0
    while True:
        col = line.find("#", start)
        if col < 0:
            return None
        inside = any(first <= col < last for first, last in spans)
        if not inside and (col == 0 or line[col - 1] in " \t"):
            return col
        start = col + 1


def _anchors(node: yaml.Node, path: Path_, out: list[tuple[int, Path_]]) -> None:
    """Keys and items of block collections (what a flow collection holds sits on its key's line)."""
    if getattr(node, "flow_style", False):
        return
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            here = (*path, unicodedata.normalize("NFC", key.value))
            out.append((key.start_mark.line, here))
            _anchors(value, here, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            here = (*path, i)
            out.append((item.start_mark.line, here))
            _anchors(item, here, out)


# --- writing -------------------------------------------------------------------------------------


def canonical_data(record: BaseModel) -> dict[str, Any]:
    """What a record writes: keys in model order, values equal to their defaults left out."""
    return _empty_fee(record.model_dump(mode="python", exclude_defaults=True))


def _empty_fee(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: {"amount": None} if k == "fee" and v == {} else _empty_fee(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_empty_fee(v) for v in value]
    return value


def render(record: BaseModel, schema_ref: str, comments: Comments | None = None) -> str:
    """The canonical text of ``record``, with ``comments`` put back beside their keys and items."""
    return dump(canonical_data(record), schema_ref, comments)


def dump(data: dict[str, Any], schema_ref: str, comments: Comments | None = None) -> str:
    """The canonical text of plain data (mappings, lists, text, numbers, dates), schema line first."""
    writer = _Writer(data, comments or Comments())
    writer.mapping(data, (), 0)
    lines = [SCHEMA_LINE + schema_ref, *writer.header, *writer.lines, *writer.end]
    return unicodedata.normalize("NFC", "\n".join(lines) + "\n")


class _Writer:
    def __init__(self, data: dict[str, Any], comments: Comments):
        self.lines: list[str] = []
        self.before: dict[Path_, list[str]] = {}
        self.inline: dict[Path_, str] = {}
        self.end: list[str] = []
        present = set(_paths(data, ()))
        anchors = comments.anchors
        self.header: list[str] = []
        for comment in comments.comments:
            index, inline = comment.anchor, comment.inline
            if index == HEADER:
                self.header.append(comment.text)
                continue
            # A key left out (its value is now the default): its comments go with the next one kept.
            while index is not None and anchors[index] not in present:
                index = index + 1 if index + 1 < len(anchors) else None
                inline = False
            if index is None:
                self.end.append(comment.text)
                continue
            path = anchors[index]
            if inline and path not in self.inline and not _is_mapping_item(data, path):
                self.inline[path] = comment.text
            else:
                self.before.setdefault(path, []).append(comment.text)

    def _comments(self, indent: int, *paths: Path_) -> None:
        for path in paths:
            self.lines.extend(" " * indent + text for text in self.before.get(path, ()))

    def _tail(self, path: Path_) -> str:
        text = self.inline.get(path)
        return f"  {text}" if text else ""

    def mapping(self, data: dict[str, Any], path: Path_, indent: int, skip_first: bool = False) -> None:
        for i, (key, value) in enumerate(data.items()):
            if skip_first and i == 0:
                continue
            here = (*path, key)
            self._comments(indent, here)
            self.value(value, here, indent, " " * indent + f"{key}:", key)

    def value(self, value: Any, path: Path_, indent: int, head: str, key: str = "") -> None:
        """``value`` after ``head`` (``key:`` or ``-``): a scalar on the line, a collection below it."""
        if isinstance(value, dict) and value:
            self.lines.append(head + self._tail(path))
            self.mapping(value, path, indent + INDENT)
        elif isinstance(value, list) and value:
            self.lines.append(head + self._tail(path))
            self.sequence(value, path, indent + INDENT)
        elif isinstance(value, str) and _block_ok(value):
            self.lines.append(f"{head} |-{self._tail(path)}")
            pad = " " * (indent + INDENT)
            self.lines.extend(pad + line if line else "" for line in value.split("\n"))
        else:
            self.lines.append(f"{head} {scalar(value, key)}{self._tail(path)}")

    def sequence(self, items: list[Any], path: Path_, indent: int) -> None:
        for i, item in enumerate(items):
            here = (*path, i)
            if isinstance(item, dict) and item:
                first, value = next(iter(item.items()))
                self._comments(indent, here, (*here, first))  # the first key sits on the item's line
                head = " " * indent + f"- {first}:"
                self.value(value, (*here, first), indent + INDENT, head, first)
                self.mapping(item, here, indent + INDENT, skip_first=True)
            else:
                self._comments(indent, here)
                self.value(item, here, indent, " " * indent + "-")


def _paths(value: Any, path: Path_) -> Iterator[Path_]:
    items: Iterable[tuple[str | int, Any]] = (
        value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    )
    for key, item in items:
        yield (*path, key)
        yield from _paths(item, (*path, key))


def _is_mapping_item(data: Any, path: Path_) -> bool:
    """Whether ``path`` is a list item holding a mapping: its line carries its first key's comment."""
    if not path or not isinstance(path[-1], int):
        return False
    for part in path:
        data = data[part]
    return isinstance(data, dict) and bool(data)


def plain_ok(text: str) -> bool:
    """Whether ``text`` reads back as the same string when written unquoted, by any YAML reader."""
    return bool(
        text
        and text == text.strip()
        and text[0] not in INDICATORS
        and ": " not in text
        and " #" not in text
        and not text.endswith(":")
        and not _INVISIBLE.search(text)
        and not _WORDS.match(text)
        and not _NUMBER_OR_DATE.match(text)
    )


def _block_ok(text: str) -> bool:
    """Whether ``text`` (several lines) can stand as a literal block (``|-``) unchanged."""
    lines = text.split("\n")
    return (
        len(lines) > 1
        and bool(lines[0])
        and bool(lines[-1])
        and all(line == line.strip() and not _INVISIBLE.search(line) for line in lines)
    )


def quoted(text: str) -> str:
    """A double-quoted YAML scalar (a JSON string), with every invisible character as an escape."""
    return _INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(text, ensure_ascii=False))


def scalar(value: Any, key: str = "") -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (dict, list)):  # an empty one: a full one is written as a block
        return "{}" if isinstance(value, dict) else "[]"
    text = value.value if isinstance(value, Enum) else str(value)
    if key not in QUOTED_KEYS and plain_ok(text):
        return text
    return quoted(text)


# --- files ---------------------------------------------------------------------------------------


def kind_of(path: Path) -> str:
    """Which model a data file holds, by its name and folder: ``office``, ``fields``, ``province``,
    ``fees``, ``office-profile`` (``offices/<id>.yml``) or ``procedure``."""
    if path.parent.name == OFFICES_FOLDER:
        return "office-profile"
    if path.parent.name == FORMS_FOLDER:
        return "form"
    return TOP_FILES.get(path.name, "procedure")


def schema_ref(path: Path, kind: str) -> str:
    """The schema line's target for ``path``: the nearest ``schema/<kind>.schema.json`` above it, or,
    with none, where the project layout puts it (``procedures/<field>/<code>.yml``, ``procedures/office.yml``,
    ``procedures/offices/<id>.yml``)."""
    name = f"{kind}.schema.json"
    folder = path.absolute().parent
    for above in (folder, *folder.parents):
        if (above / SCHEMA_DIR / name).is_file():
            return os.path.relpath(above / SCHEMA_DIR / name, folder).replace(os.sep, "/")
    return ("../../" if kind in NESTED_KINDS else "../") + f"{SCHEMA_DIR}/{name}"


def format_file(path: Path, kind: str | None = None) -> tuple[str, str]:
    """The file's text and its canonical text; :class:`DataError` if it cannot be read or is not valid
    (a file is formatted only when it loads, so formatting never changes what it means)."""
    kind = kind or kind_of(path)
    problems: list[Problem] = []
    reader = FileReader(path, problems)
    located = reader.read()
    record = None
    if located is not None:
        model = MODELS[kind]
        try:
            record = model.model_validate(located.data)
        except ValidationError as exc:
            for loc, at_key, message in messages.validation_problems(model, exc):
                reader.problem(*located.where(loc, key=at_key), message)
    if record is None:
        raise DataError(problems)
    text = path.read_bytes().decode("utf-8")
    return text, render(record, schema_ref(path, kind), read_comments(text))


def data_files(paths: Iterable[Path]) -> Iterator[Path]:
    """The data files named, and those in the folders named (hidden folders such as ``.portal`` skipped):
    the files at the top, the records, and a province's ``offices/<id>.yml``."""
    for path in paths:
        if path.is_dir():
            offices = path / OFFICES_FOLDER
            yield from sorted(
                [
                    *(path / name for name in TOP_FILES if (path / name).is_file()),
                    *procedure_files(path),
                    *(sorted(offices.glob("*.yml")) if offices.is_dir() else ()),
                    *form_files(path),
                ]
            )
        else:
            yield path


@dataclass
class FormatReport:
    """What ``phieu fmt`` found: files not in the canonical layout (rewritten unless checking), problems."""

    changed: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def format_paths(paths: Iterable[Path], *, check: bool = False) -> FormatReport:
    """Format every data file under ``paths`` in place (only check with ``check``)."""
    report = FormatReport()
    for path in data_files(paths):
        if not path.exists():
            report.problems.append(Problem(str(path), 1, 1, "không tìm thấy tệp hay thư mục"))
            continue
        try:
            old, new = format_file(path)
        except DataError as exc:
            report.problems.extend(exc.problems)
            continue
        if old == new:
            report.unchanged.append(path)
            continue
        report.changed.append(path)
        if not check:
            write_atomic(path, new)
    return report


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a reader sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
