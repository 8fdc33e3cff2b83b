"""``phieu diff BASE``: what changed for citizens, and which printed paper is now wrong.

BASE is a git ref (the procedures folder is read at that commit with ``git
ls-tree``/``git cat-file`` into a temporary folder and loaded like the working
tree) or the path of a published ``manifest.json``.

Procedures are matched by code:

* **added**: the code is new; **withdrawn**: its file is gone;
* **changed**: the record differs; the report names the parts (documents,
  fees, time, steps, forms, …);
* **status**: it became abolished or replaced (or back in force);
* **renamed**: a code disappeared and another appeared, and either
  ``redirects.yml`` declares ``old → new``, or (detected) both have the same
  name, after folding case, diacritics and spaces, and the same field, and
  the pair is unique. A detected rename without a declared redirect is
  reported with a warning: the build will fail until it is declared.

The reprint list compares what is *printed*: a slip's content version is the
hash of :func:`text.printed_payload`, so a change in, say, the legal basis
(not printed) does not call for a reprint.

In a province's folder the records are compared as the province publishes them (with its fee table), and
each office's slips as that office prints them: each change names the offices it reaches, and the reprint
list is per office. A national record's change puts its slip on the list of every office that offers it; a
change to the fee table, on the list of every office offering that procedure; a change to one office's
file (phone, address, hours, counters, its own parts of a procedure), on that office's list only.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .. import urls
from ..digest import digest
from ..errors import DataError, PhieuError
from ..load import Catalog, Project, load_project
from ..load.catalog import OFFICES_FOLDER
from ..model import Office, Procedure
from ..publish.impose import LAYOUTS
from ..publish.redirects import REDIRECTS_FILE, load_redirects
from ..render import text

REPRINT_PACK = urls.REPRINT_PACK

PART_LABELS = {
    "name": "tên thủ tục",
    "field": "lĩnh vực",
    "level": "cấp thực hiện",
    "status": "tình trạng hiệu lực",
    "summary": "giới thiệu",
    "who": "đối tượng",
    "agency": "cơ quan thực hiện",
    "result": "kết quả",
    "steps": "trình tự",
    "channels": "cách thức thực hiện",
    "cases": "trường hợp",
    "documents": "thành phần hồ sơ",
    "fees": "phí, lệ phí",
    "time": "thời hạn",
    "forms": "mẫu đơn",
    "requirements": "yêu cầu, điều kiện",
    "legal_basis": "căn cứ pháp lý",
    "national_url": "liên kết Cổng Dịch vụ công",
    "updated": "ngày cập nhật",
    "verified": "ngày đối chiếu",
    "local": "phần riêng của cơ quan (quầy, lưu ý, từ khóa, không hẹn)",
    "content": "nội dung",
}
STATUS_NAMES = {"in_force": "còn hiệu lực", "abolished": "bãi bỏ", "replaced": "được thay thế"}
REASONS = {
    "added": "thủ tục mới",
    "changed": "nội dung in thay đổi",
    "renamed": "đổi mã",
    "status": "đổi tình trạng hiệu lực",
    "office": "thông tin cơ quan thay đổi",
}


# --- snapshots: what each side says ----------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One procedure as the comparison sees it."""

    code: str
    name: str
    field: str
    status: str
    replaced_by: str | None
    updated: str
    content_hash: str
    """Hash of the whole record."""
    version: str
    """Content version of the printed slip (hash of what is printed)."""
    parts: dict[str, str] | None = None
    """Part name → hash; None when the side is a manifest (parts are not known)."""


@dataclass
class Snapshot:
    label: str
    entries: dict[str, Entry]
    fields: dict[str, str]
    """Field id → hash of its printed identity (None values when unknown)."""
    office: str | None
    """Hash of the printed office details and site URL; None when unknown (manifest)."""
    posters: dict[str, str] | None = None
    """Field id → hash of what its poster prints (:func:`text.poster_payload`); None when unknown (manifest)."""


def procedure_parts(p: Procedure) -> dict[str, str]:
    """The record split into the parts a reviewer thinks in, each hashed."""
    d = p.model_dump(mode="json")
    cases = d.pop("cases", [])
    channels = d.pop("channels", [])
    d.pop("code", None)
    parts: dict[str, object] = {
        "status": [d.pop("status", None), d.pop("replaced_by", None), d.pop("status_note", None)],
        "documents": [c.get("documents") for c in cases],
        "fees": [c.get("fee") for c in cases] + [ch.get("fee") for ch in channels],
        "time": [c.get("time") for c in cases] + [ch.get("time") for ch in channels],
        "cases": [{k: v for k, v in c.items() if k not in ("documents", "fee", "time")} for c in cases],
        "channels": [{k: v for k, v in ch.items() if k not in ("fee", "time")} for ch in channels],
    }
    parts.update(d)  # every other top-level key is a part of its own
    return {key: digest(value) for key, value in parts.items()}


