"""``phieu new``: a new procedure file that validates as written, with what staff must fill marked."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
import yaml
from phieu.cli import main
from phieu.load import load_project

from tests.loader_helpers import REPO, SHIPPED

PLACEHOLDER = re.compile(r"\[Cần cập nhật: [^\]]+\]")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the shipped data and schemas; the working directory is its root."""
    shutil.copytree(SHIPPED, tmp_path / "procedures")
    shutil.copytree(REPO / "schema", tmp_path / "schema")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_new_writes_a_skeleton_that_validates(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = len(load_project(project / "procedures").procedures)
    code, out, err = run(capsys, "new", "1.009999", "--field", "ho-tich")
    path = Path("procedures/ho-tich/1.009999.yml")
    assert (code, err) == (0, "")
    assert out == (
        f"Đã tạo {path}. Thay mọi chỗ ghi 'Cần cập nhật', rồi chạy: phieu validate procedures\n"
        "Xã, phường chỉ giải quyết các thủ tục ghi trong offers: thêm 1.009999 vào offers của "
        "procedures/offices/phuong-my-ngai.yml nếu xã, phường đó giải quyết thủ tục này.\n"
    )

    text = path.read_text(encoding="utf-8")
    first = text.split("\n", 1)[0]
    assert first == "# yaml-language-server: $schema=../../schema/procedure.schema.json"
    assert (path.parent / first.split("=", 1)[1]).resolve() == (project / "schema" / "procedure.schema.json")
    data = yaml.safe_load(text)
    assert data["code"] == "1.009999" and data["field"] == "ho-tich"
    assert data["updated"] == dt.date.today()
    assert data["national_url"].endswith("ma_thu_tuc=1.009999")
    # Every value staff must write is marked; the fee is not shown until someone verifies it.
    marked = PLACEHOLDER.findall(text)
    assert len(marked) >= 10, marked
    for key in ("name", "who", "agency", "result", "steps", "legal_basis"):
        assert PLACEHOLDER.search(yaml.safe_dump(data[key], allow_unicode=True)), key
    assert data["cases"][0]["fee"].get("verified", False) is False
    # Already in phieu fmt's layout: the CI format check passes on a new file.
    assert run(capsys, "fmt", "--check", str(path)) == (0, "", "")

    assert run(capsys, "validate", "procedures") == (
        0,
        f"Hợp lệ: {before + 1} thủ tục, 2 lĩnh vực, 3 xã, phường.\n",
        "",
    )


@pytest.mark.usefixtures("project")
def test_provincial_code_gets_no_portal_link(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "new", "1.012753.H19", "--field", "chung-thuc")[0] == 0
    data = yaml.safe_load(Path("procedures/chung-thuc/1.012753.H19.yml").read_text(encoding="utf-8"))
    assert "national_url" not in data
    assert run(capsys, "validate", "procedures")[0] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["1.001193", "--field", "chung-thuc"],
            "mã thủ tục 1.001193 đã có ở tệp procedures/ho-tich/1.001193.yml: hãy sửa tệp đó, hoặc chọn mã khác",
        ),
        (
            ["1.009999", "--field", "hotich"],
            "lĩnh vực 'hotich' không có trong procedures/fields.yml (có phải 'ho-tich'?); "
            "các lĩnh vực: ho-tich, chung-thuc",
        ),
        (
            ["1.00999", "--field", "ho-tich"],
            "mã thủ tục '1.00999' không đúng mẫu mã quốc gia (ví dụ 1.001193 hoặc 1.012753.H19)",
        ),
    ],
    ids=["code-taken", "unknown-field", "bad-code"],
)
@pytest.mark.usefixtures("project")
def test_new_refuses(capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    files = sorted(Path("procedures").rglob("*.yml"))
    assert run(capsys, "new", *args) == (1, "", f"phieu: {message}\n")
    assert sorted(Path("procedures").rglob("*.yml")) == files


@pytest.mark.usefixtures("project")
def test_new_refuses_a_code_held_by_a_misnamed_copy(capsys: pytest.CaptureFixture[str]) -> None:
    copy = Path("procedures/ho-tich/ban-sao.yml")
    copy.write_text(
        Path("procedures/ho-tich/1.001193.yml").read_text(encoding="utf-8").replace("1.001193", "1.009999"),
        encoding="utf-8",
    )
    assert run(capsys, "new", "1.009999", "--field", "ho-tich") == (
        1,
        "",
        f"phieu: mã thủ tục 1.009999 đã có ở tệp {copy}: hãy sửa tệp đó, hoặc chọn mã khác\n",
    )
