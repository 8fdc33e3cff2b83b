"""Staff tools on a province's folder: schemas, fmt, the editor, validate, diff, new, import, stats, ledger
and the production check, each seeing the three layers (national records, the province, its offices)."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pypdfium2
import pytest
import yaml
from phieu import urls
from phieu.cli import main
from phieu.errors import DataError
from phieu.load import load_project
from phieu.model import SLUG_PATTERN
from phieu.staff import editor, portal
from phieu.staff.diff import diff, to_markdown
from phieu.staff.new import offices_with_offers
from phieu.staff.schema import SCHEMAS, json_schema

from tests.conftest import ROOT, copy_project
from tests.test_stats import ANDROID, IPHONE, at, line

PROVINCE = ROOT / "procedures"


@pytest.fixture(scope="module")
def shipped():
    return load_project(PROVINCE)


# --------------------------------------------------------------------------- the editor


def _province_config(project) -> dict:
    return editor.config(
        project,
        procedures="procedures",
        repo="so-tu-phap/phieu",
        branch="main",
        site_url=project.province.site_url,
    )


def test_the_province_editor_has_the_records_the_offices_and_the_province_files(shipped) -> None:
    config = _province_config(shipped)
    collections = {c["name"]: c for c in config["collections"]}
    fields = [
        c for c in config["collections"] if c.get("folder", "").startswith("procedures/") and "slug" in c
    ]
    assert [c["name"] for c in fields[: len(shipped.fields)]] == [f.id for f in shipped.fields]
    for collection in fields[: len(shipped.fields)]:
        assert "local" not in [
            f["name"] for f in collection["fields"]
        ]  # an office's parts are in its own file
        assert [f["name"] for f in collection["fields"]] == [
            k for k in json_schema(SCHEMAS["procedure"])["properties"] if k != "local"
        ]

    offices = collections[editor.OFFICES]
    assert offices["folder"] == "procedures/offices" and offices["extension"] == "yml"
    assert offices["create"] is True and offices["delete"] is False and offices["publish"] is False
    assert offices["slug"]["editable"] == ["create"]
    pattern = re.compile(offices["slug"]["pattern"][0])
    assert all(pattern.fullmatch(o.id) for o in shipped.offices)
    assert not pattern.fullmatch("admin") and not pattern.fullmatch("p") and not pattern.fullmatch("Phuong 1")
    assert pattern.fullmatch("padmin") and re.fullmatch(SLUG_PATTERN, "padmin")
    assert "admin" in offices["slug"]["pattern"][1]
    form = {f["name"]: f for f in offices["fields"]}
    assert list(form) == list(json_schema(SCHEMAS["office-profile"])["properties"])
    codes = [o["value"] for o in form["offers"]["options"]]
    assert (form["offers"]["widget"], form["offers"]["multiple"]) == ("select", True)
    assert codes == [p.code for p in shipped.procedures]
    counters = {f["name"]: f for f in form["counters"]["fields"]}
    assert counters["field"]["widget"] == "select"
    assert [o["value"] for o in counters["field"]["options"]] == [f.id for f in shipped.fields]
    own = {f["name"]: f for f in form["procedures"]["fields"]}
    assert list(own) == ["code", "counter", "notes", "keywords", "same_visit"]
    assert [o["value"] for o in own["code"]["options"]] == codes

    shared = collections[editor.SHARED]
    assert [f["file"] for f in shared["files"]] == [
        "procedures/province.yml",
        "procedures/fees.yml",
        "procedures/fields.yml",
    ]
    province = {f["name"]: f for f in shared["files"][0]["fields"]}
    assert [o["value"] for o in province["former_site"]["options"]] == [o.id for o in shipped.offices]
    fees = {f["name"]: f for f in shared["files"][1]["fields"]}
    row = {f["name"]: f for f in fees["fees"]["fields"]}
    assert {o["value"] for o in row["code"]["options"]} >= {e.code for e in shipped.fee_table.fees}
    assert {o["value"] for o in row["case"]["options"]} >= {e.case for e in shipped.fee_table.fees}
    assert row["fee"]["widget"] == "object"


def test_the_province_editor_configuration_is_valid_for_the_pinned_editor(shipped) -> None:
    schema = json.loads((ROOT / "node_modules" / editor.PACKAGE / "schema" / "sveltia-cms.json").read_text())
    validator = jsonschema.validators.validator_for(schema)(schema)
    config = yaml.safe_load(editor.config_text(_province_config(shipped)))
    assert [e.message for e in validator.iter_errors(config)] == []


def test_the_province_editor_writes_with_every_kind_and_each_offices_comments(shipped) -> None:
    meta = editor.metadata(shipped)
    assert {"procedure", "province", "fees", "fields", "office-profile"} <= set(meta["schemaRefs"])
    assert "office" not in meta["schemaRefs"]  # a province has no single office's file
    assert meta["schemaRefs"]["office-profile"] == "../../schema/office-profile.schema.json"
    assert meta["schemaRefs"]["province"] == "../schema/province.schema.json"
    assert [o[0] for o in meta["offices"]] == [o.id for o in shipped.offices]
    assert {f"office-profile:{o.id}" for o in shipped.offices} <= set(meta["comments"])
    assert {"province", "fees"} <= set(meta["comments"])


def test_a_province_publishes_one_editor_titled_with_its_name(shipped, monkeypatch) -> None:
    monkeypatch.setattr(editor, "vendor_files", dict)  # the vendored script is test_editor's
    files = editor.admin_files(
        shipped,
        repository=ROOT,
        repo_url="https://github.com/so-tu-phap/phieu",
        edit_uri="edit/main/",
        site_url=shipped.province.site_url,
    )
    assert set(files) == {
        urls.admin(n) for n in (editor.INDEX, editor.CONFIG, editor.METADATA, editor.WRITER)
    }
    assert f"<title>Sửa thủ tục – {shipped.province.name}</title>" in files[urls.admin(editor.INDEX)]


def test_a_province_site_has_its_editor_at_the_root_only(province: Path) -> None:
    site = province / "site"
    config = yaml.safe_load((site / urls.admin(editor.CONFIG)).read_text(encoding="utf-8"))
    assert editor.OFFICES in [c["name"] for c in config["collections"]]
    for office in load_project(province / "procedures").offices:
        assert (site / office.id / "index.html").is_file()
        assert not (site / office.id / urls.ADMIN).exists(), office.id


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "procedures"
    shutil.copytree(PROVINCE, root)
    return root


# --------------------------------------------------------------------------- validate


def _problems(root: Path) -> list[str]:

    with pytest.raises(DataError) as caught:
        load_project(root, display_root=root.parent)
    return [str(p) for p in caught.value.problems]


def _line_of(path: Path, text: str, nth: int = 1) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    found = [i for i, line in enumerate(lines, 1) if text in line]
    return found[nth - 1]


def test_validate_finds_an_office_duplicated_by_name_reception_point_or_former_commune(
    tmp_path: Path,
) -> None:
    root = _copy(tmp_path)
    sa_dec = root / "offices" / "phuong-sa-dec.yml"
    text = sa_dec.read_text(encoding="utf-8")
    point = "  - name: Tổ tiếp nhận hồ sơ số 4"
    block = text[text.index(point) : text.index("# Địa bàn cũ")]
    text = text.replace(block, block + block, 1).replace(
        "  - xã Tân Quy Tây\n", "  - xã Tân Quy Tây\n  - phường An Hòa\n"
    )
    sa_dec.write_text(text, encoding="utf-8")
    my_ngai = root / "offices" / "phuong-my-ngai.yml"
    my_ngai.write_text(
        my_ngai.read_text(encoding="utf-8").replace(
            "name: Ủy ban nhân dân phường Mỹ Ngãi", "name: Ủy ban nhân dân phường Cao Lãnh"
        ),
        encoding="utf-8",
    )
    problems = _problems(root)
    reception = _line_of(sa_dec, point, 2)
    former = _line_of(sa_dec, "  - phường An Hòa", 2)
    assert problems == [
        "procedures/offices/phuong-my-ngai.yml:3:7: tên 'Ủy ban nhân dân phường Cao Lãnh' đã dùng ở "
        "offices/phuong-cao-lanh.yml: mỗi xã, phường một tệp, mỗi tệp một tên (người dân chọn xã, phường theo tên)",
        f"procedures/offices/phuong-sa-dec.yml:{reception}:11: điểm tiếp nhận 'Tổ tiếp nhận hồ sơ số 4 (trụ sở "
        "tại Ủy ban nhân dân phường Tân Quy Đông cũ)' ghi hai lần trong reception",
        f"procedures/offices/phuong-sa-dec.yml:{former}:5: xã, phường cũ 'phường An Hòa' ghi hai lần trong former",
    ]


def test_validate_refuses_an_empty_offers_list(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    my_ngai = root / "offices" / "phuong-my-ngai.yml"
    text = my_ngai.read_text(encoding="utf-8")
    my_ngai.write_text(text[: text.index("offers:")] + "offers: []\n", encoding="utf-8")
    line = _line_of(my_ngai, "offers: []")
    assert _problems(root) == [f"procedures/offices/phuong-my-ngai.yml:{line}:9: 'offers' cần ít nhất 1 mục"]


# --------------------------------------------------------------------------- diff and the reprint list per office

OFFICES = ("phuong-cao-lanh", "phuong-my-ngai", "phuong-sa-dec")


def _git(repo: Path, *args: str) -> str:

    return subprocess.run(
        ["git", "-c", "user.name=Cán bộ", "-c", "user.email=can-bo@example.vn", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository whose first commit holds the shipped province."""

    root = copy_project(tmp_path / "repo", procedures=PROVINCE)
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "đầu tiên")
    return root


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _diff(repo: Path):

    return diff("HEAD", repo / "procedures", redirects_file=repo / "redirects.yml")


