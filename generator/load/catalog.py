"""Load a procedures folder strictly: every file read (``reader``), checked against the model, and
cross-checked (codes, file names, fields, replacements, forms), with every problem at its place.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ..errors import DataError, Problem, display_path
from ..model import FieldInfo, FieldList, Office, Procedure, SharedForm, Status, code_is_valid
from . import messages
from .forms import FORMS_FOLDER, load_forms, unknown_form
from .reader import MAX_DEPTH, MAX_FILE_BYTES, MAX_SCALAR_CHARS, FileReader, Loc, Located, validate

__all__ = [
    "FIELDS_FILE",
    "MAX_DEPTH",
    "MAX_FILES",
    "MAX_FILE_BYTES",
    "MAX_SCALAR_CHARS",
    "OFFICE_FILE",
    "Catalog",
    "load_catalog",
    "load_one",
    "procedure_files",
    "read_procedure",
    "validate",
]

MAX_FILES = 10_000

OFFICE_FILE = "office.yml"
FIELDS_FILE = "fields.yml"
PROVINCE_FILE = "province.yml"
FEES_FILE = "fees.yml"
OFFICES_FOLDER = "offices"
#: Top-level folders that hold other layers' files, not procedure records.
NOT_RECORDS = frozenset({OFFICES_FOLDER, FORMS_FOLDER})
_YAML_SUFFIXES = (".yml", ".yaml")


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
    forms: dict[str, SharedForm] = field(default_factory=dict)
    """The national forms (``forms/<id>.yml``) by id."""

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


def _walk(root: Path) -> Iterator[tuple[Path, bool]]:
    """Every entry under ``root`` outside hidden folders, as (path, is_folder), in path order.

    Symbolic links are listed but never entered: a linked folder or file is not data.
    """
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [name for name in subfolders if not name.startswith(".")]
        base = Path(folder)
        for name in subfolders:
            yield base / name, True
        for name in files:
            if not name.startswith("."):
                yield base / name, False


def procedure_files(root: Path) -> Iterator[Path]:
    """Every procedure file under ``root``: ``.yml`` (or misnamed ``.yaml``) files except office and fields.

    Linked files are included, so that reading them reports them; linked folders are not entered.
    """
    found = [
        path
        for path, is_folder in _walk(root)
        if not is_folder
        and path.suffix in _YAML_SUFFIXES
        and not (path.parent == root and path.name in {OFFICE_FILE, FIELDS_FILE, PROVINCE_FILE, FEES_FILE})
        and path.relative_to(root).parts[0] not in NOT_RECORDS
    ]
    yield from sorted(found)


def _links(root: Path, display_root: Path | None) -> list[Problem]:
    """A linked folder or a linked file that is not read as YAML, each reported where it is."""
    problems = []
    for path, is_folder in _walk(root):
        if not path.is_symlink():
            continue
        shown = str(Path(display_path(path.parent, display_root)) / path.name)
        if is_folder or path.is_dir():
            problems.append(Problem(shown, 1, 1, messages.symlink_folder(path)))
        elif path.suffix not in _YAML_SUFFIXES:
            problems.append(Problem(shown, 1, 1, messages.symlink_file(path)))
    return problems


def load_catalog(root: Path, *, display_root: Path | None = None) -> Catalog:
    """Load and check a single office's procedures folder; raise :class:`DataError` listing every problem.

    Problems name files relative to ``display_root`` (by default the working directory). A province's
    folder (with ``province.yml``) is read by :func:`load_project`, which gives each office's catalog.
    """
    from .project import load_project

    project = load_project(root, display_root=display_root)
    if project.single is None:
        shown = display_path(Path(root) / PROVINCE_FILE, display_root)
        raise DataError(
            [Problem(shown, 1, 1, "dữ liệu của cả tỉnh: chọn một xã, phường (phieu ... --office MÃ)")]
        )
    return project.single


@dataclass(frozen=True)
class National:
    """What every office shares: the fields and the procedure records, checked."""

    fields: tuple[FieldInfo, ...]
    loaded: list[tuple[Procedure, Located, FileReader]]
    named: frozenset[str]
    """The names of every record file, loaded or not: a record with problems of its own is not reported
    again as missing where others refer to it."""
    forms: dict[str, SharedForm] = field(default_factory=dict)
    """The national forms by id."""


def read_national(root: Path, problems: list[Problem], display_root: Path | None) -> National | None:
    """The fields list and every procedure file under ``root``, each checked alone and against the others;
    problems are added to ``problems``."""
    root = Path(root)
    problems += _links(root, display_root)
    field_list = load_one(root / FIELDS_FILE, FieldList, problems, display_root)
    files = list(procedure_files(root))
    if len(files) > MAX_FILES:
        shown = display_path(root, display_root)
        raise DataError([Problem(shown, 1, 1, f"quá nhiều tệp ({len(files):,}); tối đa {MAX_FILES:,}")])

    loaded: list[tuple[Procedure, Located, FileReader]] = []
    for path in files:
        reader = FileReader(path, problems, display_root)
        if path.suffix != ".yml":
            reader.problem(1, 1, f"tệp thủ tục phải có đuôi .yml, không phải '{path.suffix}'")
            continue
        located = reader.read()
        if located is None:
            continue
        procedure = validate(Procedure, located, reader)
        if procedure is not None:
            loaded.append((procedure, located, reader))

    fields: list[FieldInfo] = []
    if field_list is not None:
        fields = _check_fields(field_list, display_path(root / FIELDS_FILE, display_root), problems)
    forms = load_forms(root, problems, display_root)
    _check_procedures(loaded, {f.id for f in fields} if field_list else None, root, forms)
    if field_list is None:
        return None
    return National(
        tuple(sorted(fields, key=lambda f: (f.order, f.id))), loaded, frozenset(p.stem for p in files), forms
    )


def single_office(root: Path, national: National | None, problems: list[Problem], display_root: Path | None):
    """The catalog of a single office's folder (``office.yml`` beside the records)."""
    office = load_one(root / OFFICE_FILE, Office, problems, display_root)
    if problems or office is None or national is None:
        raise DataError(problems)
    return Catalog(
        root=root,
        office=office[0],
        fields=national.fields,
        procedures=tuple(sorted((p for p, _, _ in national.loaded), key=lambda p: p.code)),
        sources={p.code: r.path for p, _, r in national.loaded},
        forms=national.forms,
    )


