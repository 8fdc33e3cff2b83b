"""A project: one office's folder, or a whole province's.

A province's folder keeps three layers apart:

- the national records (``<field>/<code>.yml``, the same in every commune) and ``fields.yml``;
- the province's own layer: ``province.yml`` (its publication decision) and ``fees.yml`` (the fees its
  People's Council sets, which replace the national "set by each province" fees);
- one file per office, ``offices/<id>.yml``: address, reception points, hours, counters, the procedures it
  offers, and its own notes and keywords per procedure.

A record names no office and an office file names no national text. Each office is resolved into an
ordinary :class:`Catalog` (its procedures, its ``local`` parts, the province's fees), so every page,
slip and pack is made exactly as for a single office.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .. import urls
from ..errors import DataError, Problem, display_path
from ..model import (
    SLUG_PATTERN,
    Fee,
    FeeTable,
    FieldInfo,
    Local,
    Office,
    OfficeProfile,
    Procedure,
    Province,
    SharedForm,
)
from .catalog import (
    FEES_FILE,
    OFFICE_FILE,
    OFFICES_FOLDER,
    PROVINCE_FILE,
    Catalog,
    load_one,
    read_national,
    single_office,
)
from .reader import FileReader, Located

__all__ = ["OfficeSite", "Project", "load_project"]


@dataclass(frozen=True)
class OfficeSite:
    """One office of a province: its file and its resolved catalog."""

    id: str
    """The file's name without ``.yml``: the office's folder in the site, e.g. ``phuong-cao-lanh``."""
    profile: OfficeProfile
    source: Path
    catalog: Catalog


@dataclass(frozen=True)
class Project:
    """Everything in a procedures folder, checked and cross-referenced across its layers."""

    root: Path
    province: Province | None
    """None for a single office's folder."""
    fee_table: FeeTable | None
    fields: tuple[FieldInfo, ...]
    procedures: tuple[Procedure, ...]
    """Every record, sorted by code; in a province, with the province's fees and no office's parts."""
    sources: dict[str, Path]
    """Procedure code → the YAML file it came from."""
    offices: tuple[OfficeSite, ...]
    """A province's offices, by id; empty for a single office."""
    single: Catalog | None
    """A single office's catalog; None for a province."""

    @property
    def is_province(self) -> bool:
        return self.province is not None

    def catalogs(self) -> list[tuple[str | None, Catalog]]:
        """Every office's catalog with its id (None for a single office's folder)."""
        if self.single is not None:
            return [(None, self.single)]
        return [(o.id, o.catalog) for o in self.offices]

    @cached_property
    def _by_code(self) -> dict[str, Procedure]:
        return {p.code: p for p in self.procedures}

    def procedure(self, code: str) -> Procedure:
        return self._by_code[code]

    def field(self, field_id: str) -> FieldInfo:
        return next(f for f in self.fields if f.id == field_id)

    def office(self, office_id: str) -> OfficeSite:
        for office in self.offices:
            if office.id == office_id:
                return office
        raise KeyError(office_id)

    def offering(self, code: str) -> tuple[OfficeSite, ...]:
        """The offices that handle the procedure ``code``."""
        return tuple(o for o in self.offices if any(p.code == code for p in o.catalog.procedures))


def load_project(root: Path, *, display_root: Path | None = None) -> Project:
    """Load and check a procedures folder, a single office's or a province's; raise :class:`DataError`
    listing every problem of every layer."""
    root = Path(root)
    if not root.is_dir():
        raise DataError([Problem(str(root), 1, 1, "không tìm thấy thư mục thủ tục")])
    problems: list[Problem] = []
    if not (root / PROVINCE_FILE).exists() and not (root / PROVINCE_FILE).is_symlink():
        national = read_national(root, problems, display_root)
        catalog = single_office(root, national, problems, display_root)
        return Project(root, None, None, catalog.fields, catalog.procedures, catalog.sources, (), catalog)
    return _Province(root, problems, display_root).load()