def _slips(report) -> dict[str, list[tuple[str, str]]]:
    return {o["office"]: [(s["path"], s["reason"]) for s in o["reprint"]["slips"]] for o in report.offices}


def test_no_change_in_a_province_means_nothing_to_reprint(repo: Path) -> None:

    report = _diff(repo)
    assert report.empty and [o["office"] for o in report.offices] == list(OFFICES)
    assert "Không cần in lại phiếu nào." in to_markdown(report)


def test_a_national_change_reprints_that_slip_at_every_office_offering_it(repo: Path) -> None:

    _edit(repo / "procedures" / "chung-thuc" / "2.000815.yml", "updated: 2026-11-29", "updated: 2026-11-28")
    _edit(repo / "procedures" / "ho-tich" / "1.001193.yml", "updated: 2026-11-29", "updated: 2026-11-28")
    report = _diff(repo)
    assert [(c["code"], c["parts"], c["printed"], c["offices"]) for c in report.changed] == [
        ("1.001193", ["updated"], True, list(OFFICES)),
        ("2.000815", ["updated"], True, ["phuong-cao-lanh", "phuong-sa-dec"]),  # Mỹ Ngãi does not offer it
    ]
    assert _slips(report) == {
        "phuong-cao-lanh": [("pdf/phieu-1.001193.pdf", "changed"), ("pdf/phieu-2.000815.pdf", "changed")],
        "phuong-my-ngai": [("pdf/phieu-1.001193.pdf", "changed")],
        "phuong-sa-dec": [("pdf/phieu-1.001193.pdf", "changed"), ("pdf/phieu-2.000815.pdf", "changed")],
    }
    assert not any(report.reprint.values())  # no paper outside an office's folder
    markdown = to_markdown(report)
    assert "ngày cập nhật — mọi xã, phường (3)" in markdown
    assert "ngày cập nhật — phường Cao Lãnh, phường Sa Đéc" in markdown
    assert "| Phiếu cần in (mọi xã, phường) | 5 |" in markdown
    assert "#### Ủy ban nhân dân phường Mỹ Ngãi (`phuong-my-ngai/`)" in markdown
    assert "| `phuong-my-ngai/pdf/phieu-1.001193.pdf` |" in markdown
    assert "`phuong-my-ngai/pdf/phieu-2.000815.pdf`" not in markdown