def read_procedure(path: Path) -> Procedure:
    """One procedure file, read as strictly as the catalog reads it; raise :class:`DataError` if it is wrong."""
    problems: list[Problem] = []
    loaded = load_one(path, Procedure, problems)
    if loaded is None:
        raise DataError(problems)
    return loaded[0]


def load_one(
    path: Path, model: type[BaseModel], problems: list[Problem], display_root: Path | None = None
) -> Any:
    reader = FileReader(path, problems, display_root)
    if not path.is_file() and not path.is_symlink():
        reader.problem(1, 1, f"thiếu tệp {path.name}")
        return None
    located = reader.read()
    if located is None:
        return None
    value = validate(model, located, reader)
    return None if value is None else (value, located)


def _check_fields(loaded: tuple[FieldList, Located], shown: str, problems: list[Problem]) -> list[FieldInfo]:
    field_list, located = loaded
    seen: set[str] = set()
    for i, info in enumerate(field_list.fields):
        if info.id in seen:
            line, col = located.where(("fields", i, "id"))
            problems.append(Problem(shown, line, col, f"mã lĩnh vực '{info.id}' bị trùng"))
        seen.add(info.id)
    return list(field_list.fields)


#: Days an ``updated:`` date may lie ahead of this machine's clock: Vietnam is 7 hours ahead of UTC.
UPDATED_AHEAD_DAYS = 1