class _Province:
    """Reads a province's folder and cross-checks its layers, collecting every problem."""

    def __init__(self, root: Path, problems: list[Problem], display_root: Path | None):
        self.root = root
        self.problems = problems
        self.display_root = display_root
        self.problems_elsewhere: frozenset[str] | set[str] = frozenset()
        """Codes whose record has problems of its own: references to them are not reported again."""

    def shown(self, path: Path) -> str:
        return display_path(path, self.display_root)

    def load(self) -> Project:
        root = self.root
        national = read_national(root, self.problems, self.display_root)
        province = load_one(root / PROVINCE_FILE, Province, self.problems, self.display_root)
        fees = None
        if (root / FEES_FILE).exists() or (root / FEES_FILE).is_symlink():
            fees = load_one(root / FEES_FILE, FeeTable, self.problems, self.display_root)
        if (root / OFFICE_FILE).exists():
            self.problems.append(
                Problem(
                    self.shown(root / OFFICE_FILE),
                    1,
                    1,
                    f"dữ liệu của cả tỉnh (có {PROVINCE_FILE}) không dùng {OFFICE_FILE}: thông tin của mỗi xã, "
                    f"phường ghi trong {OFFICES_FOLDER}/<mã>.yml",
                )
            )
        loaded = national.loaded if national is not None else []
        for procedure, located, reader in loaded:
            if procedure.local != Local():
                reader.problem(
                    *located.where(("local",), key=True),
                    f"dữ liệu của cả tỉnh: phần 'local' (quầy, lưu ý, từ khóa của một xã, phường) ghi trong "
                    f"{OFFICES_FOLDER}/<mã>.yml, mục procedures, không ghi trong hồ sơ thủ tục",
                )
        records = {p.code: p for p, _, _ in loaded}
        if national is not None and len(records) < len(national.named):
            self.problems_elsewhere = national.named - set(records)
        offices = self.offices(records, {f.id for f in national.fields} if national else set())
        if fees is not None:
            self.check_fees(fees, records)
        if province is not None and province[0].former_site is not None:
            ids = [o[0] for o in offices]
            if province[0].former_site not in ids:
                line, col = province[1].where(("former_site",))
                self.problems.append(
                    Problem(
                        self.shown(root / PROVINCE_FILE),
                        line,
                        col,
                        f"không có xã, phường '{province[0].former_site}' trong {OFFICES_FOLDER}/"
                        + _did_you_mean(province[0].former_site, ids),
                    )
                )
        if self.problems or national is None or province is None:
            raise DataError(self.problems)

        table = fees[0] if fees is not None else None
        procedures = tuple(sorted((_with_fees(p, table) for p in records.values()), key=lambda p: p.code))
        sources = {p.code: r.path for p, _, r in loaded}
        sites = tuple(
            OfficeSite(
                office_id,
                profile,
                path,
                _office_catalog(
                    root,
                    province[0],
                    office_id,
                    profile,
                    procedures,
                    national.fields,
                    sources,
                    national.forms,
                ),
            )
            for office_id, profile, path in offices
        )
        return Project(root, province[0], table, national.fields, procedures, sources, sites, None)

    def offices(
        self, records: dict[str, Procedure], field_ids: set[str]
    ) -> list[tuple[str, OfficeProfile, Path]]:
        folder = self.root / OFFICES_FOLDER
        if not folder.is_dir():
            self.problems.append(
                Problem(
                    self.shown(folder),
                    1,
                    1,
                    f"thiếu thư mục {OFFICES_FOLDER}/: mỗi xã, phường một tệp {OFFICES_FOLDER}/<mã>.yml",
                )
            )
            return []
        found: list[tuple[str, OfficeProfile, Path]] = []
        for path in sorted(folder.iterdir()):
            if path.name.startswith(".") or path.is_dir():
                continue
            reader = FileReader(path, self.problems, self.display_root)
            if path.suffix != ".yml":
                reader.problem(1, 1, f"tệp xã, phường phải có đuôi .yml, không phải '{path.suffix}'")
                continue
            office_id = path.stem
            if re.fullmatch(SLUG_PATTERN, office_id) is None:
                reader.problem(
                    1,
                    1,
                    f"tên tệp '{path.name}' dùng làm đường dẫn trang của xã, phường: chỉ dùng chữ thường không "
                    "dấu, số và dấu gạch ngang, ví dụ 'phuong-cao-lanh.yml'",
                )
                continue
            if office_id in urls.RESERVED_OFFICE_IDS:
                reader.problem(
                    1, 1, f"tên tệp '{path.name}' trùng đường dẫn dành riêng của trang tỉnh; hãy đổi tên"
                )
                continue
            loaded = load_one(path, OfficeProfile, self.problems, self.display_root)
            if loaded is None:
                continue
            profile, located = loaded
            self.check_office(profile, located, reader, records, field_ids)
            taken = {other.name: other_id for other_id, other, _ in found}
            if profile.name in taken:
                line, col = located.where(("name",))
                reader.problem(
                    line,
                    col,
                    f"tên '{profile.name}' đã dùng ở {OFFICES_FOLDER}/{taken[profile.name]}.yml: mỗi xã, phường "
                    "một tệp, mỗi tệp một tên (người dân chọn xã, phường theo tên)",
                )
            found.append((office_id, profile, path))
        if not found and not self.problems:
            self.problems.append(
                Problem(self.shown(folder), 1, 1, f"thư mục {OFFICES_FOLDER}/ chưa có tệp xã, phường nào")
            )
        return found

    def check_office(
        self,
        profile: OfficeProfile,
        located: Located,
        reader: FileReader,
        records: dict[str, Procedure],
        field_ids: set[str],
    ) -> None:
        codes = sorted(records)
        offered = set(profile.offers) if profile.offers is not None else set(codes)
        seen: set[str] = set()
        for i, code in enumerate(profile.offers or []):
            if code in self.problems_elsewhere:
                continue
            if code not in records:
                reader.problem(
                    *located.where(("offers", i)),
                    f"thủ tục {code} không có trong dữ liệu" + _did_you_mean(code, codes),
                )
            elif code in seen:
                reader.problem(*located.where(("offers", i)), f"thủ tục {code} ghi hai lần trong offers")
            else:
                replacement = records[code].replaced_by
                if replacement is not None and replacement not in offered:
                    reader.problem(
                        *located.where(("offers", i)),
                        f"thủ tục {code} đã được thay bằng {replacement}: thêm {replacement} vào offers "
                        "(trang của thủ tục cũ dẫn tới thủ tục mới)",
                    )
            seen.add(code)
        own: set[str] = set()
        for i, entry in enumerate(profile.procedures):
            if entry.code in self.problems_elsewhere:
                continue
            if entry.code not in records:
                reader.problem(
                    *located.where(("procedures", i, "code")),
                    f"thủ tục {entry.code} không có trong dữ liệu" + _did_you_mean(entry.code, codes),
                )
            elif entry.code not in offered:
                reader.problem(
                    *located.where(("procedures", i, "code")),
                    f"thủ tục {entry.code} không có trong offers của xã, phường này: thêm vào offers, "
                    "hoặc xóa mục này",
                )
            elif entry.code in own:
                reader.problem(
                    *located.where(("procedures", i, "code")),
                    f"thủ tục {entry.code} ghi hai lần trong procedures: gộp lại thành một mục",
                )
            own.add(entry.code)
        for key, what, names in (
            ("reception", "điểm tiếp nhận", [r.name for r in profile.reception]),
            ("former", "xã, phường cũ", profile.former),
        ):
            listed: set[str] = set()
            for i, name in enumerate(names):
                if name in listed:
                    loc = (key, i, "name") if key == "reception" else (key, i)
                    reader.problem(*located.where(loc), f"{what} '{name}' ghi hai lần trong {key}")
                listed.add(name)
        counted: set[str] = set()
        for i, counter in enumerate(profile.counters):
            if counter.field not in field_ids:
                reader.problem(
                    *located.where(("counters", i, "field")),
                    f"lĩnh vực '{counter.field}' không có trong fields.yml"
                    + _did_you_mean(counter.field, sorted(field_ids)),
                )
            elif counter.field in counted:
                reader.problem(
                    *located.where(("counters", i, "field")),
                    f"lĩnh vực '{counter.field}' ghi hai lần trong counters",
                )
            counted.add(counter.field)

    def check_fees(self, fees: tuple[FeeTable, Located], records: dict[str, Procedure]) -> None:
        table, located = fees
        reader = FileReader(self.root / FEES_FILE, self.problems, self.display_root)
        codes = sorted(records)
        seen: set[tuple[str, str]] = set()
        for i, entry in enumerate(table.fees):
            procedure = records.get(entry.code)
            if entry.code in self.problems_elsewhere:
                continue
            if procedure is None:
                reader.problem(
                    *located.where(("fees", i, "code")),
                    f"thủ tục {entry.code} không có trong dữ liệu" + _did_you_mean(entry.code, codes),
                )
                continue
            cases = {c.id: c for c in procedure.cases}
            case = cases.get(entry.case)
            if case is None:
                reader.problem(
                    *located.where(("fees", i, "case")),
                    f"thủ tục {entry.code} không có trường hợp '{entry.case}'"
                    + _did_you_mean(entry.case, sorted(cases), every=True),
                )
                continue
            if not case.fee.varies_by_province:
                reader.problem(
                    *located.where(("fees", i, "case")),
                    f"lệ phí của {entry.code}, trường hợp '{entry.case}' do trung ương quy định (hồ sơ thủ tục không "
                    "ghi varies_by_province: true): không ghi trong bảng lệ phí của tỉnh",
                )
            if (entry.code, entry.case) in seen:
                reader.problem(
                    *located.where(("fees", i, "case")),
                    f"lệ phí của {entry.code}, trường hợp '{entry.case}' ghi hai lần",
                )
            seen.add((entry.code, entry.case))
            if not entry.fee.basis:
                reader.problem(
                    *located.where(("fees", i, "fee")),
                    "lệ phí của tỉnh cần căn cứ: ghi điều, khoản của nghị quyết trong basis",
                )


