"""Issue 12: two ``phieu build`` runs in one folder, and the staging folders that killed builds leave."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from phieu.publish.build import build_site

from tests.conftest import EPOCH, ROOT, build, copy_project

MINI = ROOT / "tests" / "fixtures" / "mini" / "procedures"
PHIEU = Path(sys.executable).with_name("phieu")
WAITING = "Đang chờ bản dựng khác vào site kết thúc (chỉ một bản dựng mỗi lúc) …"


def start_build(project: Path) -> subprocess.Popen:
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.Popen(
        [str(PHIEU), "build"], cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def wait_until(condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def held(lock: Path) -> bool:
    """Whether a build holds ``lock`` now."""
    if not lock.exists():
        return False
    with lock.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def assert_complete(site: Path) -> None:
    manifest = json.loads((site / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["procedures"]) == 5
    for entry in manifest["procedures"]:
        assert (site / entry["page"]).is_file()
        assert (site / entry["slip"]).is_file()
    assert all((site / item["path"]).is_file() for item in manifest["print"])
    assert (site / "index.html").is_file()


def test_a_second_build_waits_for_the_first_and_both_succeed(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project", procedures=MINI)
    first = start_build(project)
    wait_until(lambda: held(project / ".site.lock") or first.poll() is not None)
    assert first.poll() is None, first.communicate()
    second = start_build(project)
    _, first_err = first.communicate(timeout=300)
    _, second_err = second.communicate(timeout=300)
    assert (first.returncode, second.returncode) == (0, 0), (first_err, second_err)
    assert WAITING in second_err
    assert WAITING not in first_err
    assert "Traceback" not in first_err + second_err
    assert_complete(project / "site")
    assert sorted(p.name for p in project.iterdir() if p.name.startswith(".site")) == [".site.lock"]


def test_staging_folders_of_killed_builds_are_removed_by_the_next_build(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = copy_project(tmp_path / "project", procedures=MINI)
    killed = start_build(project)
    wait_until(lambda: any(project.glob(".site-new-*")) or killed.poll() is not None)
    killed.kill()  # SIGKILL: nothing of the build runs after this
    killed.communicate(timeout=60)
    assert killed.returncode == -9
    left = [p.name for p in project.glob(".site-new-*")]
    assert len(left) == 1
    (project / ".site-new-gia").mkdir()  # and one made by hand
    (project / ".site-new-gia" / "index.html").write_text("cũ", encoding="utf-8")
    (project / ".khac-new-1").mkdir()  # another site's staging folder is not this build's business

    assert build(project) == 0
    err = capsys.readouterr().err
    for name in [*left, ".site-new-gia"]:
        assert f"phieu: đã xóa {name}, thư mục dở dang của một lần dựng bị ngắt" in err
    assert not any(project.glob(".site-new-*"))
    assert (project / ".khac-new-1").is_dir()
    assert_complete(project / "site")


def test_a_site_folder_that_cannot_be_written_is_a_message(tmp_path: Path, capsys) -> None:
    project = copy_project(tmp_path / "project", procedures=MINI)
    (project / "chan").write_text("một tệp, không phải thư mục", encoding="utf-8")
    assert build_site(project / "mkdocs.yml", site_dir=project / "chan" / "site") == 1
    err = capsys.readouterr().err
    assert "phieu: không dựng được vào" in err and "chan/site" in err
    assert "Traceback" not in err
