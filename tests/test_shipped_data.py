"""The data we ship: it loads, it covers what the seed asks for, and its schemas are current."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
import unicodedata
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from phieu.load import Catalog, load_project
from phieu.load.catalog import read_procedure
from phieu.model import Fee, Procedure, Status
from phieu.render.text import printed_payload
from phieu.staff import portal
from phieu.staff.schema import SCHEMAS, schema_text

from tests.loader_helpers import REPO, SHIPPED

YAML_FILES = sorted(SHIPPED.rglob("*.y*ml"))
SCHEMA_COMMENT = re.compile(r"# yaml-language-server: \$schema=(\S+)\n")

#: The civil-status procedures named in the seed (DOMAIN.md), as a phrase each name must contain.
CIVIL_STATUS = {
    "confirmation of marital status": "xác nhận tình trạng hôn nhân",
    "birth registration": "đăng ký khai sinh",
    "birth re-registration": "đăng ký lại khai sinh",
    "marriage registration": "đăng ký kết hôn",
    "marriage re-registration": "đăng ký lại kết hôn",
    "death registration": "đăng ký khai tử",
    "death re-registration": "đăng ký lại khai tử",
    "civil-status excerpt": "trích lục hộ tịch",
    "change, correction, addition": "thay đổi, cải chính, bổ sung thông tin hộ tịch",
    "recognition of father, mother or child": "nhận cha, mẹ, con",
    "adoption": "nuôi con nuôi",
    "guardianship": "đăng ký giám hộ",
    "termination of guardianship": "chấm dứt giám hộ",
}


@cache
def catalog() -> Catalog:
    """The shipped province as its former single office sees it (phường Cao Lãnh offers every procedure):
    the national records with the province's fees."""
    project = load_project(SHIPPED)
    assert project.province is not None and project.province.former_site is not None
    office = project.office(project.province.former_site)
    assert office.profile.offers is None and len(office.catalog.procedures) == len(project.procedures)
    return office.catalog


def normalised(name: str) -> str:
    """Lower case, NFC, single spaces, without the filler word "việc" ("đăng ký việc kết hôn")."""
    text = unicodedata.normalize("NFC", name).casefold()
    text = re.sub(r"\bviệc\s+", "", text)
    return " ".join(text.split())


def test_shipped_data_loads() -> None:
    assert catalog().procedures
    assert {f.id for f in catalog().fields} >= {"ho-tich", "chung-thuc"}


@pytest.mark.parametrize("phrase", CIVIL_STATUS.values(), ids=CIVIL_STATUS.keys())
def test_civil_status_procedure_present(phrase: str) -> None:
    found = [p for p in catalog().procedures if phrase in normalised(p.name)]
    assert found, f"no procedure named like '{phrase}'"
    current = [p for p in found if p.in_force and p.field == "ho-tich" and p.level == "commune"]
    assert current, f"'{phrase}' is only in {[(p.code, p.field, p.level, p.status) for p in found]}"


def test_authentication_field_has_procedures() -> None:
    assert len(catalog().in_field("chung-thuc")) >= 3


def test_some_procedure_has_several_cases() -> None:
    assert any(len(p.cases) > 1 for p in catalog().procedures)


def schema_for(path: Path) -> str:
    if path.parent == SHIPPED and path.stem in {"office", "fields", "province", "fees"}:
        return f"{path.stem}.schema.json"
    if path.parent.name == "offices":
        return "office-profile.schema.json"
    if path.parent.name == "forms":
        return "form.schema.json"
    return "procedure.schema.json"


@pytest.mark.parametrize("path", YAML_FILES, ids=[str(p.relative_to(SHIPPED)) for p in YAML_FILES])
def test_first_line_points_editors_at_the_schema(path: Path) -> None:
    first = path.read_text(encoding="utf-8").split("\n", 1)[0] + "\n"
    match = SCHEMA_COMMENT.fullmatch(first)
    assert match, f"first line should be '# yaml-language-server: $schema=...', not {first!r}"
    target = (path.parent / match.group(1)).resolve()
    assert target.is_file(), f"{match.group(1)} does not exist"
    assert target == (REPO / "schema" / schema_for(path)).resolve()