def _did_you_mean(value: str, choices: list[str], *, every: bool = False) -> str:
    close = difflib.get_close_matches(value, choices, n=1)
    if close:
        return f" (có phải '{close[0]}'?)"
    if every and choices:
        return f" (các trường hợp: {', '.join(choices)})"
    return ""


def _with_fees(procedure: Procedure, table: FeeTable | None) -> Procedure:
    """The record with the province's fee in place of each "set by each province" fee it has one for.

    The province's amount, text and ``verified`` replace the record's; the exemptions the law grants
    everywhere (Luật Hộ tịch, Điều 11) stay unless the province lists its own, and so do the record's
    sources, after the province's (its resolution first).
    """
    if table is None:
        return procedure
    own = {e.case: e.fee for e in table.fees if e.code == procedure.code}
    if not own:
        return procedure

    def merged(national: Fee, province: Fee) -> Fee:
        basis = [*province.basis, *(b for b in national.basis if b not in province.basis)]
        return province.model_copy(
            update={"exemptions": province.exemptions or national.exemptions, "basis": basis}
        )

    cases = [
        case.model_copy(update={"fee": merged(case.fee, own[case.id])}) if case.id in own else case
        for case in procedure.cases
    ]
    return procedure.model_copy(update={"cases": cases})


def _office_catalog(
    root: Path,
    province: Province,
    office_id: str,
    profile: OfficeProfile,
    procedures: tuple[Procedure, ...],
    fields: tuple[FieldInfo, ...],
    sources: dict[str, Path],
    forms: dict[str, SharedForm],
) -> Catalog:
    """One office's view: the procedures it offers, with its own parts, as a single office's catalog."""
    offered = set(profile.offers) if profile.offers is not None else {p.code for p in procedures}
    counters = {c.field: c.counter for c in profile.counters}
    own = {entry.code: entry for entry in profile.procedures}

    def local(procedure: Procedure) -> Local:
        entry = own.get(procedure.code)
        return Local(
            counter=(entry.counter if entry else None) or counters.get(procedure.field),
            notes=entry.notes if entry else [],
            keywords=entry.keywords if entry else [],
            same_visit=entry.same_visit if entry else None,
        )

    office = Office.model_validate(
        {
            "name": profile.name,
            "unit": profile.unit,
            "province": province.name,
            "address": profile.address,
            "hours": profile.hours,
            "phone": profile.phone,
            "site_url": urls.office_site_url(province.site_url, office_id),
            "reception": [r.model_dump() for r in profile.reception],
            "former": profile.former,
        }
    )
    mine = tuple(p.model_copy(update={"local": local(p)}) for p in procedures if p.code in offered)
    return Catalog(
        root=root,
        office=office,
        fields=fields,
        procedures=mine,
        sources={p.code: sources[p.code] for p in mine},
        forms=forms,
    )
