"""``phieu fmt``: one canonical layout, idempotent, meaning-preserving, comments kept where they are."""

from __future__ import annotations

import shutil
import time
import unicodedata
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from phieu.cli import main
from phieu.errors import DataError
from phieu.load import load_catalog
from phieu.load.reader import FileReader
from phieu.staff import fmt, portal

ROOT = Path(__file__).resolve().parents[1]
SINGLE_OFFICE = ROOT / "tests" / "fixtures" / "single-office" / "procedures"
PROVINCE = ROOT / "procedures"
HOSTILE = ROOT / "tests" / "hostile"


def _kind(path: Path) -> str:
    """The hostile corpus keeps office and fields cases in folders of their own."""
    return {"office": "office", "fields": "fields"}.get(path.parent.name, fmt.kind_of(path))


def _every_data_file() -> list[Path]:
    shipped = list(
        fmt.data_files([PROVINCE, SINGLE_OFFICE, ROOT / "tests" / "fixtures" / "mini" / "procedures"])
    )
    return [*shipped, *sorted(HOSTILE.rglob("*.yml"))]


FILES = _every_data_file()


def _record(path: Path, kind: str):
    problems: list = []
    located = FileReader(path, problems).read()
    assert located is not None, problems
    return fmt.MODELS[kind].model_validate(located.data)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_fmt_keeps_the_meaning_and_is_idempotent(path: Path, tmp_path: Path) -> None:
    kind = _kind(path)
    try:
        _, once = fmt.format_file(path, kind)
    except DataError:
        assert path.is_relative_to(HOSTILE), f"a shipped file does not load: {path}"
        return  # a hostile file that is refused: fmt leaves it alone (test_fmt_refuses_a_file_with_problems)
    copy = tmp_path / path.name
    copy.write_text(once, encoding="utf-8")
    assert _record(copy, kind) == _record(path, kind)  # load(fmt(x)) == load(x)
    assert fmt.format_file(copy, kind)[1].split("\n", 1)[1] == once.split("\n", 1)[1]  # fmt(fmt(x)) == fmt(x)
    assert once.startswith(fmt.SCHEMA_LINE)


def test_the_hostile_corpus_has_files_that_load() -> None:
    loaded = []
    for path in sorted(HOSTILE.rglob("*.yml")):
        try:
            fmt.format_file(path, _kind(path))
        except DataError:
            continue
        loaded.append(path.name)
    assert {"bom.yml", "crlf.yml", "1.000001.yml"} <= set(loaded)


def test_shipped_files_point_at_the_repository_schema() -> None:
    assert fmt.schema_ref(PROVINCE / "ho-tich" / "1.001193.yml", "procedure") == (
        "../../schema/procedure.schema.json"
    )
    assert (
        fmt.schema_ref(PROVINCE / "office.yml", "office") == "../schema/office.schema.json"
    )  # a single office's
    shipped = {path.relative_to(PROVINCE).as_posix(): path for path in fmt.data_files([PROVINCE])}
    assert {
        name: fmt.kind_of(path) for name, path in shipped.items() if "/" not in name or "offices/" in name
    } == {
        "province.yml": "province",
        "fees.yml": "fees",
        "fields.yml": "fields",
        "offices/phuong-cao-lanh.yml": "office-profile",
        "offices/phuong-my-ngai.yml": "office-profile",
        "offices/phuong-sa-dec.yml": "office-profile",
    }
    for path in shipped.values():  # each file's first line names the schema fmt writes for it
        kind = fmt.kind_of(path)
        ref = fmt.schema_ref(path, kind)
        assert path.read_text(encoding="utf-8").splitlines()[0] == fmt.SCHEMA_LINE + ref
        assert (path.parent / ref).resolve() == ROOT / "schema" / f"{kind}.schema.json"


def test_the_shipped_province_is_in_the_canonical_layout() -> None:
    report = fmt.format_paths([PROVINCE], check=True)
    assert report.problems == []
    assert report.changed == [], "run: phieu fmt procedures"
    assert len(report.unchanged) >= 6 + 17


OFFICE_MESSY = """\
name: Ủy ban nhân dân xã Mẫu
unit: Bộ phận Một cửa
address: Ấp 1, xã Mẫu
hours: [Sáng thứ Hai đến thứ Sáu]
phone: "0277 3851 234"
offers: [1.000001, "1.000002"]  # a subset
procedures:
  - keywords: [khai sinh]
    code: "1.000001"
counters:
  - counter: Quầy 1
    field: ho-tich
"""

OFFICE_CANONICAL = """\
# yaml-language-server: $schema=../../schema/office-profile.schema.json
name: Ủy ban nhân dân xã Mẫu
unit: Bộ phận Một cửa
address: Ấp 1, xã Mẫu
hours:
  - Sáng thứ Hai đến thứ Sáu
phone: "0277 3851 234"
counters:
  - field: ho-tich
    counter: Quầy 1
offers:  # a subset
  - "1.000001"
  - "1.000002"
procedures:
  - code: "1.000001"
    keywords:
      - khai sinh
"""