@pytest.mark.parametrize("path", YAML_FILES, ids=[str(p.relative_to(SHIPPED)) for p in YAML_FILES])
def test_file_is_nfc(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    bad = [
        f"{number}: {line!r}"
        for number, line in enumerate(text.splitlines(), 1)
        if not unicodedata.is_normalized("NFC", line)
    ]
    assert not bad, f"not NFC (save as NFC): {bad}"


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings(key)
            yield from strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings(item)


def test_every_loaded_text_is_nfc() -> None:
    data = catalog()
    records = [data.office, *data.fields, *data.procedures]
    texts = [text for record in records for text in strings(record.model_dump(mode="json"))]
    assert texts
    assert [t for t in texts if not unicodedata.is_normalized("NFC", t)] == []


@pytest.mark.parametrize("name", SCHEMAS)
def test_committed_schema_is_current(name: str) -> None:
    path = REPO / "schema" / f"{name}.schema.json"
    assert path.is_file(), f"{path.relative_to(REPO)} is missing: run `make schema`"
    assert path.read_text(encoding="utf-8") == schema_text(SCHEMAS[name]), (
        f"{path.relative_to(REPO)} is stale: the model changed; run `make schema` and commit it"
    )


# --- the civil-status records the portal has: imported, and kept in step (issue 13, section 2) --------------

PORTAL = REPO / "tests" / "fixtures" / "portal"
IMPORTED = sorted(p.stem for p in (SHIPPED / portal.SIDECAR_DIR).glob("*.json"))


def portal_record(code: str) -> dict[str, Any]:
    return json.loads((PORTAL / f"{code}.json").read_text(encoding="utf-8"))["data"]


def test_every_civil_status_record_the_portal_has_is_imported_from_it() -> None:
    civil_status = {p.code for p in catalog().in_field("ho-tich")}
    assert sorted(civil_status & {p.stem for p in PORTAL.glob("*.json")}) == IMPORTED
    assert len(IMPORTED) == 13
    for code in IMPORTED:
        source = catalog().procedure(code).source
        assert source is not None, code
        assert source.sha256 == hashlib.sha256((PORTAL / f"{code}.json").read_bytes()).hexdigest(), code


def test_reimporting_the_portal_records_changes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "procedures"
    shutil.copytree(SHIPPED, root)
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    report = portal.import_portal(
        [PORTAL / f"{code}.json" for code in IMPORTED], root, today=dt.date(2030, 1, 1)
    )
    assert [(o.code, o.action) for o in report.outcomes] == [(code, "unchanged") for code in IMPORTED]
    assert not report.problems
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before


def portal_differences(theirs: Any, ours: Any, path: str = "") -> Iterator[str]:
    """Where the shipped record differs from a fresh import on the parts the portal owns (the keys a fresh
    import has); lists are compared item by item, ``cases[0].documents[2].optional``."""
    if isinstance(theirs, dict) and isinstance(ours, dict):
        for key, value in theirs.items():
            yield from portal_differences(value, ours.get(key), f"{path}.{key}" if path else key)
    elif isinstance(theirs, list) and isinstance(ours, list) and len(theirs) == len(ours):
        for i, (mine, shipped) in enumerate(zip(theirs, ours, strict=True)):
            yield from portal_differences(mine, shipped, f"{path}[{i}]")
    elif theirs != ours:
        yield path


def each(paths: str, count: int, reason: str) -> dict[str, str]:
    return {paths.format(i): reason for i in range(count)}


# Reasons for the staff edits of the portal's text in the shipped records; a YAML comment in the record says
# the same next to each edit.
CONDITIONAL = "needed only in some cases (the portal words it as a condition); the short name says when"
ONE_FEE = "the portal repeats the case fee on every channel; the verified fee is shown once, on the case"
NO_AMOUNT = "the portal's 0 is not an amount: its text says the province sets the fee"
UNIT = "the portal gives the channel time without a unit (OTHER); its cases[] give the same number in working days"
LAW_FEE = "verified plain wording: Luật Hộ tịch Điều 11 (and the 8.000 đồng copy fee where copies are issued)"
PORTAL_FEE = "the portal's own fee text (DIRECT row) where channel rows differ only in wording"

STAFF_EDITS: dict[str, dict[str, str]] = {
    "1.000656": {
        **each("channels[{}].fee", 3, ONE_FEE),
        **{f"cases[0].documents[{i}].optional": CONDITIONAL for i in (1, 2, 4, 6)},
        "cases[0].fee.amount": NO_AMOUNT,
        "cases[0].fee.text": LAW_FEE,
    },
    "1.000894": {
        **each("channels[{}].fee", 3, ONE_FEE),
        **{f"cases[0].documents[{i}].optional": CONDITIONAL for i in (1, 2)},
        "cases[0].fee.amount": "free: Luật Hộ tịch Điều 11 khoản 1 điểm b, and the portal says “Miễn lệ phí”",
        "cases[0].fee.text": LAW_FEE,
    },
    "1.001022": {
        "cases[0].documents[4].optional": CONDITIONAL,
        "cases[0].fee.text": PORTAL_FEE,
    },
    "1.001193": {
        "steps[0]": "the portal's text has a fragment out of place (“đăng ký khai tâm Phục vụ”); as in 1.000656",
        "steps[1]": "the same misplaced fragment (“hoàn tất việc sinh tại Trung nộp hồ sơ”)",
        **each("channels[{}].time", 3, UNIT),
        **each("channels[{}].fee", 3, ONE_FEE),
        "cases[0].documents[1].note": "the portal's note on the electronic Giấy chứng sinh follows the authorisation",
        "cases[0].documents[3].note": "… and belongs to the Giấy chứng sinh",
        **{f"cases[0].documents[{i}].optional": CONDITIONAL for i in (1, 4, 7)},
        "cases[0].fee.amount": NO_AMOUNT,
        "cases[0].fee.text": LAW_FEE,
    },
    "1.004746": {
        **{f"cases[0].documents[{i}].optional": CONDITIONAL for i in (2, 4)},
        "cases[0].fee.text": PORTAL_FEE,
    },
    "1.004837": {
        **each("channels[{}].fee", 3, ONE_FEE),
        **{f"cases[0].documents[{i}].optional": CONDITIONAL for i in (0, 2, 3, 4, 5)},
        "cases[0].fee.amount": "free: Luật Hộ tịch Điều 11 khoản 1 điểm b (giám hộ)",
        "cases[0].fee.text": LAW_FEE,
    },
    "1.004845": {
        **{f"cases[0].documents[{i}].optional": CONDITIONAL for i in (0, 2, 5)},
        "cases[0].fee.text": "what the portal says: its DIRECT row (exemptions) and ONLINE row (copy fee)",
    },
    "1.004859": {
        **{f"cases[0].documents[{i}].optional": CONDITIONAL for i in (0, 2, 4)},
        "cases[0].fee.amount": NO_AMOUNT,
    },
    "1.004873": {
        **each("channels[{}].time", 3, UNIT),
        **{f"cases[0].documents[{i}].optional": CONDITIONAL for i in (1, 3, 4)},
        "cases[0].fee.amount": NO_AMOUNT,
    },
    "1.004884": {
        **each("channels[{}].time", 3, UNIT),
        **{f"cases[0].documents[{i}].optional": CONDITIONAL for i in (1, 5, 6)},
        "cases[0].fee.amount": NO_AMOUNT,
    },
    "1.005461": {
        **each("channels[{}].time", 3, UNIT),
        **{f"cases[0].documents[{i}].optional": CONDITIONAL for i in (0, 3, 4)},
        "cases[0].fee.amount": NO_AMOUNT,
    },
    "2.000635": {
        **each("channels[{}].fee", 3, ONE_FEE),
        **{f"cases[0].documents[{i}].optional": CONDITIONAL for i in (0, 2, 4)},
        "cases[0].fee.text": "plain wording of the portal's 8.000 đồng",
    },
    "2.000986": {
        "cases[0].fee.amount": "the portal's 0 is not an amount: its steps collect the residence-registration fee",
    },
}


@pytest.mark.parametrize("code", IMPORTED)
def test_shipped_record_is_the_portal_text_but_for_documented_staff_edits(code: str) -> None:
    fresh = portal.map_record(portal_record(code), today=dt.date(2030, 1, 1)).portal
    fresh = json.loads(json.dumps({k: v for k, v in fresh.items() if k != "source"}, default=str))
    # the record as its file holds it: the province's fee table is a layer of its own
    shipped = read_procedure(catalog().sources[code]).model_dump(mode="json")
    assert set(portal_differences(fresh, shipped)) == set(STAFF_EDITS.get(code, {}))


def test_every_status_agrees_with_the_portal() -> None:
    for code in IMPORTED:
        state = portal_record(code)["state"]
        assert state in portal.STATES, (code, state)  # the portal shows every one of them in force
        assert catalog().procedure(code).status is Status.in_force, code


def fees(p: Procedure) -> Iterator[tuple[str, Fee]]:
    for case in p.cases:
        yield f"{p.code} {case.id}", case.fee
    for channel in p.channels:
        if channel.fee:
            yield f"{p.code} {channel.kind.value}", channel.fee


def test_every_verified_fee_names_its_basis() -> None:
    verified = [(where, fee) for p in catalog().procedures for where, fee in fees(p) if fee.verified]
    assert verified
    assert [where for where, fee in verified if not fee.basis or not all(b.strip() for b in fee.basis)] == []


#: Luật Hộ tịch Điều 11 khoản 1 điểm a, in the law's words (legal-fixes.md, fix 7a).
EXEMPT = ["Người thuộc gia đình có công với cách mạng", "Người thuộc hộ nghèo", "Người khuyết tật"]
NOT_A_REGISTRATION_FEE = {
    "2.000635": "a copy of an extract: Điều 11 khoản 2 makes copies pay; khoản 1 exempts registration fees only",
    "2.000986": "the joint birth, residence and health-insurance procedure: its fee is not known to be a civil-status fee",
}


def test_civil_status_fees_carry_the_law_exemptions() -> None:
    checked = 0
    for code in IMPORTED:
        if code in NOT_A_REGISTRATION_FEE:
            continue
        for case in catalog().procedure(code).cases:
            if case.fee.amount == 0:
                continue  # free for everyone (Điều 11 khoản 1 điểm b)
            assert case.fee.exemptions == EXEMPT, (code, case.id)
            assert any("Điều 11, khoản 1, điểm a" in b for b in case.fee.basis), (code, case.id)
            checked += 1
    assert checked == 9


def document(code: str, start: str):
    (found,) = [d for c in catalog().procedure(code).cases for d in c.documents if d.name.startswith(start)]
    return found


def test_marriage_no_longer_asks_for_the_marital_status_certificate_or_divorce_papers() -> None:
    names = " ".join(d.name for c in catalog().procedure("1.000894").cases for d in c.documents).casefold()
    assert "tình trạng hôn nhân" not in names and "ly hôn" not in names
    assert "tra cứu thông tin về tình trạng hôn nhân" in " ".join(catalog().procedure("1.000894").notes)


@pytest.mark.parametrize(
    ("code", "start"),
    [
        ("1.004746", "Bản sao Giấy chứng nhận kết hôn được cấp trước đây"),
        ("1.005461", "Bản sao Giấy chứng tử trước đây"),
    ],
)
def test_re_registration_requires_the_old_certificate(code: str, start: str) -> None:
    doc = document(code, start)
    assert not doc.optional and doc.copies == 1


@pytest.mark.parametrize(
    ("code", "start"), [("2.000635", "Văn bản ủy quyền"), ("1.000656", "Văn bản ủy quyền")]
)
def test_a_relative_still_needs_an_authorisation_letter_only_not_certified(code: str, start: str) -> None:
    doc = document(code, start)
    assert "ông, bà, cha, mẹ, con, vợ, chồng, anh, chị, em ruột" in doc.name
    assert "văn bản ủy quyền không phải chứng thực" in doc.name
    assert doc.short and "không cần chứng thực" in doc.short and "không cần ủy quyền" not in doc.short
    assert doc.optional  # only when someone else goes


OFFICIAL_NAMES = {
    "2.000635": "Cấp bản sao Trích lục hộ tịch, bản sao Giấy khai sinh",
    "2.000815": "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan, tổ chức có thẩm quyền của Việt Nam; "
    "cơ quan, tổ chức có thẩm quyền của nước ngoài; cơ quan, tổ chức có thẩm quyền của Việt Nam liên kết với cơ "
    "quan, tổ chức có thẩm quyền của nước ngoài cấp hoặc chứng nhận",
    "2.000884": "Chứng thực chữ ký trong các giấy tờ, văn bản (áp dụng cho cả trường hợp chứng thực điểm chỉ và "
    "trường hợp người yêu cầu chứng thực không thể ký, không thể điểm chỉ được)",
}


@pytest.mark.parametrize("code", OFFICIAL_NAMES)
def test_official_name_is_the_portals(code: str) -> None:
    assert catalog().procedure(code).name == OFFICIAL_NAMES[code]


def test_nationally_fixed_fees() -> None:
    copy = catalog().procedure("2.000635").cases[0].fee
    assert (copy.amount, copy.verified) == (8000, True)
    adoption = next(c.fee for c in catalog().procedure("2.001263").cases if c.id == "truong-hop-khac")
    assert (adoption.amount, adoption.verified) == (400000, True)
    assert any("114/2016/NĐ-CP" in b and "khoản 1 Điều 6" in b for b in adoption.basis)
    signature = catalog().procedure("2.000884").cases
    assert signature and not any(c.fee.verified for c in signature)  # 10.000 đồng not read in TT 226/2016


def test_ending_a_guardianship_shows_what_the_portal_says_about_its_fee() -> None:
    fee = catalog().procedure("1.004845").cases[0].fee
    assert fee.amount is None and not fee.verified and not fee.varies_by_province
    assert fee.text and fee.text.startswith("Miễn lệ phí cho người thuộc gia đình có công với cách mạng")


def test_civil_status_forms_cite_the_circular_that_amended_them() -> None:
    data = catalog()
    local = [
        f for p in data.in_field("ho-tich") for f in p.forms if f.number and "04/2020/TT-BTP" in f.number
    ]
    assert len(local) == 2  # guardianship and copies of extracts; the six declarations are in forms/
    assert all("Thông tư số 04/2024/TT-BTP" in f.number for f in local)
    assert len(data.forms) == 6
    assert all(
        "04/2020/TT-BTP" in f.source.basis and "04/2024/TT-BTP" in f.source.basis for f in data.forms.values()
    )


def test_every_shipped_slip_prints_a_short_name_for_each_long_official_name() -> None:
    """The slip is a checklist read at the counter: no printed document name runs past two lines (~150 characters)."""
    data = catalog()
    fields = {f.id: f for f in data.fields}
    long = [
        (p.code, d["name"][:60])
        for p in data.procedures
        for c in printed_payload(p, data.office, fields[p.field], data.office.site_url)["cases"]
        for d in c["documents"]
        if len(d["name"]) > 150
    ]
    assert long == []
