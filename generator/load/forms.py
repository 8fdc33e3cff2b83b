"""Load the national forms, ``procedures/forms/<id>.yml``: each file read as strictly as a procedure,
checked against the model and within itself (ids, conditions, footnotes, columns), every problem at its
place. A procedure's document names a form with ``form: <id>``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from pathlib import Path

from ..errors import Problem
from ..model import FormInput, InputKind, SharedForm
from .reader import FileReader, Located, validate

__all__ = ["FORMS_FOLDER", "form_files", "load_forms", "unknown_form"]

FORMS_FOLDER = "forms"
"""The folder of national forms inside the procedures folder."""
MAX_FORMS = 500


def form_files(root: Path) -> list[Path]:
    """The form files of a procedures folder (``.yml``, and misnamed ``.yaml`` so that reading reports them)."""
    folder = root / FORMS_FOLDER
    if not folder.is_dir() or folder.is_symlink():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".yml", ".yaml") and not p.name.startswith("."))


def load_forms(
    root: Path, problems: list[Problem], display_root: Path | None = None
) -> dict[str, SharedForm]:
    """Every national form under ``root``, by id; each problem is added to ``problems``."""
    forms: dict[str, SharedForm] = {}
    files = form_files(root)
    if len(files) > MAX_FORMS:
        FileReader(root / FORMS_FOLDER, problems, display_root).problem(
            1, 1, f"quá nhiều mẫu ({len(files):,}); tối đa {MAX_FORMS:,}"
        )
        return forms
    for path in files:
        reader = FileReader(path, problems, display_root)
        if path.suffix != ".yml":
            reader.problem(1, 1, f"tệp mẫu phải có đuôi .yml, không phải '{path.suffix}'")
            continue
        located = reader.read()
        if located is None:
            continue
        form = validate(SharedForm, located, reader)
        if form is None:
            continue
        if _checked(form, located, reader):
            forms[form.id] = form
    return forms


def unknown_form(form_id: str, shared: dict[str, SharedForm]) -> str:
    """What to say when a document names a form that neither its procedure nor ``forms/`` has."""
    if not shared:
        return f"mẫu đơn '{form_id}' không có trong mục forms"
    close = difflib.get_close_matches(form_id, sorted(shared), n=1)
    hint = f" (có phải '{close[0]}'?)" if close else ""
    return f"mẫu đơn '{form_id}' không có trong mục forms của thủ tục hay thư mục {FORMS_FOLDER}/{hint}"


def _checked(form: SharedForm, located: Located, reader: FileReader) -> bool:
    """Report what the model alone cannot see; True if the form is usable."""
    before = len(reader.problems)

    def report(loc: tuple[str | int, ...], message: str) -> None:
        reader.problem(*located.where(loc), message)

    stem = reader.path.stem
    if form.id != stem:
        report(
            ("id",),
            f"mã mẫu '{form.id}' khác tên tệp '{reader.path.name}': đổi id: thành \"{stem}\", "
            f"hoặc đổi tên tệp thành '{form.id}.yml'",
        )
    marks = [n.mark for n in form.notes]
    for i, mark in enumerate(marks):
        if mark in marks[:i]:
            report(("notes", i, "mark"), f"chú thích ({mark}) bị trùng")
    seen: dict[str, tuple[int, int]] = {}
    used_marks: set[str] = set()
    for si, section in enumerate(form.sections):
        base = ("sections", si)
        if section.beside:
            previous = form.sections[si - 1] if si else None
            if previous is None or previous.beside:
                report((*base, "beside"), "phần in thành cột (beside: true) phải đứng sau một phần thường")
            elif [i.label for i in previous.inputs] != [i.label for i in section.inputs]:
                report(
                    (*base, "inputs"),
                    "phần in thành cột (beside: true) phải có đúng các ô (label) như phần trước, cùng thứ tự",
                )
        for ii, item in enumerate(section.inputs):
            here = (*base, "inputs", ii)
            if item.id in seen:
                report((*here, "id"), f"mã ô '{item.id}' bị trùng (đã có ở dòng {seen[item.id][0]})")
            if item.inline and ii == 0:
                report((*here, "inline"), "ô đầu tiên của một phần không in cùng dòng với ô trước (inline)")
            if not item.printed and item.kind is not InputKind.choice:
                report(
                    (*here, "printed"), "chỉ ô chọn (kind: choice) mới là câu hỏi không in (printed: false)"
                )
            wrong = _sample_problem(item)
            if wrong:
                report((*here, "options" if wrong.startswith("ô chọn") else "sample"), wrong)
            if item.note is not None:
                used_marks.add(item.note)
                if item.note not in marks:
                    report((*here, "note"), f"chú thích ({item.note}) không có trong mục notes")
            if item.when is not None:
                _check_condition(
                    form, item.id, item.when.field, item.when.equals, seen, (*here, "when"), report
                )
            seen.setdefault(item.id, located.where((*here, "id")))
    for i, mark in enumerate(marks):
        if mark not in used_marks:
            report(
                ("notes", i, "mark"), f'chú thích ({mark}) không gắn với ô nào (ghi note: "{mark}" ở ô đó)'
            )
    return len(reader.problems) == before


_DAY = re.compile(r"([0-9]{2})/([0-9]{2})/([0-9]{4})")


def _sample_problem(item: FormInput) -> str | None:
    """What is wrong with an input's options or sample for its kind, or None."""
    if item.kind is InputKind.choice:
        if len(item.options) < 2:
            return "ô chọn (kind: choice) cần ít nhất 2 lựa chọn (options)"
        if item.sample not in item.options:
            return f"giá trị mẫu '{item.sample}' không có trong các lựa chọn: {', '.join(item.options)}"
        return None
    if item.options:
        return "chỉ ô chọn (kind: choice) mới có options"
    if item.kind is InputKind.date:
        day = _DAY.fullmatch(item.sample)
        try:
            real = day is not None and bool(dt.date(int(day[3]), int(day[2]), int(day[1])))
        except ValueError:
            real = False
        if not real:
            return f"giá trị mẫu của ô ngày phải là một ngày có thật, dạng 05/10/2026 (nhận được '{item.sample}')"
    if item.kind is InputKind.year and not re.fullmatch(r"[0-9]{4}", item.sample):
        return f"giá trị mẫu của ô năm phải là 4 chữ số, ví dụ 1996 (nhận được '{item.sample}')"
    if item.kind is InputKind.number and not re.fullmatch(r"[0-9]{1,3}", item.sample):
        return f"giá trị mẫu của ô số lượng phải là chữ số, ví dụ 02 (nhận được '{item.sample}')"
    return None


def _check_condition(form, own, field, equals, seen, loc, report) -> None:
    """A condition names a choice above the input, and one of that choice's options."""
    by_id = {i.id: i for i in form.inputs}
    target = by_id.get(field)
    if field == own:
        report((*loc, "field"), "ô không thể phụ thuộc vào chính nó")
    elif target is None:
        close = difflib.get_close_matches(field, sorted(by_id), n=1)
        hint = f" (có phải '{close[0]}'?)" if close else ""
        report((*loc, "field"), f"không có ô '{field}' trong mẫu{hint}")
    elif field not in seen:
        report((*loc, "field"), f"ô '{field}' phải đứng phía trên ô này")
    elif target.kind is not InputKind.choice:
        report((*loc, "field"), f"ô '{field}' không phải ô chọn (kind: choice)")
    elif equals not in target.options:
        report(
            (*loc, "equals"),
            f"'{equals}' không có trong các lựa chọn của ô '{field}': {', '.join(target.options)}",
        )