def test_an_office_file_of_a_province_is_written_in_model_order(tmp_path: Path) -> None:
    """The code of an office's procedure comes first, as in the shipped files; codes stay quoted."""
    path = tmp_path / "procedures" / "offices" / "xa-mau.yml"
    path.parent.mkdir(parents=True)
    path.write_text(OFFICE_MESSY, encoding="utf-8")
    assert fmt.kind_of(path) == "office-profile"
    assert fmt.format_file(path) == (OFFICE_MESSY, OFFICE_CANONICAL)


MESSY = """\
# yaml-language-server: $schema=somewhere/else.json
# Header: what this file is.
name: Tên   # the name
code: "1.000009"  # never change it
field: ho-tich
level: commune  # commune: cấp xã
who: ["Cá nhân"]  # on a flow list
agency:
  # before competent
  competent: "UBND # not a comment"
result:
  - Kết quả

steps:
  # before the first step
  - Một
  - |-  # on a block's first line
    Hai
    # inside the block: text, not a comment
    ba
channels:
  - kind: in_person
    time: Trong ngày
cases:
  - name: Trường hợp
    # before id, which moves to the item's line
    id: chung
    time: Trong ngày
    fee:
      # Số tiền viết liền
      text: Miễn lệ phí
      verified: false  # a default: left out, its comment moves on
    documents:
      - name: Tờ khai
        action: submit
        originals: 1
        copies: 0
        optional: false
legal_basis:
  - Luật
updated: 2026-11-01
status: in_force
# At the end.
"""

CANONICAL = """\
# yaml-language-server: $schema=../../schema/procedure.schema.json
# Header: what this file is.
code: "1.000009"  # never change it
name: Tên  # the name
field: ho-tich
level: commune  # commune: cấp xã
who:  # on a flow list
  - Cá nhân
agency:
  # before competent
  competent: "UBND # not a comment"
result:
  - Kết quả
steps:
  # before the first step
  - Một
  - |-  # on a block's first line
    Hai
    # inside the block: text, not a comment
    ba
channels:
  - kind: in_person
    time: Trong ngày
cases:
  # before id, which moves to the item's line
  - id: chung
    name: Trường hợp
    # a default: left out, its comment moves on
    documents:
      - name: Tờ khai
        action: submit
        originals: 1
        copies: 0
    time: Trong ngày
    fee:
      # Số tiền viết liền
      text: Miễn lệ phí
legal_basis:
  - Luật
updated: 2026-11-01
# At the end.
"""


def test_canonical_layout_keeps_comments_with_their_keys(tmp_path: Path) -> None:
    path = tmp_path / "procedures" / "ho-tich" / "1.000009.yml"
    path.parent.mkdir(parents=True)
    path.write_text(MESSY, encoding="utf-8")
    old, new = fmt.format_file(path)
    assert (old, new) == (MESSY, CANONICAL)
    path.write_text(new, encoding="utf-8")
    assert fmt.format_file(path) == (CANONICAL, CANONICAL)


def test_an_empty_fee_is_written_as_an_unknown_amount() -> None:
    assert fmt.dump({"fee": {}}, "x") == "# yaml-language-server: $schema=x\nfee: {}\n"
    case = {"id": "a", "name": "A", "documents": [], "time": "T", "fee": {}}
    assert "    fee:\n      amount: null\n" in fmt.dump({"cases": [fmt._empty_fee(case)]}, "x")


@pytest.mark.parametrize(
    "text",
    [
        "1.001193",
        "50.000",
        "2026-11-29",
        "12:30",
        "yes",
        "No",
        "null",
        "~",
        "<<",
        "=",
        "'q'",
        '"q"',
        "tab\tx",
        "a\nb",
        "a\n\nb",
        "a\n",
        "\na",
        "a\n b",
        "x\u2028y",
        "nbsp\u00a0here",
        "",
        ".inf",
        "- item",
        "key: value",
        "value #not",
        "value # comment",
        "Giấy tờ: bản chính",
        "Mẫu CT01 (Thông tư 53/2025/TT-BCA)",
        "ends with colon:",
        "@at",
        "%percent",
        "|pipe",
        "> folded",
    ],
)
def test_every_text_reads_back_the_same(text: str, tmp_path: Path) -> None:
    data = {"k": text, "list": [text, {"k": text}]}
    written = fmt.dump(data, "x")
    assert yaml.safe_load(written) == data  # PyYAML, a YAML 1.1 reader
    path = tmp_path / "x.yml"
    path.write_text(written, encoding="utf-8")
    problems: list = []
    located = FileReader(path, problems).read()
    assert located is not None and located.data == data  # and our own strict reader
    assert written == fmt.dump(yaml.safe_load(written), "x")


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30))
def test_any_text_reads_back_the_same(text: str) -> None:
    text = unicodedata.normalize("NFC", text)  # what the loader hands over, and what fmt writes
    data = {"k": text, "list": [text]}
    assert yaml.safe_load(fmt.dump(data, "x")) == data