def _check_procedures(
    loaded: list[tuple[Procedure, Located, FileReader]],
    field_ids: set[str] | None,
    root: Path,
    shared: dict[str, SharedForm],
) -> None:
    latest = dt.date.today() + dt.timedelta(days=UPDATED_AHEAD_DAYS)
    owner: dict[str, FileReader] = {}  # code → the file that holds it (named after it, if one is)
    for procedure, _, reader in loaded:
        current = owner.get(procedure.code)
        if current is None or (current.path.stem != procedure.code and reader.path.stem == procedure.code):
            owner[procedure.code] = reader
    codes = set(owner)

    for p, located, reader in loaded:

        def report(loc: Loc, message: str, located: Located = located, reader: FileReader = reader) -> None:
            reader.problem(*located.where(loc), message)

        name = reader.path.stem
        first = owner[p.code]
        if first is not reader:
            if name != p.code and code_is_valid(name):
                # A copy of another procedure's file, renamed for a new code that was not typed in.
                report(
                    ("code",),
                    f'mã thủ tục {p.code} đã dùng ở tệp {first.shown}: hãy đổi code: thành "{name}"',
                )
            else:
                report(
                    ("code",),
                    f"mã thủ tục {p.code} đã dùng ở tệp {first.shown}: mỗi thủ tục một tệp; nếu đây là thủ tục "
                    "mới, hãy đổi code: thành mã của nó và đặt tên tệp theo mã đó",
                )
        elif name != p.code:
            if code_is_valid(name):
                report(
                    ("code",),
                    f"mã thủ tục {p.code} khác tên tệp '{reader.path.name}': đổi code: thành \"{name}\", "
                    f"hoặc đổi tên tệp thành '{p.code}.yml'",
                )
            else:
                report(
                    ("code",),
                    f"tên tệp phải là '{p.code}.yml' (theo mã thủ tục), không phải '{reader.path.name}'",
                )
        if field_ids is not None and p.field not in field_ids:
            close = difflib.get_close_matches(p.field, sorted(field_ids), n=1)
            hint = f" (có phải '{close[0]}'?)" if close else ""
            report(("field",), f"lĩnh vực '{p.field}' không có trong fields.yml{hint}")
        elif reader.path.parent != root and reader.path.parent.name != p.field:
            folder = reader.path.parent.name
            report(
                ("field",),
                f"tệp nằm trong thư mục '{folder}' nhưng field là '{p.field}': sửa field: thành '{folder}', "
                f"hoặc chuyển tệp sang thư mục '{p.field}'",
            )
        if p.updated > latest:
            report(
                ("updated",),
                f"ngày cập nhật {p.updated:%d/%m/%Y} chưa tới (hôm nay là {dt.date.today():%d/%m/%Y}); "
                "hãy ghi ngày sửa nội dung, không ghi ngày sẽ áp dụng",
            )
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
        ids: tuple[tuple[str, str, list[str]], ...] = (
            ("trường hợp", "cases", [c.id for c in p.cases]),
            ("mẫu đơn", "forms", [f.id for f in p.forms]),
        )
        for what, key, item_ids in ids:
            seen: set[str] = set()
            for i, item_id in enumerate(item_ids):
                if item_id in seen:
                    report((key, i, "id"), f"mã {what} '{item_id}' bị trùng")
                seen.add(item_id)
        for i, form in enumerate(p.forms):
            if form.id in shared:
                report(
                    ("forms", i, "id"),
                    f"mẫu đơn '{form.id}' là mẫu dùng chung ({FORMS_FOLDER}/{form.id}.yml): bỏ mục này khỏi forms "
                    "của thủ tục, giấy tờ vẫn ghi form: " + form.id,
                )
        form_ids = {f.id for f in p.forms} | set(shared)
        for ci, case in enumerate(p.cases):
            for di, doc in enumerate(case.documents):
                if doc.form is not None and doc.form not in form_ids:
                    report(("cases", ci, "documents", di, "form"), unknown_form(doc.form, shared))