def test_an_office_file_change_reprints_only_that_offices_paper(repo: Path) -> None:

    sa_dec = repo / "procedures" / "offices" / "phuong-sa-dec.yml"
    _edit(sa_dec, 'phone: "[Cần cập nhật]"', 'phone: "0277 3861 234"')
    report = _diff(repo)
    assert not (report.added or report.changed or report.status or report.renamed or report.withdrawn)
    slips = _slips(report)
    assert slips["phuong-cao-lanh"] == [] and slips["phuong-my-ngai"] == []
    offered = load_project(repo / "procedures").office("phuong-sa-dec").catalog.procedures
    assert slips["phuong-sa-dec"] == [(f"pdf/phieu-{p.code}.pdf", "office") for p in offered]
    entry = next(o for o in report.offices if o["office"] == "phuong-sa-dec")
    assert entry["office_changed"] is True
    assert [t["path"] for t in entry["reprint"]["tents"]] == [
        "pdf/de-ban-chung-thuc.pdf",
        "pdf/de-ban-ho-tich.pdf",
    ]
    markdown = to_markdown(report)
    assert "Thông tin của xã, phường (offices/phuong-sa-dec.yml hoặc province.yml) thay đổi." in markdown
    cao_lanh = markdown[markdown.index("#### Ủy ban nhân dân phường Cao Lãnh") :]
    assert cao_lanh.split("\n\n")[1] == "Không có gì thay đổi ở xã, phường này. Không cần in lại phiếu nào."