def snapshot_from_catalog(catalog: Catalog, label: str, site_url: str | None = None) -> Snapshot:
    office = catalog.office
    site_url = site_url or office.site_url
    fields = {f.id: f for f in catalog.fields}
    entries = {}
    for p in catalog.procedures:
        entries[p.code] = Entry(
            code=p.code,
            name=p.name,
            field=p.field,
            status=p.status.value,
            replaced_by=p.replaced_by,
            updated=p.updated.isoformat(),
            content_hash=p.content_hash,
            version=text.content_version(p, office, fields[p.field], site_url),
            parts=procedure_parts(p),
        )
    printed_office = office.model_dump(mode="json", exclude={"site_url"})
    return Snapshot(
        label=label,
        entries=entries,
        fields={f.id: digest([f.name, f.description]) for f in catalog.fields},
        office=digest([printed_office, site_url]),
        posters={
            f.id: digest(text.poster_payload(f, catalog.in_field(f.id), office, site_url))
            for f in catalog.fields
        },
    )


#: The office a province's records are printed for when compared as the province publishes them: the same
#: on both sides, so only what the records print counts.
NEUTRAL_OFFICE = Office(
    name="-",
    unit="-",
    province="-",
    address="-",
    hours=["-"],
    phone="000",
    site_url="https://phieu.invalid/",
)


@dataclass
class Side:
    """One side of the comparison: every office's snapshot, by id (None: a single office's folder)."""

    label: str
    offices: dict[str | None, Snapshot]
    names: dict[str | None, str] = field(default_factory=dict)
    """The offices' names, by id."""
    national: Snapshot | None = None
    """A province's records as it publishes them (None for a single office, or from a manifest)."""
    site_urls: dict[str | None, str] = field(default_factory=dict)
    """From a manifest: the address each office's versions were made with."""

    @property
    def is_province(self) -> bool:
        return None not in self.offices


def side_of_project(project: Project, label: str, site_urls: dict[str | None, str] | None = None) -> Side:
    site_urls = site_urls or {}
    catalogs = project.catalogs()
    offices = {key: snapshot_from_catalog(c, label, site_urls.get(key)) for key, c in catalogs}
    national = None
    if project.is_province:
        national_catalog = Catalog(
            project.root, NEUTRAL_OFFICE, project.fields, project.procedures, project.sources
        )
        national = snapshot_from_catalog(national_catalog, label)
    names: dict[str | None, str] = {o.id: o.profile.name for o in project.offices}
    return Side(label, offices, names or {None: catalogs[0][1].office.name}, national)


