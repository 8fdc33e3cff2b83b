"""A province's build split three ways, each equal to one whole build, byte for byte: offices one at a time
or side by side, and offices built apart (``phieu build --office``, e.g. a CI matrix) then assembled
(``phieu build --parts``)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from phieu.cli import main
from phieu.load import load_project

from tests.conftest import EPOCH, ROOT, build, copy_project, tree_digest, use_plugin_options


def _copy(province: Path, dest: Path, **options: object) -> Path:
    """A copy of the built province's sources sharing its PDF cache (the PDFs are the same)."""
    project = copy_project(dest, procedures=ROOT / "procedures")
    shutil.copy(province / "published-urls.txt", project / "published-urls.txt")
    use_plugin_options(project, cache_dir=str(province / ".cache" / "phieu"), **options)
    return project


def _phieu(project: Path, *args: str) -> int:
    saved, cwd = dict(os.environ), Path.cwd()
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    try:
        os.chdir(project)
        return main(list(args))
    finally:
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(saved)


def test_offices_one_at_a_time_equal_offices_side_by_side(province: Path, tmp_path: Path) -> None:
    project = _copy(province, tmp_path / "one", workers=1)
    assert build(project) == 0
    assert tree_digest(project / "site") == tree_digest(province / "site")


def test_offices_built_apart_then_assembled_equal_one_whole_build(
    province: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _copy(province, tmp_path / "split")
    parts = tmp_path / "parts"
    offices = [o.id for o in load_project(project / "procedures").offices]
    for office in offices:  # what each job of a CI matrix runs
        assert _phieu(project, "build", "--office", office, "--site-dir", str(parts / office)) == 0
        assert (parts / office / "manifest.json").is_file()
        assert not (parts / office / office).exists()
    assert _phieu(project, "build", "--parts", str(parts)) == 0
    assert tree_digest(project / "site") == tree_digest(province / "site")

    # A part made from other data is refused, by name, and the site stays as it was.
    before = tree_digest(project / "site")
    office = project / "procedures" / "offices" / f"{offices[0]}.yml"
    office.write_text(
        office.read_text(encoding="utf-8").replace("Sáng thứ Bảy", "Chiều thứ Bảy"), encoding="utf-8"
    )
    capsys.readouterr()
    assert _phieu(project, "build", "--parts", str(parts)) == 1
    err = capsys.readouterr().err
    assert (
        f"phần của xã, phường {offices[0]} ở {parts / offices[0]} được dựng từ dữ liệu hoặc địa chỉ khác"
        in err
    )
    assert "Traceback" not in err
    assert tree_digest(project / "site") == before


def test_an_unknown_office_is_named_with_a_suggestion(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = copy_project(tmp_path, procedures=ROOT / "procedures")
    assert _phieu(project, "build", "--office", "phuong-sa-de") == 1
    err = capsys.readouterr().err
    assert "không có xã, phường 'phuong-sa-de' trong offices/ (có phải 'phuong-sa-dec'?)" in err
    assert "Traceback" not in err
    assert not (project / "site").exists()


def test_a_missing_part_says_how_to_build_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = copy_project(tmp_path, procedures=ROOT / "procedures")
    assert _phieu(project, "build", "--parts", str(tmp_path / "none")) == 1
    err = capsys.readouterr().err
    assert "thiếu phần của xã, phường phuong-cao-lanh" in err
    assert "phieu build --office phuong-cao-lanh --site-dir" in err