def test_an_offices_own_part_of_a_procedure_reprints_its_slip_only_when_printed(repo: Path) -> None:
    cao_lanh = repo / "procedures" / "offices" / "phuong-cao-lanh.yml"
    _edit(cao_lanh, "      - người nhà mất\n", "      - người nhà mất\n      - báo tử cho ông bà\n")
    report = _diff(repo)
    entry = next(o for o in report.offices if o["office"] == "phuong-cao-lanh")
    assert entry["own"] == [{"code": "1.000656", "name": "Đăng ký khai tử", "printed": False}]
    assert _slips(report) == {o: [] for o in OFFICES}  # keywords are not printed
    assert report.changed == []  # the record itself did not change

    _edit(cao_lanh, 'same_visit: "30–45 phút"', 'same_visit: "20–30 phút"')  # the first: 1.000656's
    report = _diff(repo)
    assert _slips(report) == {"phuong-cao-lanh": [("pdf/phieu-1.000656.pdf", "changed")]} | {
        "phuong-my-ngai": [],
        "phuong-sa-dec": [],
    }


def test_a_fee_table_change_reaches_every_office_offering_that_code(repo: Path) -> None:
    fees = repo / "procedures" / "fees.yml"
    _edit(fees, "      amount: 20000\n", "      amount: 25000\n")  # 1.004746, not verified: not printed
    report = _diff(repo)
    assert [(c["code"], c["parts"], c["printed"], c["offices"]) for c in report.changed] == [
        ("1.004746", ["fees"], False, ["phuong-cao-lanh", "phuong-sa-dec"])
    ]
    assert _slips(report) == {o: [] for o in OFFICES}

    _edit(fees, "      amount: 25000\n", "      amount: 25000\n      verified: true\n")
    report = _diff(repo)
    assert report.changed[0]["printed"] is True
    assert _slips(report) == {
        "phuong-cao-lanh": [("pdf/phieu-1.004746.pdf", "changed")],
        "phuong-my-ngai": [],
        "phuong-sa-dec": [("pdf/phieu-1.004746.pdf", "changed")],
    }