def snapshot_from_manifest(path: Path) -> Side:
    """A published ``manifest.json``: a single office's, or a province's (every office's slips)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        grouped: dict[str | None, dict[str, Entry]] = {}
        for e in data["procedures"]:
            grouped.setdefault(e.get("office"), {})[e["code"]] = Entry(
                code=e["code"],
                name=e["title"],
                field=e["field"],
                status=e.get("status", "in_force"),
                replaced_by=e.get("replaced_by"),
                updated=e.get("updated", ""),
                content_hash=e["content_hash"],
                version=e["version"],
            )
        offices = {o["office"]: o for o in data.get("offices", [])}
        if offices:
            grouped = {key: grouped.get(key, {}) for key in offices}
        site_urls = {key: o["site_url"] for key, o in offices.items()}
        if not offices and data.get("site_url"):
            site_urls[None] = data["site_url"]
        names = {key: o.get("name", key) for key, o in offices.items()}
        # Every field has its poster, even one without procedures at an office: the print list names them.
        posters: dict[str | None, set[str]] = {}
        for e in data.get("print", []):
            office = e.get("office")
            found = urls.parse(e["path"].removeprefix(urls.office_home(office)) if office else e["path"])
            if found is not None and found[0] == "poster":
                posters.setdefault(office, set()).add(found[1])
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise PhieuError(f"không đọc được manifest {path}: {exc}") from exc
    snapshots = {
        key: Snapshot(
            label=str(path),
            entries=entries,
            fields=dict.fromkeys(sorted({e.field for e in entries.values()} | posters.get(key, set())), ""),
            office=None,
        )
        for key, entries in (grouped or {None: {}}).items()
    }
    return Side(str(path), snapshots, names, None, site_urls)


def _git(args: list[str], cwd: Path, data: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, input=data, capture_output=True, check=True, timeout=120
        )
    except FileNotFoundError as exc:
        raise PhieuError("không tìm thấy lệnh git") from exc
    except subprocess.CalledProcessError as exc:
        message = exc.stderr.decode(errors="replace").strip()
        raise PhieuError(f"git {' '.join(args[:2])} thất bại: {message}") from exc
    return done.stdout


def checkout_procedures(ref: str, procedures: Path, dest: Path) -> Path | None:
    """Write the procedures folder as it is at ``ref`` into ``dest``; None if it did not exist."""
    procedures = procedures.resolve()
    top = Path(_git(["rev-parse", "--show-toplevel"], procedures).decode().strip())
    prefix = procedures.relative_to(top.resolve()).as_posix()
    try:
        _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], top)
    except PhieuError as exc:
        raise PhieuError(
            f"không tìm thấy phiên bản git '{ref}' (trong GitHub Actions cần "
            "actions/checkout với fetch-depth: 0)"
        ) from exc
    listing = _git(["ls-tree", "-r", "-z", "--full-tree", ref, "--", prefix], top)
    blobs: list[tuple[str, str]] = []
    for item in listing.split(b"\0"):
        if not item:
            continue
        meta, path = item.decode().split("\t", 1)
        mode, kind, sha = meta.split()
        if kind == "blob" and mode != "120000":  # no symlinks out of the tree
            blobs.append((sha, path))
    if not blobs:
        return None
    out = _git(["cat-file", "--batch"], top, "".join(f"{sha}\n" for sha, _ in blobs).encode())
    root = dest / "procedures"
    pos = 0
    for _sha, path in blobs:
        header_end = out.index(b"\n", pos)
        size = int(out[pos:header_end].split()[2])
        content = out[header_end + 1 : header_end + 1 + size]
        pos = header_end + 1 + size + 1
        relative = Path(path).relative_to(prefix)
        target = (root / relative).resolve()
        if not target.is_relative_to(root.resolve()):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return root


def side_at(base: str, procedures: Path) -> Side:
    """The base side: a manifest file, or the procedures folder at a git ref."""
    path = Path(base)
    if base.endswith(".json") and path.is_file():
        return snapshot_from_manifest(path)
    with tempfile.TemporaryDirectory(prefix="phieu-diff-") as tmp:
        root = checkout_procedures(base, procedures, Path(tmp))
        if root is None:
            return Side(base, {None: _empty(base)})
        try:  # error paths read procedures/…, as in the repository
            project = load_project(root, display_root=Path(tmp))
        except DataError as exc:
            raise PhieuError(f"dữ liệu thủ tục ở '{base}' có lỗi:\n{exc}") from exc
        return side_of_project(project, base)


def _empty(label: str) -> Snapshot:
    return Snapshot(label=label, entries={}, fields={}, office=None)


# --- the comparison ---------------------------------------------------------------------------


@dataclass
class Report:
    base: str
    head: str
    added: list[dict] = field(default_factory=list)
    changed: list[dict] = field(default_factory=list)
    status: list[dict] = field(default_factory=list)
    renamed: list[dict] = field(default_factory=list)
    withdrawn: list[dict] = field(default_factory=list)
    office_changed: bool = False
    fields_changed: list[str] = field(default_factory=list)
    reprint: dict[str, list[dict]] = field(
        default_factory=lambda: {
            "slips": [],
            "posters": [],
            "tents": [],
            "packs": [],
            "imposed": [],
            "withdraw": [],
        }
    )
    reprint_pack: str | None = None
    warnings: list[str] = field(default_factory=list)
    offices: list[dict] = field(default_factory=list)
    """A province: each office's own changes and reprint list (:func:`_office_entry`); the lists above are
    then the records as the province publishes them, each item naming the ``offices`` it reaches."""

    @property
    def empty(self) -> bool:
        return (
            not (self.added or self.changed or self.status or self.renamed or self.withdrawn)
            and not any(self.reprint.values())
            and not any(_office_has_changes(o) for o in self.offices)
        )

    @property
    def packs(self) -> list[str]:
        """The reprint packs written into the site (site paths)."""
        if not self.offices:
            return [self.reprint_pack] if self.reprint_pack else []
        return [o["home"] + o["reprint_pack"] for o in self.offices if o["reprint_pack"]]

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2)


def _norm_name(name: str) -> str:
    return " ".join(text.fold(name).split())


def _changed_parts(old: Entry, new: Entry) -> list[str]:
    if old.parts is None or new.parts is None:
        return ["content"] if old.content_hash != new.content_hash else []
    keys = sorted(set(old.parts) | set(new.parts), key=lambda k: (k not in PART_LABELS, k))
    order = list(PART_LABELS)
    keys.sort(key=lambda k: order.index(k) if k in order else len(order))
    return [k for k in keys if old.parts.get(k) != new.parts.get(k)]


def _brief(e: Entry) -> dict:
    return {"code": e.code, "name": e.name, "field": e.field, "status": e.status}


def compare(
    base: Snapshot,
    head: Snapshot,
    *,
    redirects: dict[str, str] | None = None,
    pack_sizes: Iterable[str] = ("A5",),
) -> Report:
    redirects = redirects or {}
    report = Report(base=base.label, head=head.label)
    gone = sorted(set(base.entries) - set(head.entries))
    new = sorted(set(head.entries) - set(base.entries))

    # Renames: declared first, then detected by same folded name and same field (unique pairs).
    renames: dict[str, tuple[str, bool]] = {}
    for old in gone:
        target = redirects.get(old)
        if target in new and target not in {t for t, _ in renames.values()}:
            renames[old] = (target, True)
    for old in gone:
        if old in renames:
            continue
        o = base.entries[old]
        taken = {t for t, _ in renames.values()}
        candidates = [
            c
            for c in new
            if c not in taken
            and head.entries[c].field == o.field
            and _norm_name(head.entries[c].name) == _norm_name(o.name)
        ]
        rivals = [
            g
            for g in gone
            if g not in renames
            and base.entries[g].field == o.field
            and _norm_name(base.entries[g].name) == _norm_name(o.name)
        ]
        if len(candidates) == 1 and len(rivals) == 1:
            renames[old] = (candidates[0], False)

    renamed_to = {t for t, _ in renames.values()}
    for code in new:
        if code not in renamed_to:
            report.added.append(_brief(head.entries[code]))
    for old in gone:
        o = base.entries[old]
        if old in renames:
            target, declared = renames[old]
            n = head.entries[target]
            parts = [k for k in _changed_parts(o, n) if k != "name"]
            report.renamed.append(
                {"from": old, "to": target, "name": n.name, "declared": declared, "parts": parts}
            )
            if not declared:
                report.warnings.append(
                    f"{old} → {target}: chưa khai báo chuyển hướng trong {REDIRECTS_FILE}; "
                    f'hãy thêm dòng `"{old}": "{target}"` vào mục `procedures:`, nếu không '
                    "bản dựng sẽ lỗi vì địa chỉ cũ đã in trên phiếu."
                )
        else:
            report.withdrawn.append(_brief(o) | {"redirect": redirects.get(old)})
            if old not in redirects:
                report.warnings.append(
                    f"{old} ({o.name}): tệp thủ tục đã bị xóa. Địa chỉ đã in của thủ tục này "
                    "sẽ hỏng và bản dựng sẽ lỗi. Hãy khôi phục tệp và ghi `status: abolished`, "
                    f"hoặc khai báo chuyển hướng trong {REDIRECTS_FILE}."
                )

    for code in sorted(set(base.entries) & set(head.entries)):
        o, n = base.entries[code], head.entries[code]
        if o.content_hash == n.content_hash and o.version == n.version:
            continue
        parts = _changed_parts(o, n)
        item = _brief(n) | {"parts": parts, "printed": o.version != n.version}
        if o.status != n.status or o.replaced_by != n.replaced_by:
            item |= {"previous_status": o.status, "replaced_by": n.replaced_by}
            report.status.append(item)
        elif parts or o.version != n.version:
            report.changed.append(item)

    report.office_changed = base.office is not None and head.office is not None and base.office != head.office
    report.fields_changed = sorted(
        f
        for f in set(base.fields) & set(head.fields)
        if base.fields[f] and head.fields[f] and base.fields[f] != head.fields[f]
    )
    _reprint(report, base, head, renames, tuple(pack_sizes))
    return report


def _reprint(
    report: Report,
    base: Snapshot,
    head: Snapshot,
    renames: dict[str, tuple[str, bool]],
    pack_sizes: tuple[str, ...],
) -> None:
    reprint = report.reprint
    renamed_from = {t: old for old, (t, _) in renames.items()}
    status_codes = {s["code"] for s in report.status}
    for code, n in sorted(head.entries.items()):
        old_code = code if code in base.entries else renamed_from.get(code)
        o = base.entries.get(old_code) if old_code else None
        if o is not None and o.version == n.version:
            continue
        if o is None:
            reason = "added"
        elif old_code != code:
            reason = "renamed"
        elif code in status_codes:
            reason = "status"
        elif report.office_changed and o.content_hash == n.content_hash:
            reason = "office"
        else:
            reason = "changed"
        reprint["slips"].append(
            {
                "path": urls.slip(code),
                "code": code,
                "name": n.name,
                "field": n.field,
                "reason": reason,
                "old_version": o.version if o else None,
                "new_version": n.version,
            }
        )
    for old in sorted(set(base.entries) - set(head.entries)):
        reprint["withdraw"].append({"path": urls.slip(old), "code": old, "name": base.entries[old].name})

    def poster(s: Snapshot, field_id: str) -> str:
        listed = sorted(
            (e.code, e.name) for e in s.entries.values() if e.field == field_id and e.status == "in_force"
        )
        updated = max(
            (e.updated for e in s.entries.values() if e.field == field_id and e.status == "in_force"),
            default="",
        )
        return digest([listed, updated])

    def pack(s: Snapshot, field_id: str) -> str:
        return digest(sorted((e.code, e.version) for e in s.entries.values() if e.field == field_id))

    def poster_changed(field_id: str) -> bool:
        if base.posters is not None and head.posters is not None:  # both sides know what the poster prints
            return base.posters.get(field_id) != head.posters.get(field_id)
        return poster(base, field_id) != poster(head, field_id)

    for field_id in sorted(head.fields):
        context_changed = report.office_changed or field_id in report.fields_changed
        new_field = field_id not in base.fields
        if new_field or context_changed or poster_changed(field_id):
            reprint["posters"].append({"path": urls.poster(field_id), "field": field_id})
        if (
            new_field or context_changed
        ):  # a table tent prints the field's and the office's names and the site's address
            reprint["tents"].append({"path": urls.tent(field_id), "field": field_id})
        has_slips = any(e.field == field_id for e in head.entries.values())
        if has_slips and (new_field or pack(base, field_id) != pack(head, field_id)):
            for size in pack_sizes:
                reprint["packs"].append({"path": urls.pack(field_id, size), "field": field_id})
                if size in LAYOUTS:
                    path = urls.imposed(field_id, LAYOUTS[size].id)
                    reprint["imposed"].append({"path": path, "field": field_id})


def diff(
    base: str,
    procedures: Path,
    *,
    redirects_file: Path | None = None,
    pack_sizes: Iterable[str] = ("A5",),
) -> Report:
    """Compare the procedures at ``base`` with the working tree.

    ``redirects_file`` and ``pack_sizes`` are the phieu plugin's options in mkdocs.yml (the command
    reads them with MkDocs' own loader): declared renames, and the sizes of the per-field packs.
    """
    try:
        project = load_project(procedures)
    except DataError as exc:
        raise PhieuError(f"dữ liệu thủ tục hiện tại có lỗi:\n{exc}") from exc
    before = side_at(base, procedures)
    # A manifest's versions were made with its own site URLs: compare like with like.
    head = side_of_project(project, "bản đang sửa", before.site_urls)
    redirects = load_redirects(redirects_file).procedures if redirects_file else {}
    sizes = tuple(pack_sizes)
    if not head.is_province:
        old = before.offices.get(None) or _empty(before.label)
        return compare(old, head.offices[None], redirects=redirects, pack_sizes=sizes)
    return _compare_province(before, head, project, redirects, sizes)


def _compare_province(
    before: Side, head: Side, project: Project, redirects: dict[str, str], sizes: tuple[str, ...]
) -> Report:
    """The records as the province publishes them, then each office's slips as it prints them."""
    old_offices = before.offices
    if not before.is_province:  # the folder was a single office's: its paper is now its successor's
        former = project.province.former_site if project.province else None
        old_offices = {former: before.offices[None]} if former else {}
    reports = {
        key: compare(
            old_offices.get(key) or _empty(before.label), snapshot, redirects=redirects, pack_sizes=sizes
        )
        for key, snapshot in head.offices.items()
    }
    gone = [key for key in old_offices if key not in head.offices]
    for key in gone:
        reports[key] = compare(old_offices[key], _empty(head.label), redirects=redirects, pack_sizes=sizes)
    if before.national is not None and head.national is not None:
        report = compare(before.national, head.national, redirects=redirects, pack_sizes=sizes)
    else:  # a manifest (or a single office's folder) knows no province-wide records: every office's changes
        report = _merged(before.label, head.label, reports.values())
    report.reprint = {kind: [] for kind in report.reprint}  # paper is per office
    names = {**before.names, **head.names}
    for kind in ("added", "changed", "status", "renamed", "withdrawn"):
        for item in getattr(report, kind):
            codes = {item[k] for k in ("code", "from", "to") if k in item}
            item["offices"] = [key for key, r in reports.items() if codes & _codes(r)]
    report.offices = [
        _office_entry(key, names.get(key) or str(key), r, report, removed=key in gone)
        for key, r in reports.items()
    ]
    for entry in report.offices:
        for code in entry["not_offered"]:
            report.warnings.append(
                f"{entry['name']} ({entry['office']}) không còn thủ tục {code}: thu hồi phiếu đã in của thủ tục "
                "này ở xã, phường đó (trang của nó ở xã, phường đó không còn)."
            )
        if entry["removed"]:
            report.warnings.append(
                f"{entry['name']} ({entry['office']}) không còn tệp {OFFICES_FOLDER}/{entry['office']}.yml: "
                "mọi phiếu, áp phích đã in của xã, phường đó cần thu hồi."
            )
    return report


