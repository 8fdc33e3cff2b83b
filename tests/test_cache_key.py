"""Issue 12: what the PDF cache key covers, and a cache that is slow, unwritable or switched off never
fails a build."""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shutil
from pathlib import Path

import pytest
from phieu import load_catalog
from phieu.cli import main
from phieu.publish import notice as notice_module
from phieu.publish import plan as plan_module
from phieu.publish import publisher as publisher_module
from phieu.publish.build import build_site
from phieu.publish.plan import RENDERING_LIBRARIES, Plan

from tests.conftest import EPOCH, ROOT, copy_project, use_plugin_options

MINI = ROOT / "tests" / "fixtures" / "mini" / "procedures"
SITE = "https://phieu.example.vn/"


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(MINI)


def keys(catalog, theme: Path) -> dict[str, str]:
    plan = Plan(catalog, theme, site_url=SITE, slip_size="A5", pack_sizes=("A5",), pack_marks=True)
    return {job.path: job.key for job in plan.jobs if job.path}


@pytest.mark.parametrize("library", RENDERING_LIBRARIES)
def test_upgrading_a_rendering_library_makes_every_pdf_again(catalog, library, monkeypatch) -> None:
    before = keys(catalog, ROOT / "theme")
    real = importlib.metadata.version
    monkeypatch.setattr(
        plan_module.importlib.metadata, "version", lambda name: "999.0" if name == library else real(name)
    )
    after = keys(catalog, ROOT / "theme")
    assert before.keys() == after.keys()
    assert all(before[path] != after[path] for path in before)


def test_every_file_under_the_slip_theme_counts_subfolders_included(catalog, tmp_path: Path) -> None:
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    before = keys(catalog, theme)
    font = theme / "slip" / "fonts" / "chu.woff2"
    font.parent.mkdir()
    font.write_bytes(b"font 1")
    added = keys(catalog, theme)
    font.write_bytes(b"font 2")
    changed = keys(catalog, theme)
    assert all(before[p] != added[p] != changed[p] for p in before)
    unrelated = theme / "pages" / "them.html.j2"  # page templates do not go into PDFs
    unrelated.write_text("<p></p>", encoding="utf-8")
    assert keys(catalog, theme) == changed


def run_build(project: Path, strict: bool, *args: str) -> int:
    saved, cwd = dict(os.environ), Path.cwd()
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    try:
        os.chdir(project)
        if args:
            return main(["build", *args, "--strict" if strict else "--no-strict"])
        return build_site(project / "mkdocs.yml", strict=strict)
    finally:
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(saved)


def assert_pdfs(site: Path) -> int:
    """Every PDF the manifest lists is there; returns how many."""
    manifest = json.loads((site / "manifest.json").read_text(encoding="utf-8"))
    paths = [e["slip"] for e in manifest["procedures"]] + [item["path"] for item in manifest["print"]]
    assert len(manifest["procedures"]) == 5
    assert all((site / path).stat().st_size > 1000 for path in paths)
    return len(paths)


def made_and_reused(err: str) -> tuple[int, int]:
    found = re.findall(r"PDF: (\d+) tạo mới, (\d+) dùng lại từ bộ nhớ đệm", err)
    assert len(found) == 1, err
    return int(found[0][0]), int(found[0][1])


@pytest.mark.parametrize("strict", [True, False], ids=["strict", "not-strict"])
def test_unwritable_cache_and_missing_harfbuzz_are_notices_not_failures(
    tmp_path: Path, strict: bool, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Under --strict MkDocs fails on every warning of its own loggers: these two leave the site exactly
    as it would be, so they are shown (once) but not counted."""
    project = copy_project(tmp_path / "project", procedures=MINI)
    (project / "chan").write_text("một tệp chắn chỗ thư mục", encoding="utf-8")
    use_plugin_options(project, cache_dir="chan/bo-nho-dem")
    monkeypatch.setattr(publisher_module, "has_hb_subset", lambda: False)
    monkeypatch.setattr(notice_module, "_told", set())
    assert run_build(project, strict) == 0
    err = capsys.readouterr().err
    assert err.count("WARNING -  Không ghi được bộ nhớ đệm PDF ") == 1, err
    assert (
        "chan/bo-nho-dem: một phần của đường dẫn không phải thư mục. Trang vẫn dựng đủ; lần sau các PDF sẽ được tạo lại."
        in err
    )
    assert err.count("Thiếu libharfbuzz-subset0: tạo PDF chậm hơn nhiều") == 1
    assert "Aborted" not in err and "ERROR" not in err
    assert_pdfs(project / "site")


def test_no_cache_reads_and_writes_no_cache(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = copy_project(tmp_path / "project", procedures=MINI)
    cached_pdfs = lambda: {p: p.stat().st_mtime_ns for p in project.glob(".cache/**/*.pdf")}  # noqa: E731
    assert run_build(project, True, "--no-cache") == 0
    count = assert_pdfs(project / "site")
    assert made_and_reused(capsys.readouterr().err) == (count, 0)
    assert cached_pdfs() == {}

    assert run_build(project, True) == 0  # fills the cache
    assert made_and_reused(capsys.readouterr().err) == (count, 0)
    listing = cached_pdfs()
    assert listing
    assert run_build(project, True, "--no-cache") == 0
    assert made_and_reused(capsys.readouterr().err) == (count, 0)
    assert cached_pdfs() == listing
    assert run_build(project, True) == 0
    assert made_and_reused(capsys.readouterr().err) == (0, count)