def test_fmt_check_reports_without_writing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "procedures"
    shutil.copytree(ROOT / "tests" / "fixtures" / "mini" / "procedures", root)
    messy = root / "1.000004.yml"  # hand-written in flow style
    before = messy.read_bytes()
    assert main(["fmt", "--check", str(root)]) == 1
    out = capsys.readouterr()
    assert f"{messy}: chưa theo định dạng chuẩn; chạy: phieu fmt {messy}" in out.out
    assert "tệp cần định dạng lại: chạy phieu fmt." in out.err
    assert messy.read_bytes() == before
    assert main(["fmt", str(root)]) == 0
    assert f"đã định dạng lại: {messy}" in capsys.readouterr().out
    assert main(["fmt", "--check", str(root)]) == 0
    assert (
        load_catalog(root).procedures
        == load_catalog(ROOT / "tests" / "fixtures" / "mini" / "procedures").procedures
    )


def test_fmt_refuses_a_file_with_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "procedures" / "ho-tich" / "1.000001.yml"
    path.parent.mkdir(parents=True)
    text = 'code: "1.000001"\nname: [\n'
    path.write_text(text, encoding="utf-8")
    assert main(["fmt", str(path)]) == 1
    out = capsys.readouterr()
    assert out.out.startswith(f"{path}:3:1: lỗi cú pháp YAML")
    assert "tệp có lỗi không được định dạng, hãy sửa trước." in out.err
    assert path.read_text(encoding="utf-8") == text


def test_fmt_over_the_shipped_data_is_fast(tmp_path: Path) -> None:
    root = tmp_path / "procedures"
    shutil.copytree(SINGLE_OFFICE, root)
    files = list(fmt.data_files([root]))
    assert len(files) >= 18
    best = float("inf")
    for _ in range(3):  # the best of three: the machine is shared
        start = time.perf_counter()
        report = fmt.format_paths([root], check=True)
        best = min(best, time.perf_counter() - start)
    assert not report.problems
    assert best < 1.0 * len(files) / 20, f"{best:.2f} s for {len(files)} files"


def test_the_importer_writes_canonical_files(tmp_path: Path) -> None:
    root = tmp_path / "procedures"
    shutil.copytree(ROOT / "tests" / "fixtures" / "mini" / "procedures", root)
    report = portal.import_portal([ROOT / "tests" / "fixtures" / "portal"], root)
    written = [o.target for o in report.outcomes if o.action == "written"]
    assert len(written) > 10
    check = fmt.format_paths(written, check=True)
    assert check.changed == [] and check.problems == []
    assert all(p.read_text(encoding="utf-8").splitlines()[1] == portal.DRAFT_COMMENT for p in written)


def test_pre_commit_and_ci_check_the_layout() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    assert hooks["phieu-fmt"]["entry"] == ".venv/bin/phieu fmt --check"
    assert hooks["phieu-fmt"]["files"] == r"^procedures/.*\.ya?ml$"
    pr = yaml.safe_load((ROOT / ".github" / "workflows" / "pr.yml").read_text(encoding="utf-8"))
    runs = [step.get("run", "") for step in pr["jobs"]["check"]["steps"]]
    assert ".venv/bin/phieu fmt --check procedures" in runs


def test_editors_get_the_schema_without_the_first_line() -> None:
    """VS Code (the YAML extension it recommends) maps every data file to its schema by path."""
    import fnmatch
    import json

    settings = json.loads((ROOT / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    recommended = json.loads((ROOT / ".vscode" / "extensions.json").read_text(encoding="utf-8"))
    assert "redhat.vscode-yaml" in recommended["recommendations"]
    mapping = settings["yaml.schemas"]

    def schemas(relative: str) -> list[str]:
        """The schemas whose globs take ``relative`` ("!glob" leaves a file out, as the YAML extension reads it)."""
        return [
            schema
            for schema, globs in mapping.items()
            if any(fnmatch.fnmatchcase(relative, g) for g in globs if not g.startswith("!"))
            and not any(fnmatch.fnmatchcase(relative, g[1:]) for g in globs if g.startswith("!"))
        ]

    single = [(p.relative_to(SINGLE_OFFICE), p) for p in fmt.data_files([SINGLE_OFFICE])]
    province = [(p.relative_to(PROVINCE), p) for p in fmt.data_files([PROVINCE])]
    kinds = set()
    for relative, path in [*single, *province]:  # the single office's layout, as if it were the project's
        kinds.add(fmt.kind_of(path))
        matched = schemas("procedures/" + relative.as_posix())
        assert matched == [f"./schema/{fmt.kind_of(path)}.schema.json"], relative
        assert (ROOT / matched[0]).is_file()
    assert kinds == set(fmt.MODELS)
    new = "procedures/dat-dai/1.000123.yml"  # a new field folder and file: the procedure schema
    assert schemas(new) == ["./schema/procedure.schema.json"]
    assert schemas("procedures/offices/xa-moi.yml") == ["./schema/office-profile.schema.json"]