def _codes(report: Report) -> set[str]:
    """Every code a report names (added, changed, status, renamed from or to, withdrawn)."""
    items = report.added + report.changed + report.status + report.withdrawn
    return {i["code"] for i in items} | {c for r in report.renamed for c in (r["from"], r["to"])}


def _merged(base: str, head: str, reports: Iterable[Report]) -> Report:
    """One report of the changes every office's report names, each once (the first office's wording)."""
    out = Report(base=base, head=head)
    for report in reports:
        for kind in ("added", "changed", "status", "withdrawn", "renamed"):
            mine = getattr(out, kind)
            seen = {(i.get("code"), i.get("from")) for i in mine}
            mine.extend(dict(i) for i in getattr(report, kind) if (i.get("code"), i.get("from")) not in seen)
        out.warnings.extend(w for w in report.warnings if w not in out.warnings)
    # New at one office, already at another: not new to the province (nor gone, if it stays somewhere).
    kept = {i["code"] for i in out.changed + out.status}
    out.added = [i for i in out.added if i["code"] not in kept | {r["to"] for r in out.renamed}]
    out.withdrawn = [i for i in out.withdrawn if i["code"] not in kept | {r["from"] for r in out.renamed}]
    for kind in ("added", "changed", "status", "withdrawn", "renamed"):
        getattr(out, kind).sort(key=lambda i: i.get("code") or i.get("from"))
    return out


