"""``phieu validate``: one ``path:line:col:`` line per problem, exit 1 once, never a traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from phieu.cli import main

from tests.loader_helpers import SHIPPED

BROKEN = "procedures/ho-tich/1.001193.yml"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["validate", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_shipped_data_is_valid(capsys: pytest.CaptureFixture[str]) -> None:
    """The shipped data is a province's: its records, and one file per office."""
    procedures = [p for p in SHIPPED.glob("*/*.yml") if p.parent.name not in {"offices", "forms"}]
    offices = list((SHIPPED / "offices").glob("*.yml"))
    fields = yaml.safe_load((SHIPPED / "fields.yml").read_text(encoding="utf-8"))["fields"]
    code, out, err = run(capsys, str(SHIPPED))
    assert (code, out, err) == (
        0,
        f"Hợp lệ: {len(procedures)} thủ tục, {len(fields)} lĩnh vực, {len(offices)} xã, phường.\n",
        "",
    )
    assert len(offices) >= 3


@pytest.fixture
def broken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """The shipped data, with one file holding a duplicate key, an unknown key and a wrong type.

    Returns the lines where each of the three problems sits.
    """
    monkeypatch.chdir(tmp_path)
    shutil.copytree(SHIPPED, tmp_path / "procedures")
    path = tmp_path / BROKEN
    lines = path.read_text(encoding="utf-8").split("\n")
    name = next(i for i, line in enumerate(lines) if line.startswith("name:"))
    level = next(i for i, line in enumerate(lines) if line.startswith("level:"))
    updated = next(i for i, line in enumerate(lines) if line.startswith("updated:"))
    assert name < level < updated
    lines[updated] = "updated: hôm qua"
    lines[level + 1 : level + 1] = ["name: Tên trùng", "summry: Giới thiệu ngắn"]
    path.write_text("\n".join(lines), encoding="utf-8")
    # 1-based, after the two inserted lines
    return {"name": name + 1, "duplicate": level + 2, "unknown": level + 3, "updated": updated + 3}


def expected_problems(at: dict[str, int]) -> list[tuple[int, int, str]]:
    return [
        (at["duplicate"], 1, f"khóa 'name' bị lặp (đã có ở dòng {at['name']})"),
        (at["unknown"], 1, "khóa không hợp lệ 'summry' (có phải 'summary'?)"),
        (
            at["updated"],
            10,
            "'updated' phải là ngày dạng NĂM-THÁNG-NGÀY, ví dụ 2025-07-01; nhận được 'hôm qua'",
        ),
    ]


def test_every_problem_is_one_located_line(
    capsys: pytest.CaptureFixture[str], broken: dict[str, int]
) -> None:
    code, out, err = run(capsys, "procedures")
    assert code == 1
    assert out.splitlines() == [
        f"{BROKEN}:{line}:{col}: {message}" for line, col, message in expected_problems(broken)
    ]
    assert err == "3 lỗi.\n"


def test_github_annotations(capsys: pytest.CaptureFixture[str], broken: dict[str, int]) -> None:
    code, out, _ = run(capsys, "procedures", "--format", "github")
    assert code == 1
    assert out.splitlines() == [
        f"::error file={BROKEN},line={line},col={col}::{message}"
        for line, col, message in expected_problems(broken)
    ]


def test_default_path_is_procedures(capsys: pytest.CaptureFixture[str], broken: dict[str, int]) -> None:
    code, out, _ = run(capsys)
    assert code == 1
    assert len(out.splitlines()) == 3


@pytest.mark.parametrize(
    "content",
    [b"\xff\xfe\x00garbage", b"a: [\n", b"- 1\n- 2\n", b"&a [*a]\n", b"\xef\xbb\xbfcode: x\n"],
    ids=["binary", "syntax", "list", "recursive-alias", "bom"],
)
def test_garbage_is_reported_not_raised(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    content: bytes,
) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(SHIPPED, tmp_path / "procedures")
    (tmp_path / BROKEN).write_bytes(content)
    code, out, _ = run(capsys, "procedures")
    assert code == 1
    assert out.startswith(f"{BROKEN}:")


def test_missing_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "khong-co"
    code, out, err = run(capsys, str(missing))
    assert code == 1
    assert out == f"{missing}:1:1: không tìm thấy thư mục thủ tục\n"
    assert err == "1 lỗi.\n"
