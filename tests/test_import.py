"""``phieu import``: portal records become drafts that validate and build, keep every quantity and every
text, re-import keeps the office's parts and staff edits, and bad input is refused with a place."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import unicodedata
from pathlib import Path
from typing import Any

import pytest
import yaml
from phieu import load_catalog
from phieu.cli import main
from phieu.staff import fmt, portal

from tests.conftest import ROOT, SINGLE_OFFICE, build, copy_project

SAMPLES = ROOT / "tests" / "fixtures" / "portal"
MINI = ROOT / "tests" / "fixtures" / "mini" / "procedures"
CODES = sorted(p.stem for p in SAMPLES.glob("*.json"))
TODAY = dt.date(2026, 11, 20)  # a fixed past day: drafts carry it as updated:


def record(code: str) -> dict[str, Any]:
    return json.loads((SAMPLES / f"{code}.json").read_text(encoding="utf-8"))


def procedures_copy(tmp_path: Path) -> Path:
    root = tmp_path / "procedures"
    shutil.copytree(MINI, root)
    return root


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    code = main(["import", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out.splitlines()


# --- all twenty samples -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, portal.ImportReport]:
    """A project (the mini sample plus the 20 portal records imported) built once."""
    project = copy_project(tmp_path_factory.mktemp("imported"), procedures=MINI)
    report = portal.import_portal([SAMPLES], project / "procedures", today=TODAY)
    return project, report


def test_all_samples_import_to_valid_drafts(imported: tuple[Path, portal.ImportReport]) -> None:
    project, report = imported
    assert [(o.code, o.action) for o in report.outcomes] == [(c, "written") for c in CODES]
    assert not report.problems and not report.failed
    catalog = load_catalog(project / "procedures")
    assert {p.code for p in catalog.procedures} >= set(CODES)
    fields = {f.name: f.id for f in catalog.fields}
    assert fields["Đất đai"] == "dat-dai" and fields["Đăng ký, quản lý cư trú"] == "dang-ky-quan-ly-cu-tru"
    assert catalog.sources["1.115312"] == project / "procedures" / "dat-dai" / "1.115312.yml"
    for code in CODES:
        p = catalog.procedure(code)
        assert p.source is not None and p.source.code == code and p.source.imported == TODAY
        assert (
            p.national_url
            == f"https://dichvucong.gov.vn/p/home/dvc-chi-tiet-thu-tuc-hanh-chinh.html?ma_thu_tuc={code}"
        )
        assert not any(c.fee.verified for c in p.cases) and not any(
            c.fee and c.fee.verified for c in p.channels
        )
        assert not p.name.startswith("Thủ tục") and p.name == unicodedata.normalize("NFC", p.name)
        assert all(d.short is None for c in p.cases for d in c.documents)


def test_yaml_is_readable(imported: tuple[Path, portal.ImportReport]) -> None:
    project, _ = imported
    text = (project / "procedures" / "ho-tich" / "1.001193.yml").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == "# yaml-language-server: $schema=../../schema/procedure.schema.json"
    assert 'code: "1.001193"' in lines and '  code: "1.001193"' in lines  # procedure and source codes quoted
    keys = [line.split(":")[0] for line in lines if re.match(r"^[a-z_]+:", line)]
    assert keys == [
        "code",
        "name",
        "field",
        "level",
        "who",
        "agency",
        "result",
        "steps",
        "channels",
        "cases",
        "notes",
        "legal_basis",
        "national_url",
        "updated",
        "source",
    ]
    data = yaml.safe_load(text)
    assert data["source"]["decision"] == "163/QĐ-BTP"
    assert data["source"]["decision_date"] == dt.date(2026, 1, 16)  # epoch ms in Vietnamese time, not UTC
    assert (
        data["source"]["sha256"]
        == __import__("hashlib").sha256((SAMPLES / "1.001193.json").read_bytes()).hexdigest()
    )
    assert (project / "procedures" / ".portal" / "1.001193.json").is_file()


def test_site_builds_with_the_drafts(imported: tuple[Path, portal.ImportReport]) -> None:
    project, _ = imported
    assert build(project) == 0
    manifest = json.loads((project / "site" / "manifest.json").read_text(encoding="utf-8"))
    pages = {e["code"]: e["slip_pages"] for e in manifest["procedures"]}
    assert set(CODES) <= set(pages)
    assert all(pages[c] >= 1 for c in CODES)
    page = (project / "site" / "p" / "1.001193" / "index.html").read_text(encoding="utf-8")
    assert "Lưu ý" in page and "Giấy chứng sinh" in page


def _quantity_components(data: dict) -> list[tuple[str, str, int, int]]:
    return [
        (
            portal._heading(group.get("name")),
            portal._BULLET.sub("", portal.tidy(c["name"], "\n"), count=1),
            c["originalQty"],
            c["copyQty"],
        )
        for group in data["executionCases"]
        for c in group["profileComponents"]
        if c["originalQty"] or c["copyQty"]
    ]


@pytest.mark.parametrize("code", CODES)
def test_every_quantity_is_kept(imported: tuple[Path, portal.ImportReport], code: str) -> None:
    """Each component with a quantity is a document with those counts; notes (no quantity) are not."""
    project, _ = imported
    procedure = load_catalog(project / "procedures").procedure(code)
    components = _quantity_components(record(code)["data"])
    case_names = {c.name for c in procedure.cases}
    for case in procedure.cases:
        expected = [
            (n, o, c) for heading, n, o, c in components if heading not in case_names or heading == case.name
        ]
        got = [(d.name, d.originals, d.copies) for d in case.documents]
        assert len(got) == len(expected)
        for name, o, c in expected:  # common groups first, then the case's own: compare as a multiset
            match = next(g for g in got if name.startswith(g[0]) and (o, c) == g[1:])
            got.remove(match)


#: Every key of a record that holds text a citizen or staff could need.
TEXT_KEYS = {
    "name",
    "description",
    "note",
    "keywords",
    "requirementsAndConditions",
    "executingAgencies",
    "authorizedAgencies",
    "coordinatingAgencies",
    "delegatedAgencies",
    "dossierReceivingAddresses",
    "fileName",
}
TEXT_LISTS = {
    "executionSteps",
    "executionMethods",
    "fees",
    "executionCases",
    "profileComponents",
    "cases",
    "attachments",
    "resultsDetails",
    "subjectTypesDetails",
    "legalBasisesDetails",
    "unitGroupsExecuting",
    "unitGroupsAuthority",
    "unitGroupsAuthorized",
    "unitGroupsCoordinating",
    "departmentsExecuting",
    "departmentsAuthority",
    "departmentsAuthorized",
    "departmentsCoordinating",
    "categoriesDetails",
}


def _texts(data: dict) -> list[str]:
    out = [v for k, v in data.items() if k in TEXT_KEYS and isinstance(v, str)]
    if isinstance(data.get("category"), dict):
        out.append(data["category"]["name"])
    for method in data["executionMethods"]:
        if isinstance(method.get("processingTime"), str):
            out.append(method["processingTime"])
    for key in TEXT_LISTS:
        for item in data.get(key) or []:
            if isinstance(item, dict):
                out.extend(_texts_in(item))
    return out


def _texts_in(item: dict) -> list[str]:
    out = [v for k, v in item.items() if k in TEXT_KEYS and isinstance(v, str)]
    for key in TEXT_LISTS:
        for sub in item.get(key) or []:
            if isinstance(sub, dict):
                out.extend(_texts_in(sub))
    return out


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _flat(text: str) -> str:
    return " ".join(portal.tidy(text).split()).casefold()


@pytest.mark.parametrize("code", CODES)
def test_every_portal_text_is_kept_or_reported(imported: tuple[Path, portal.ImportReport], code: str) -> None:
    """Every sentence of every portal text is in the YAML (or fields.yml), or in the report of what was
    dropped on purpose, with the reason."""
    project, report = imported
    outcome = next(o for o in report.outcomes if o.code == code)
    assert all(d.reason for d in outcome.dropped)
    kept = [
        *_strings(yaml.safe_load(outcome.target.read_text(encoding="utf-8"))),
        *_strings(yaml.safe_load((project / "procedures" / "fields.yml").read_text(encoding="utf-8"))),
        *(d.text for d in outcome.dropped),
    ]
    corpus = "\n".join(_flat(s) for s in kept)
    missing = []
    for text in _texts(record(code)["data"]):
        for line in portal.tidy_lines(text):
            line = portal._BULLET.sub("", line)
            for sentence in re.split(r"(?<=[.;:])\s+", line.rstrip(" :")):
                if (
                    _flat(sentence)
                    and _flat(sentence) not in corpus
                    and _flat(portal.strip_prefix(sentence)) not in corpus
                ):
                    missing.append(sentence)
    assert missing == []


def test_notes_are_not_checklist_items() -> None:
    draft = portal.map_record(record("1.001193")["data"], today=TODAY)
    names = [d["name"] for c in draft.portal["cases"] for d in c["documents"]]
    assert not any(n.startswith(("Lưu ý", "Trường hợp các thông tin cá nhân")) for n in names)
    docs = draft.portal["cases"][0]["documents"]
    residence = next(
        d for d in docs if d["name"].startswith("Giấy tờ có giá trị chứng minh thông tin về cư trú")
    )
    assert residence["action"] == "show"
    assert residence["note"].startswith(
        "Trường hợp các thông tin cá nhân trong các giấy tờ này"
    )  # the note after it
    assert any(
        n.startswith("Cá nhân có quyền lựa chọn thực hiện") for n in draft.portal["notes"]
    )  # "* Lưu ý:" group
    assert draft.portal["cases"][0]["note"].startswith(
        "Trường hợp không khai thác được thông tin"
    )  # before any document


# --- the mapping, on plain dicts -------------------------------------------------------------------------


def minimal(**changes: Any) -> dict[str, Any]:
    data = {
        "id": "r1",
        "code": "1.000001",
        "name": "Thủ tục thử  nghiệm\u200e",
        "state": "ACTIVE",
        "type": "STANDARD",
        "isWard": True,
        "isProvince": False,
        "category": {"name": "Hộ tịch"},
        "executionSteps": [
            {"name": "", "description": "- Bước một.\n+ Ý phụ.\ndòng tiếp\n* Lưu ý:\n- Một lưu ý."}
        ],
        "executionMethods": [
            {
                "submissionMethod": "DIRECT",
                "processingTime": 7.5,
                "processingTimeUnit": "WORKING_DAY",
                "fees": [{"type": "FEE", "value": 8000.0, "description": ""}],
            },
            {
                "submissionMethod": "ONLINE",
                "processingTime": 2,
                "processingTimeUnit": "OTHER",
                "fees": [{"type": "FEE", "value": 8000, "description": ""}],
            },
        ],
        "executionCases": [
            {
                "name": "* Giấy tờ phải nộp:",
                "profileComponents": [
                    {"name": "Lời dẫn trước giấy tờ", "originalQty": 0, "copyQty": 0},
                    {"name": "- Tờ khai", "originalQty": 1, "copyQty": 0},
                    {
                        "name": "Trường hợp đã có bản điện tử thì không phải nộp.",
                        "originalQty": 0,
                        "copyQty": 0,
                    },
                    {"name": "- Trường hợp ủy quyền: văn bản ủy quyền", "originalQty": 1, "copyQty": 1},
                ],
            },
            {
                "name": " * Giấy tờ phải xuất trình: ",
                "profileComponents": [{"name": "- Căn cước", "originalQty": 1, "copyQty": 0}],
            },
            {
                "name": "* Lưu ý :",
                "profileComponents": [{"name": "- Lưu ý chung.", "originalQty": 0, "copyQty": 0}],
            },
        ],
        "cases": [{"name": "Thủ tục thử nghiệm", "processingDay": {"qty": 3, "type": "WORKING_DAY"}}],
        "subjectTypesDetails": [{"name": "Công dân Việt Nam"}],
        "resultsDetails": [{"name": "Giấy chứng nhận"}],
        "legalBasisesDetails": [{"name": "Luật Hộ tịch", "code": "60/2014/QH13"}],
        "unitGroupsExecuting": [{"name": "Ủy ban nhân dân cấp xã"}],
        "requirementsAndConditions": "Không có",
        "description": "Không có",
        "updatedAt": 1776242191512,
        "procedureProposal": {
            "proposalNumber": "1/QĐ-BTP",
            "decisionDate": 1768496400000,
            "issuingAgency": {"name": "Bộ Tư pháp"},
        },
    }
    data.update(changes)
    return data


def test_mapping_of_a_minimal_record() -> None:
    draft = portal.map_record(minimal(), sha256="0" * 64, today=TODAY)
    p = draft.portal
    assert p["name"] == "Thử nghiệm" and draft.field_name == "Hộ tịch"
    assert p["steps"] == ["Bước một.", "Ý phụ.\ndòng tiếp"] and p["notes"] == ["Một lưu ý.", "Lưu ý chung."]
    assert [(c["kind"], c["time"]) for c in p["channels"]] == [
        ("in_person", "7,5 ngày làm việc"),
        ("online", "[Cần cập nhật: Cổng ghi thời hạn 2 nhưng không ghi đơn vị]"),
    ]
    assert p["channels"][0]["fee"] == {"amount": 8000, "text": None}
    (case,) = p["cases"]
    assert case["time"] == "3 ngày làm việc" and case["fee"] == {"amount": 8000, "text": None}
    assert case["note"] == "Lời dẫn trước giấy tờ"
    assert [
        (d["name"], d["action"], d["originals"], d["copies"], d["optional"]) for d in case["documents"]
    ] == [
        ("Tờ khai", "submit", 1, 0, False),
        ("Trường hợp ủy quyền: văn bản ủy quyền", "submit", 1, 1, True),
        ("Căn cước", "show", 1, 0, False),
    ]
    assert case["documents"][0]["note"] == "Trường hợp đã có bản điện tử thì không phải nộp."
    assert p["legal_basis"] == ["Luật Hộ tịch (60/2014/QH13)"] and p["requirements"] == []
    assert p["source"]["decision_date"] == dt.date(2026, 1, 16) and p["source"]["kind"] == "national"
    assert any("OTHER" in h for h in draft.hints)
    assert {d.reason for d in draft.dropped} >= {"Cổng ghi là không có yêu cầu, điều kiện"}


def test_case_groups_become_cases_with_their_own_time_and_fee() -> None:
    data = record("1.009122")["data"]
    cases = portal.map_record(data, today=TODAY).portal["cases"]
    assert [(c["name"], c["time"], c["fee"]["amount"]) for c in cases] == [
        ("Đối với nhà ở riêng lẻ tại đô thị", "10 ngày", 50000),
        ("Đối với công trình", "15 ngày", 100000),
        ("Đối với trường hợp sửa chữa, cải tạo", "15 ngày; 10 ngày", None),
    ]


@pytest.mark.parametrize(
    ("changes", "path", "message"),
    [
        (
            {
                "executionMethods": [
                    {"submissionMethod": "FAX", "processingTime": 1, "processingTimeUnit": "DAY"}
                ]
            },
            ("data", "executionMethods", 0, "submissionMethod"),
            "'submissionMethod' có giá trị 'FAX' không rõ; chỉ nhận: DIRECT, ONLINE, POSTAL",
        ),
        (
            {"state": "GONE"},
            ("data", "state"),
            "'state' có giá trị 'GONE' không rõ; chỉ nhận: ACTIVE, UPDATED",
        ),
        (
            {"isWard": False, "isProvince": False},
            ("data", "isWard"),
            "thủ tục không thực hiện ở cấp xã hay cấp tỉnh",
        ),
        ({"legalBasisesDetails": []}, ("data", "legalBasisesDetails"), "bản ghi không có căn cứ pháp lý"),
        ({"code": "ABC"}, ("data", "code"), "mã thủ tục 'ABC' không đúng mẫu mã quốc gia"),
        (
            {"executionSteps": "một bước"},
            ("data", "executionSteps"),
            "'executionSteps' phải là danh sách, không phải văn bản",
        ),
    ],
)
def test_bad_records_name_the_json_path(changes: dict, path: tuple, message: str) -> None:
    with pytest.raises(portal.RecordError) as info:
        portal.map_record(minimal(**changes), today=TODAY)
    assert any(p == path and m.startswith(message) for p, m in info.value.problems), info.value.problems


def test_missing_keys_are_each_reported() -> None:
    data = minimal()
    del data["executionMethods"], data["name"]
    with pytest.raises(portal.RecordError) as info:
        portal.map_record(data, today=TODAY)
    messages = [m for _, m in info.value.problems]
    assert "thiếu khóa bắt buộc 'executionMethods'" in messages and "thiếu khóa bắt buộc 'name'" in messages


def test_text_helpers() -> None:
    assert portal.split_items("- a\n  b\n+ c\nBước 2: d\n3. e") == ["a\nb", "c", "Bước 2: d", "3. e"]
    assert portal.tidy("  x\u00a0\u00a0y\u200b \n\n z ", "\n") == "x y\nz"
    assert portal.slug("Đăng ký, quản lý cư trú") == "dang-ky-quan-ly-cu-tru"
    assert portal.fit("Một. " * 500, 2000)[0].endswith(".") and all(
        len(p) <= 2000 for p in portal.fit("a " * 3000, 2000)
    )
    assert portal.strip_prefix("Thủ tục đăng ký khai sinh") == "Đăng ký khai sinh"


# --- three-way merge --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "ours", "theirs", "merged", "conflicts"),
    [
        (["a", "b"], ["a", "b"], ["a", "B"], ["a", "B"], 0),  # portal change comes in
        (["a", "b"], ["a", "b*"], ["a", "b"], ["a", "b*"], 0),  # staff edit stays
        (["a", "b"], ["a", "b*"], ["a", "B"], ["a", "b*"], 1),  # both: staff's kept, reported
        (
            ["a", "b"],
            ["a", "x", "b"],
            ["a", "b", "c"],
            ["a", "x", "b", "c"],
            0,
        ),  # staff's own item stays in place
        (["a", "b"], ["a"], ["a", "b"], ["a"], 0),  # staff deleted an item the portal did not change
        (["a", "b", "c"], ["a", "b*", "c"], ["a", "c"], ["a", "c"], 1),  # portal removed an item staff edited
    ],
)
def test_merge_lists(base: list, ours: list, theirs: list, merged: list, conflicts: int) -> None:
    state = portal.Merge()
    assert portal.merge({"steps": base}, {"steps": ours}, {"steps": theirs}, state) == {"steps": merged}
    assert len(state.conflicts) == conflicts


# --- re-import ----------------------------------------------------------------------------------------------


def _edit_yaml(path: Path, edit) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _portal_change(tmp_path: Path, change) -> Path:
    data = record("2.000635")
    change(data["data"])
    path = tmp_path / "changed" / "2.000635.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def _add_document_and_raise_fee(data: dict) -> None:
    group = data["executionCases"][0]
    assert portal._group_kind(portal._heading(group["name"])) == "submit"
    group["profileComponents"].append(
        {"name": "- Giấy xác nhận mới của Cổng", "originalQty": 1, "copyQty": 0}
    )
    for method in data["executionMethods"]:
        for fee in method["fees"]:
            fee["value"] = 10000


def test_reimport_reports_portal_changes_and_keeps_office_parts(tmp_path: Path) -> None:
    root = procedures_copy(tmp_path)
    first = portal.import_portal([SAMPLES / "2.000635.json"], root, today=TODAY)
    target = first.outcomes[0].target
    assert target is not None

    def staff(data: dict) -> None:
        data["cases"][0]["documents"][0]["short"] = "Văn bản ủy quyền"
        data["steps"][0] = "Nộp hồ sơ tại Bộ phận Một cửa (cán bộ viết lại)."
        data["local"] = {"counter": "Quầy 2", "notes": ["Mang theo bản chụp."]}
        data["summary"] = "Xin bản sao giấy khai sinh, trích lục hộ tịch."
        data["cases"][0]["fee"]["verified"] = True

    _edit_yaml(target, staff)
    later = TODAY + dt.timedelta(days=2)  # a later import, still in the past: updated: may not lie ahead
    report = portal.import_portal([_portal_change(tmp_path, _add_document_and_raise_fee)], root, today=later)
    (outcome,) = report.outcomes
    assert outcome.action == "updated" and not report.problems
    assert outcome.changes == [
        "thêm giấy tờ «Giấy xác nhận mới của Cổng»",
        "đổi phí 8.000 đồng → 10.000 đồng (thủ tục; cách thức trực tiếp; cách thức bưu chính; cách thức trực tuyến)",
    ]
    assert outcome.conflicts == []
    assert any("bỏ đánh dấu đã xác minh" in h for h in outcome.hints)
    p = load_catalog(root).procedure("2.000635")
    assert (
        p.local.counter == "Quầy 2"
        and p.local.notes == ["Mang theo bản chụp."]
        and p.summary.startswith("Xin")
    )
    assert p.steps[0] == "Nộp hồ sơ tại Bộ phận Một cửa (cán bộ viết lại)."
    assert p.cases[0].documents[0].short == "Văn bản ủy quyền"
    assert any(d.name == "Giấy xác nhận mới của Cổng" for d in p.cases[0].documents)
    assert p.cases[0].fee.amount == 10000 and not p.cases[0].fee.verified
    assert p.updated == later and p.source.imported == later


def test_reimport_when_both_changed_a_text_keeps_staffs_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = procedures_copy(tmp_path)
    portal.import_portal([SAMPLES / "2.000635.json"], root, today=TODAY)
    target = root / "ho-tich" / "2.000635.yml"
    _edit_yaml(target, lambda d: d["steps"].__setitem__(0, "Bước một, cán bộ viết lại."))

    def portal_edit(data: dict) -> None:
        step = data["executionSteps"][0]
        step["description"] = step["description"].replace("Nếu lựa chọn", "Khi lựa chọn", 1)

    changed = _portal_change(tmp_path, portal_edit)
    code, lines = run(capsys, str(changed), "--into", str(root), "--no-slips")
    assert code == 0
    assert lines[0].endswith(
        "đã cập nhật từ " + str(changed) + " (2.000635 Cấp bản sao Trích lục hộ tịch, bản sao Giấy khai sinh)"
    )
    assert "  Cổng: đổi trình tự" in lines
    assert (
        "  Cổng đã đổi văn bản mà cán bộ đã sửa, cần xem lại: trình tự › mục «Khi lựa chọn hình thức nộp hồ sơ trực tiếp, người…»"
        in lines
    )
    assert load_catalog(root).procedure("2.000635").steps[0] == "Bước một, cán bộ viết lại."
    before = target.read_bytes()
    code, lines = run(capsys, str(changed), "--into", str(root), "--no-slips")
    assert code == 0 and "không đổi" in lines[0] and target.read_bytes() == before  # staff's text now stands


def test_reimport_of_the_same_record_changes_nothing(tmp_path: Path) -> None:
    root = procedures_copy(tmp_path)
    portal.import_portal([SAMPLES], root, today=TODAY)
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    report = portal.import_portal([SAMPLES], root, today=dt.date(2027, 1, 1))
    assert {o.action for o in report.outcomes} == {"unchanged"}
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before


def test_first_import_over_a_hand_written_record_keeps_the_office_parts(tmp_path: Path) -> None:
    # A single office's records, imported already: make two of them hand-written again (no source, no
    # sidecar), one abolished by the office although the portal lists it as active.
    root = tmp_path / "procedures"
    shutil.copytree(SINGLE_OFFICE, root)
    for code in ("1.001193", "2.000986"):
        (root / portal.SIDECAR_DIR / f"{code}.json").unlink(missing_ok=True)
        path = root / "ho-tich" / f"{code}.yml"
        text = path.read_text(encoding="utf-8")
        text = text[: text.index("\nsource:\n") + 1]
        if code == "2.000986":
            text = text.replace("\nstatus_note:", "\nstatus: abolished\nstatus_note:", 1)
        path.write_text(text, encoding="utf-8")
    before = load_catalog(root)
    hand, gone = before.procedure("1.001193"), before.procedure("2.000986")
    assert gone.status.value == "abolished" and hand.local.keywords  # the office's part, to be kept
    report = portal.import_portal([SAMPLES / "1.001193.json", SAMPLES / "2.000986.json"], root, today=TODAY)
    assert [o.action for o in report.outcomes] == ["updated", "updated"] and not report.problems
    after = load_catalog(root)
    p = after.procedure("1.001193")
    assert p.local == hand.local and p.forms == hand.forms and p.summary == hand.summary
    assert p.source is not None and p.name == "Đăng ký khai sinh"
    # The portal still lists 2.000986 as active; abolishing it was the office's decision, and it stands.
    assert (
        after.procedure("2.000986").status == gone.status
        and after.procedure("2.000986").status_note == gone.status_note
    )


# --- bad input ----------------------------------------------------------------------------------------------


BAD = {
    "binary.json": b"\x89PNG\r\n\x1a\n\x00\x00",
    "html.json": b"<!DOCTYPE html>\n<html><head><title>Request Rejected</title></head><body>The requested URL was rejected.</body></html>",
    "syntax.json": b'{"code": "OK",\n "data": {"code": "1.000001",,}}',
    "error.json": json.dumps(
        {"code": "ERR_NOT_FOUND", "message": "Không tìm thấy thủ tục", "data": None}
    ).encode(),
    "list.json": b"[1, 2]",
    "empty.json": b"   \n",
}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("binary.json", "binary.json:1:1: bỏ qua: không phải tệp JSON: có byte không hợp lệ trong UTF-8"),
        (
            "html.json",
            "html.json:1:1: bỏ qua: không phải JSON mà là trang HTML (có thể là trang lỗi hoặc tường lửa của Cổng); hãy tải lại bản ghi",
        ),
        (
            "syntax.json",
            "syntax.json:2:30: bỏ qua: JSON không hợp lệ ở đây (thiếu tên khóa trong dấu nháy kép); hãy tải lại bản ghi",
        ),
        (
            "error.json",
            "error.json:1:2: bỏ qua: Cổng trả lỗi, không có dữ liệu thủ tục: code 'ERR_NOT_FOUND' (Không tìm thấy thủ tục)",
        ),
        (
            "list.json",
            'list.json:1:1: bỏ qua: bản ghi phải là một đối tượng JSON {"code": "OK", "data": {...}}',
        ),
        ("empty.json", "empty.json:1:1: bỏ qua: tệp rỗng, không phải bản ghi JSON"),
    ],
)
def test_bad_files_are_located_and_skipped(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    expected: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    root = procedures_copy(tmp_path)
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / name).write_bytes(BAD[name])
    shutil.copy(SAMPLES / "1.009141.json", inputs / "1.009141.json")
    code, lines = run(capsys, "in", "--into", "procedures", "--no-slips")
    assert code == 1
    assert f"in/{expected}" in lines
    assert any(line.startswith("procedures/hoat-dong-xay-dung/1.009141.yml: đã tạo") for line in lines)
    assert lines[-1] == "Nhập 2 tệp: 1 tạo mới, 0 cập nhật, 0 không đổi, 1 bỏ qua."
    assert not list(root.rglob("*.tmp"))


def test_problems_in_a_record_point_at_their_json_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    procedures_copy(tmp_path)
    data = record("1.009141")
    data["data"]["executionMethods"][1]["submissionMethod"] = "FAX"
    data["data"]["state"] = "ABOLISHED?"
    del data["data"]["legalBasisesDetails"]
    text = json.dumps(data, ensure_ascii=False, indent=1)
    Path("bad.json").write_text(text, encoding="utf-8")
    code, lines = run(capsys, "bad.json", "--no-slips", "--into", "procedures")
    lines_of = text.splitlines()
    fax = next(i for i, line in enumerate(lines_of) if '"FAX"' in line) + 1
    state = next(i for i, line in enumerate(lines_of) if '"ABOLISHED?"' in line) + 1
    assert code == 1
    assert (
        f"bad.json:{fax}:5: bỏ qua: 'submissionMethod' có giá trị 'FAX' không rõ; chỉ nhận: DIRECT, ONLINE, POSTAL"
        in lines
    )
    assert (
        f"bad.json:{state}:3: bỏ qua: 'state' có giá trị 'ABOLISHED?' không rõ; chỉ nhận: ACTIVE, UPDATED"
        in lines
    )
    assert "bad.json:3:2: bỏ qua: thiếu khóa bắt buộc 'legalBasisesDetails'" in lines
    assert not Path("procedures/hoat-dong-xay-dung").exists()  # nothing half-written


def test_a_huge_file_is_refused_before_reading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    procedures_copy(tmp_path)
    with open("huge.json", "wb") as handle:  # sparse: 50 MB on paper, nothing on disk
        handle.truncate(50 * 1024 * 1024)
    code, lines = run(capsys, "huge.json", "--no-slips")
    assert code == 1
    assert (
        lines[0]
        == "huge.json:1:1: bỏ qua: tệp quá lớn (52.428.800 byte); một bản ghi của Cổng chỉ vài chục KB, tối đa 8.388.608 byte"
    )


def test_a_broken_existing_file_is_not_overwritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    root = procedures_copy(tmp_path)
    portal.import_portal([SAMPLES / "1.009141.json"], root, today=TODAY)
    target = root / "hoat-dong-xay-dung" / "1.009141.yml"
    target.write_text(
        target.read_text(encoding="utf-8").replace("level: commune", "level: [commune"), encoding="utf-8"
    )
    broken = target.read_bytes()
    code, lines = run(capsys, str(SAMPLES / "1.009141.json"), "--no-slips")
    assert code == 1
    assert re.match(
        r"procedures/hoat-dong-xay-dung/1\.009141\.yml:\d+:\d+: bỏ qua: tệp hiện có có lỗi, sửa trước khi nhập lại: lỗi cú pháp YAML",
        lines[0],
    )
    assert target.read_bytes() == broken


def test_long_slips_are_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    procedures_copy(tmp_path)
    shutil.copytree(ROOT / "theme", tmp_path / "theme")
    code, lines = run(capsys, str(SAMPLES / "1.002755.json"), str(SAMPLES / "1.009141.json"))
    assert code == 0
    assert "  phiếu dài 3 trang A5: viết tên ngắn (short) cho các giấy tờ có tên dài" in lines
    assert (
        lines[-1] == "Nhập 2 tệp: 2 tạo mới, 0 cập nhật, 0 không đổi, 0 bỏ qua. 1 phiếu dài hơn một trang A5."
    )


@pytest.mark.parametrize(
    "text",
    [
        "1.5",
        "1.001193",
        "yes",
        "No",
        "null",
        "~",
        "2026-01-01",
        "- x",
        "a: b",
        "#x",
        "x #y",
        "Tên:",
        " lead",
        "trail ",
        "@x",
        "%x",
        "<<",
        "'q'",
        '"q"',
        "tab\tx",
        "a\nb",
        "a\n\nb",
        "a\n",
        "\na",
        "a\n b",
        "x\u2028y",
        "",
        ".inf",
        "Giấy tờ: bản chính",
        "Mẫu CT01 (Thông tư 53/2025/TT-BCA)",
    ],
)
def test_yaml_writer_reads_back_the_same_text(text: str) -> None:
    assert yaml.safe_load(fmt.dump({"k": text, "list": [text, {"k": text}]}, "schema.json")) == {
        "k": text,
        "list": [text, {"k": text}],
    }