def _office_entry(key: str | None, name: str, report: Report, national: Report, *, removed: bool) -> dict:
    """One office's part: what changed only there, and its reprint list (paths inside its own site)."""
    added = {i["code"] for i in national.added} | {r["to"] for r in national.renamed}
    withdrawn = {i["code"] for i in national.withdrawn} | {r["from"] for r in national.renamed}
    return {
        "office": key,
        "name": name,
        "home": urls.office_home(str(key)),
        "removed": removed,
        "office_changed": report.office_changed,
        "offered": [i["code"] for i in report.added if i["code"] not in added],
        "not_offered": [i["code"] for i in report.withdrawn if i["code"] not in withdrawn and not removed],
        "own": [
            {"code": i["code"], "name": i["name"], "printed": i["printed"]}
            for i in report.changed + report.status
            if "local" in i["parts"]
        ],
        "reprint": report.reprint,
        "reprint_pack": None,
    }


def _office_has_changes(entry: dict) -> bool:
    return bool(
        entry["removed"]
        or entry["office_changed"]
        or entry["offered"]
        or entry["not_offered"]
        or entry["own"]
        or any(entry["reprint"].values())
    )


# --- the reprint pack -------------------------------------------------------------------------


def write_reprint_pack(report: Report, site_dir: Path, office: str | None = None) -> list[Path]:
    """Merge the slips to reprint into ``pdf/goi-in-thay-doi.pdf``: one pack for a single office, one in each
    office's folder for a province (``office``: the site is that office's alone, built apart). Returns the
    packs written; an office with nothing to reprint gets none."""
    if not report.offices:
        title = f"Gói in các phiếu thay đổi so với {report.base}"
        written = _write_pack(report.reprint["slips"], site_dir, title)
        report.reprint_pack = REPRINT_PACK if written else None
        return [written] if written else []
    packs = []
    for entry in report.offices:
        if entry["removed"] or (office is not None and entry["office"] != office):
            continue
        root = site_dir if office is not None else site_dir / entry["home"]
        title = f"Gói in các phiếu thay đổi của {entry['name']} so với {report.base}"
        written = _write_pack(entry["reprint"]["slips"], root, title)
        entry["reprint_pack"] = REPRINT_PACK if written else None
        if written:
            packs.append(written)
    return packs