def test_an_office_offering_one_more_procedure_prints_its_slip(repo: Path, monkeypatch, capsys) -> None:

    my_ngai = repo / "procedures" / "offices" / "phuong-my-ngai.yml"
    _edit(my_ngai, '  - "1.004873"\n', '  - "1.004873"\n  - "1.004746"\n')
    monkeypatch.chdir(repo)
    assert main(["diff", "HEAD", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["added"] == [] and data["changed"] == []
    entry = next(o for o in data["offices"] if o["office"] == "phuong-my-ngai")
    assert entry["offered"] == ["1.004746"] and entry["home"] == "phuong-my-ngai/"
    assert [(s["path"], s["reason"]) for s in entry["reprint"]["slips"]] == [
        ("pdf/phieu-1.004746.pdf", "added")
    ]
    assert [p["path"] for p in entry["reprint"]["posters"]] == ["pdf/ap-phich-ho-tich.pdf"]

    _git(repo, "commit", "-q", "-am", "thêm")
    _edit(my_ngai, '  - "1.004746"\n', "")
    assert main(["diff", "HEAD"]) == 0
    out = capsys.readouterr().out
    assert "Không còn giải quyết: 1.004746" in out
    assert (
        "Ủy ban nhân dân phường Mỹ Ngãi (phuong-my-ngai) không còn thủ tục 1.004746: thu hồi phiếu đã in của thủ "
        "tục này ở xã, phường đó (trang của nó ở xã, phường đó không còn)."
    ) in out
    assert "**Phiếu cần thu hồi** (bỏ khỏi quầy): `phuong-my-ngai/pdf/phieu-1.004746.pdf`" in out


# --------------------------------------------------------------------------- new and import


def test_phieu_new_in_a_province_writes_a_record_without_an_offices_part(tmp_path: Path, capsys) -> None:

    root = _copy(tmp_path)
    assert main(["new", "1.999001", "--field", "ho-tich", "--into", str(root)]) == 0
    out = capsys.readouterr().out
    path = root / "ho-tich" / "1.999001.yml"
    text = path.read_text(encoding="utf-8")
    assert "local" not in text and text.startswith("# yaml-language-server: $schema=")
    project = load_project(root)  # the province still validates
    offering = [o.id for o in project.offering("1.999001")]
    assert offering == ["phuong-cao-lanh", "phuong-sa-dec"]  # Mỹ Ngãi lists what it offers
    assert (
        "Xã, phường chỉ giải quyết các thủ tục ghi trong offers: thêm 1.999001 vào offers của "
        f"{root / 'offices' / 'phuong-my-ngai.yml'} nếu xã, phường đó giải quyết thủ tục này."
    ) in out

    assert offices_with_offers(ROOT / "tests" / "fixtures" / "single-office" / "procedures") == []


def test_phieu_import_into_a_province_keeps_records_free_of_office_parts(tmp_path: Path) -> None:

    samples = ROOT / "tests" / "fixtures" / "portal"
    root = _copy(tmp_path)
    changed = json.loads((samples / "1.000656.json").read_text(encoding="utf-8"))
    changed["data"]["executionCases"][0]["profileComponents"].append(
        {"name": "- Giấy xác nhận mới của Cổng", "originalQty": 1, "copyQty": 0}
    )
    newer = tmp_path / "moi" / "1.000656.json"
    newer.parent.mkdir()
    newer.write_text(json.dumps(changed, ensure_ascii=False), encoding="utf-8")
    report = portal.import_portal([samples / "1.003197.json", newer], root)
    assert report.problems == [], report.problems
    assert {o.code: o.action for o in report.outcomes} == {"1.003197": "written", "1.000656": "updated"}
    for outcome in report.outcomes:
        assert "local:" not in outcome.target.read_text(encoding="utf-8")
    project = load_project(root)
    cao_lanh = project.office("phuong-cao-lanh").catalog.procedure("1.000656")
    assert cao_lanh.local.same_visit == "30–45 phút"  # the office's part, from its own file
    assert any(d.name == "Giấy xác nhận mới của Cổng" for d in cao_lanh.cases[0].documents)
    assert "1.003197" in [p.code for p in project.office("phuong-sa-dec").catalog.procedures]
    assert "1.003197" not in [p.code for p in project.office("phuong-my-ngai").catalog.procedures]
    again = portal.import_portal([newer], root)  # merged with the last import: still no office's part
    assert [o.action for o in again.outcomes] == ["unchanged"] and again.problems == []


# --------------------------------------------------------------------------- stats and the ledger


def test_stats_counts_each_office_apart_from_one_reading(tmp_path: Path, capsys) -> None:

    project = copy_project(tmp_path / "project", PROVINCE)
    log = tmp_path / "access.log"
    log.write_text(
        "".join(
            [
                line("203.0.113.5", at(2, 8, 0), "/phuong-cao-lanh/q/1.001193/", agent=ANDROID),
                line(
                    "203.0.113.5", at(2, 8, 1), "/phuong-cao-lanh/p/1.001193/", agent=ANDROID
                ),  # its landing
                line("198.51.100.7", at(2, 9, 0), "/phuong-my-ngai/q/1.001193/", agent=IPHONE),
                line("198.51.100.7", at(2, 9, 30), "/phuong-my-ngai/p/1.000894/", agent=IPHONE),  # a visit
                line("192.0.2.44", at(3, 9, 0), "/phuong-sa-dec/q/f/ho-tich/", agent=IPHONE),
                line("192.0.2.44", at(3, 9, 5), "/p/1.001193/", agent=IPHONE),  # the province's page
                line(
                    "192.0.2.45", at(3, 9, 5), "/phuong-my-ngai/q/2.000815/", agent=IPHONE
                ),  # not offered there
            ]
        ),
        encoding="utf-8",
    )
    out = tmp_path / "thong-ke"
    assert main(["stats", str(log), "-f", str(project / "mkdocs.yml"), "-o", str(out)]) == 0
    printed = capsys.readouterr().out

    def rows(office: str) -> list[list[str]]:
        raw = (out / office / "thong-ke.csv").read_text(encoding="utf-8-sig")
        return [r[:8] for r in csv.reader(raw.splitlines())][1:]

    assert rows("phuong-cao-lanh") == [
        ["2026-03", "Tất cả lĩnh vực", "", "", "1", "0", "0", "0"],
        ["2026-03", "Hộ tịch", "", "Cả lĩnh vực", "1", "0", "0", "0"],
        ["2026-03", "Hộ tịch", "1.001193", "Đăng ký khai sinh", "1", "0", "0", "0"],
    ]
    assert [r[2] for r in rows("phuong-my-ngai")] == ["", "", "1.001193", "1.000894"]
    assert rows("phuong-my-ngai")[0][4:7] == ["1", "0", "1"]
    assert rows("phuong-sa-dec") == [
        ["2026-03", "Tất cả lĩnh vực", "", "", "0", "1", "0", "0"],
        ["2026-03", "Hộ tịch", "", "Cả lĩnh vực", "0", "1", "0", "0"],
    ]
    assert (out / "phuong-sa-dec" / "thong-ke.html").is_file() and not (out / "thong-ke.csv").exists()
    assert "Ủy ban nhân dân phường Cao Lãnh (phuong-cao-lanh):\n  Tháng 3/2026: 1 lượt quét phiếu" in printed
    assert printed.count("Không tính:") == 1


def test_the_ledger_lists_every_offices_urls(tmp_path: Path, capsys) -> None:

    site = tmp_path / "site"
    pages = [
        "index.html",
        "xa-phuong/index.html",
        "tra-cuu/index.html",
        "p/1.001193/index.html",
        "assets/tra-cuu/index.html",  # the theme's: a reserved folder, never an office
        "phuong-my-ngai/index.html",
        "phuong-my-ngai/tra-cuu/index.html",
        "phuong-my-ngai/in-an/index.html",
        "phuong-my-ngai/p/1.001193/index.html",
        "phuong-my-ngai/f/ho-tich/index.html",
        "phuong-my-ngai/q/1.001193/index.html",
        "phuong-my-ngai/q/f/ho-tich/index.html",
        "phuong-my-ngai/pdf/phieu-1.001193.pdf",
        "phuong-my-ngai/pdf/goi-in-thay-doi.pdf",  # phieu build --reprint's: one-off
        "phuong-my-ngai/search/search_index.json",
        "mau-khong-phai-xa/index.html",  # a folder without an A–Z list is not an office's site
    ]
    for page in pages:
        (site / page).parent.mkdir(parents=True, exist_ok=True)
        (site / page).write_text("x", encoding="utf-8")
    ledger = tmp_path / "published-urls.txt"
    assert main(["ledger", "update", "--ledger", str(ledger), "-d", str(site)]) == 0
    listed = [line for line in ledger.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    assert listed == [
        "/",
        "/p/1.001193/",
        "/phuong-my-ngai/",
        "/phuong-my-ngai/f/ho-tich/",
        "/phuong-my-ngai/in-an/",
        "/phuong-my-ngai/p/1.001193/",
        "/phuong-my-ngai/pdf/phieu-1.001193.pdf",
        "/phuong-my-ngai/q/1.001193/",
        "/phuong-my-ngai/q/f/ho-tich/",
        "/phuong-my-ngai/tra-cuu/",
        "/tra-cuu/",
        "/xa-phuong/",
    ]
    (site / "phuong-my-ngai" / "pdf" / "phieu-1.001193.pdf").unlink()
    assert main(["ledger", "check", "--ledger", str(ledger), "-d", str(site)]) == 1
    assert (
        "/phuong-my-ngai/pdf/phieu-1.001193.pdf  (phiếu in của thủ tục 1.001193 của xã, phường phuong-my-ngai)"
        in capsys.readouterr().err
    )


def test_build_reprint_writes_one_pack_per_office_that_has_slips_to_reprint(
    repo: Path, monkeypatch, capsys
) -> None:

    _edit(repo / "procedures" / "chung-thuc" / "2.000815.yml", "updated: 2026-11-29", "updated: 2026-11-28")
    monkeypatch.chdir(repo)
    monkeypatch.delenv("SITE_URL", raising=False)
    assert main(["build", "--reprint", "HEAD"]) == 0
    out = capsys.readouterr().out
    site = repo / "site"

    def pages(path: Path) -> int:
        return len(pypdfium2.PdfDocument(path))

    for office in ("phuong-cao-lanh", "phuong-sa-dec"):  # the offices that offer 2.000815
        pack = site / office / "pdf" / "goi-in-thay-doi.pdf"
        assert pages(pack) == pages(site / office / "pdf" / "phieu-2.000815.pdf") >= 1
        assert f"Gói in chỉ gồm các phiếu trên: `{office}/pdf/goi-in-thay-doi.pdf`." in out
    assert not (site / "phuong-my-ngai" / "pdf" / "goi-in-thay-doi.pdf").exists()
    assert not (site / "pdf" / "goi-in-thay-doi.pdf").exists()


def test_the_province_editor_saves_an_offices_file_in_fmts_layout(browser, province: Path) -> None:
    """In Chromium: open an office of the province in the editor, change its phone, save; the file is
    phieu fmt's, its comments kept, and the province still validates."""
    from tests.test_editor import _field, _open_admin, _save, _saved, serve

    project = load_project(province / "procedures")
    office = project.office("phuong-my-ngai")
    relative = office.source.relative_to(province).as_posix()
    original = office.source.read_text(encoding="utf-8")
    with serve(province / "site") as url:
        context, page, outside = _open_admin(browser, province, url)
        try:
            page.get_by_text("Xã, phường", exact=True).first.click()
            page.get_by_text(office.profile.name, exact=True).click()
            phone = _field(page, page, "Số điện thoại").locator("input")
            phone.wait_for()
            assert phone.input_value() == office.profile.phone
            phone.fill("0277 3861 234")
            _save(page)
            saved = _saved(page, relative, original)
        finally:
            context.close()
    assert not [u for u in outside if "cdn" in u or "unpkg" in u], outside
    expected = office.profile.model_copy(update={"phone": "0277 3861 234"})
    ref = "../../schema/office-profile.schema.json"
    assert saved == editor.fmt.render(expected, ref, editor.fmt.read_comments(original))
    assert original.splitlines()[1] in saved  # the file's own comments, kept
    copy = shutil.copytree(province / "procedures", province.parent / "saved-procedures")
    try:
        (copy / "offices" / "phuong-my-ngai.yml").write_text(saved, encoding="utf-8")
        assert load_project(copy).office("phuong-my-ngai").profile == expected
    finally:
        shutil.rmtree(copy)


def test_diff_against_a_provinces_published_manifest(province: Path, tmp_path: Path) -> None:
    """The manifest lists every office's slips: the comparison is per office, with each office's address."""
    manifest = province / "site" / "manifest.json"
    root = shutil.copytree(province / "procedures", tmp_path / "procedures")
    assert diff(str(manifest), root).empty
    _edit(root / "offices" / "phuong-sa-dec.yml", 'phone: "[Cần cập nhật]"', 'phone: "0277 3861 234"')
    report = diff(str(manifest), root)
    slips = _slips(report)
    assert slips["phuong-cao-lanh"] == [] and slips["phuong-my-ngai"] == []
    offered = load_project(root).office("phuong-sa-dec").catalog.procedures
    assert [path for path, _ in slips["phuong-sa-dec"]] == [f"pdf/phieu-{p.code}.pdf" for p in offered]
    assert all(c["offices"] == ["phuong-sa-dec"] for c in report.changed)


def test_a_single_office_that_becomes_a_province_hands_its_paper_to_its_successor(tmp_path: Path) -> None:
    """The base is a single office's folder: its slips are compared with those of province.yml's former_site."""
    from tests.conftest import SINGLE_OFFICE

    root = copy_project(tmp_path / "repo", procedures=SINGLE_OFFICE)
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "một cơ quan")
    shutil.rmtree(root / "procedures")
    shutil.copytree(PROVINCE, root / "procedures")
    report = _diff(root)
    assert report.added == [] and report.withdrawn == []  # the records were there before, at one office
    assert [c["code"] for c in report.changed] == [
        p.code for p in load_project(root / "procedures").procedures
    ]
    entries = {o["office"]: o for o in report.offices}
    assert entries["phuong-cao-lanh"]["offered"] == []  # the former single office
    slips = entries["phuong-cao-lanh"]["reprint"]["slips"]  # its QR codes now open its folder: all reprinted
    assert len(slips) == len(load_project(root / "procedures").office("phuong-cao-lanh").catalog.procedures)
    assert {s["reason"] for s in slips} <= {"changed", "office"} and all(s["old_version"] for s in slips)
    assert entries["phuong-my-ngai"]["offered"] == [
        "1.000656",
        "1.000894",
        "1.001022",
        "1.001193",
        "1.004873",
    ]