def _write_pack(slips: list[dict], site_dir: Path, title: str) -> Path | None:
    from ..publish.packs import assemble_pack

    paths = [site_dir / s["path"] for s in slips]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise PhieuError("không tìm thấy phiếu đã dựng: " + ", ".join(missing))
    target = site_dir / REPRINT_PACK
    if not paths:
        target.unlink(missing_ok=True)
        return None
    pdf = assemble_pack([path.read_bytes() for path in paths], marks=False, title=title)
    target.write_bytes(pdf.content)
    return target


# --- Markdown -----------------------------------------------------------------------------------


def _md(value: str) -> str:
    """Escape text for a Markdown table cell or list item."""
    return re.sub(r"([\\`*_\[\]<>|#])", r"\\\1", value)


def _parts(parts: list[str]) -> str:
    return ", ".join(PART_LABELS.get(p, p) for p in parts) or "không"


def _short(name: str) -> str:
    """An office's name as a list shows it: "phường Cao Lãnh" for "Ủy ban nhân dân phường Cao Lãnh"."""
    return name.removeprefix("Ủy ban nhân dân ")


def _where(report: Report, item: dict) -> str:
    """Which offices a change reaches, after an item of a province's report ("" for a single office)."""
    if not report.offices:
        return ""
    present = {o["office"] for o in report.offices if not o["removed"]}
    reached = [o for o in report.offices if o["office"] in item.get("offices", ())]
    if not reached:
        return " — không xã, phường nào giải quyết thủ tục này"
    if len(present) > 1 and present <= {o["office"] for o in reached}:
        return f" — mọi xã, phường ({len(present)})"
    return " — " + ", ".join(_md(_short(o["name"])) for o in reached)


def to_markdown(report: Report) -> str:
    out = [f"## Thay đổi thủ tục so với `{report.base}`", ""]
    if report.empty and not report.office_changed:
        out += ["Không có thủ tục nào thay đổi. Không cần in lại phiếu nào.", ""]
        return "\n".join(out)
    slips = (
        sum(len(o["reprint"]["slips"]) for o in report.offices)
        if report.offices
        else len(report.reprint["slips"])
    )
    summary = [
        ("Thêm mới", len(report.added)),
        ("Thay đổi", len(report.changed)),
        ("Bãi bỏ, thay thế", len(report.status)),
        ("Đổi mã", len(report.renamed)),
        ("Xóa tệp", len(report.withdrawn)),
        ("Phiếu cần in" + (" (mọi xã, phường)" if report.offices else ""), slips),
    ]
    out += ["| Loại | Số thủ tục |", "|---|---:|", *(f"| {k} | {v} |" for k, v in summary), ""]
    if report.warnings:
        out += ["> [!WARNING]", *(f"> - {_md_warn(w)}" for w in report.warnings), ""]
    if report.office_changed:
        out += ["Thông tin cơ quan (office.yml) thay đổi: mọi phiếu đều in lại.", ""]
    if report.added:
        out += [f"### Thêm mới ({len(report.added)})", ""]
        out += [f"- **{a['code']}** {_md(a['name'])}{_where(report, a)}" for a in report.added] + [""]
    if report.changed:
        out += [f"### Thay đổi ({len(report.changed)})", ""]
        for c in report.changed:
            note = "" if c["printed"] else " *(không in trên phiếu: không cần in lại)*"
            out.append(f"- **{c['code']}** {_md(c['name'])}: {_parts(c['parts'])}{note}{_where(report, c)}")
        out.append("")
    if report.status:
        out += [f"### Bãi bỏ, thay thế ({len(report.status)})", ""]
        for s in report.status:
            state = STATUS_NAMES.get(s["status"], s["status"])
            if s.get("replaced_by"):
                state += f" bởi **{s['replaced_by']}**"
            out.append(
                f"- **{s['code']}** {_md(s['name'])}: "
                f"{STATUS_NAMES.get(s['previous_status'], s['previous_status'])} → {state}{_where(report, s)}"
            )
        out.append("")
    if report.renamed:
        out += [f"### Đổi mã ({len(report.renamed)})", ""]
        for r in report.renamed:
            how = "đã khai báo chuyển hướng" if r["declared"] else "**chưa khai báo chuyển hướng**"
            extra = f"; cũng thay đổi: {_parts(r['parts'])}" if r["parts"] else ""
            out.append(f"- **{r['from']} → {r['to']}** {_md(r['name'])} ({how}){extra}{_where(report, r)}")
        out.append("")
    if report.withdrawn:
        out += [f"### Đã xóa tệp ({len(report.withdrawn)})", ""]
        for w in report.withdrawn:
            via = f" (chuyển hướng tới {w['redirect']})" if w.get("redirect") else ""
            out.append(f"- **{w['code']}** {_md(w['name'])}{via}{_where(report, w)}")
        out.append("")
    if not report.offices:
        out += ["### Danh sách in lại", ""]
        out += _reprint_markdown(report.reprint, report.reprint_pack, "", report.base)
        unprinted = [c for c in report.changed if not c["printed"]]
        if unprinted:
            out += [
                "Thay đổi không in trên phiếu (chỉ cập nhật trang web): "
                + ", ".join(f"{c['code']} ({_parts(c['parts'])})" for c in unprinted),
                "",
            ]
        return "\n".join(out)
    out += ["### Danh sách in lại theo xã, phường", ""]
    for entry in report.offices:
        out += _office_markdown(entry, report.base)
    return "\n".join(out)


def _office_markdown(entry: dict, base: str) -> list[str]:
    out = [f"#### {_md(entry['name'])} (`{entry['home']}`)", ""]
    if entry["removed"]:
        return [*out, "Không còn tệp của xã, phường này: thu hồi mọi phiếu, áp phích đã in.", ""]
    if not _office_has_changes(entry):
        return [*out, "Không có gì thay đổi ở xã, phường này. Không cần in lại phiếu nào.", ""]
    if entry["office_changed"]:
        out += [
            f"Thông tin của xã, phường ({OFFICES_FOLDER}/{entry['office']}.yml hoặc province.yml) thay đổi.",
            "",
        ]
    if entry["own"]:
        out += [
            "Phần riêng của xã, phường thay đổi: "
            + ", ".join(
                f"{o['code']} ({_md(o['name'])})" + ("" if o["printed"] else " *(không in trên phiếu)*")
                for o in entry["own"]
            ),
            "",
        ]
    if entry["offered"]:
        out += ["Nay giải quyết thêm: " + ", ".join(entry["offered"]), ""]
    if entry["not_offered"]:
        out += ["Không còn giải quyết: " + ", ".join(entry["not_offered"]), ""]
    return out + _reprint_markdown(entry["reprint"], entry["reprint_pack"], entry["home"], base)


def _reprint_markdown(rp: dict[str, list[dict]], pack: str | None, home: str, base: str) -> list[str]:
    """A reprint list; ``home`` is the folder of an office's site inside a province's ("" for a single office)."""
    out: list[str] = []
    if rp["slips"]:
        out += [
            f"**Phiếu cần in ({len(rp['slips'])})**: so phiên bản in ở chân phiếu cũ với cột “Phiên bản cũ”.",
            "",
            "| Phiếu | Thủ tục | Lý do | Phiên bản cũ → mới |",
            "|---|---|---|---|",
        ]
        for s in rp["slips"]:
            versions = (
                f"`{s['old_version']}` → `{s['new_version']}`"
                if s["old_version"]
                else (f"mới: `{s['new_version']}`")
            )
            out.append(
                f"| `{home}{s['path']}` | {_md(s['name'])} ({s['code']}) | "
                f"{REASONS.get(s['reason'], s['reason'])} | {versions} |"
            )
        out.append("")
    else:
        out += ["Không có phiếu nào cần in lại.", ""]
    if pack:
        out += [f"Gói in chỉ gồm các phiếu trên: `{home}{pack}`.", ""]
    elif rp["slips"]:
        out += [
            f"Gói in chỉ gồm các phiếu trên: `{home}{REPRINT_PACK}` trong bản xem trước của pull "
            f"request (trên máy: `phieu build --reprint {base}`).",
            "",
        ]
    if rp["posters"]:
        out += ["**Áp phích cần in lại:** " + ", ".join(f"`{home}{p['path']}`" for p in rp["posters"]), ""]
    if rp["tents"]:
        out += ["**Bảng để bàn cần in lại:** " + ", ".join(f"`{home}{t['path']}`" for t in rp["tents"]), ""]
    if rp["packs"]:
        out += [
            "**Gói in theo lĩnh vực đã thay đổi** (chỉ cần nếu nhà in in cả gói): "
            + ", ".join(f"`{home}{p['path']}`" for p in rp["packs"] + rp["imposed"]),
            "",
        ]
    if rp["withdraw"]:
        out += [
            "**Phiếu cần thu hồi** (bỏ khỏi quầy): "
            + ", ".join(f"`{home}{w['path']}` ({_md(w['name'])})" for w in rp["withdraw"]),
            "",
        ]
    return out


def _md_warn(warning: str) -> str:
    return warning.replace("\n", " ")
