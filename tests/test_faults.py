"""Faults: a failed build leaves the published site byte-identical; the build needs no network."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from phieu.publish import run as publish_run
from phieu.render import slip as slip_module

from tests.conftest import build, copy_project, tree_digest, use_plugin_options


@pytest.fixture
def built(tmp_path: Path) -> Path:
    project = copy_project(tmp_path / "project")
    assert build(project) == 0
    return project


def test_slip_stage_failure_leaves_site_unchanged(
    built: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
    caplog: pytest.LogCaptureFixture,
):
    before = tree_digest(built / "site")
    # An edit forces one slip to be rendered again, and rendering it fails.
    path = built / "procedures" / "ho-tich" / "1.001193.yml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("Đăng ký khai sinh\n", "Đăng ký khai sinh mới\n", 1)
    )

    def explode(self, procedure, part, slips):
        raise MemoryError("disk full, simulated")

    monkeypatch.setattr(slip_module.SlipRenderer, "slip_part", explode)  # every slip job goes through it
    assert build(built) == 1
    assert tree_digest(built / "site") == before
    err = capsys.readouterr().err
    assert "không tạo được phiếu 1.001193 A5: MemoryError: disk full, simulated" in caplog.text
    assert "site không thay đổi" in err, err
    assert not list(built.glob(".site-new-*"))  # no staging folder left behind


def test_failure_in_the_background_pool_fails_the_build_and_keeps_the_site(
    built: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    # Big catalogues render in a process pool while MkDocs builds pages; a failure there must still
    # fail the build with its message, and leave the published site as it was.
    monkeypatch.setattr(publish_run, "PARALLEL_MIN_JOBS", 1)
    before = tree_digest(built / "site")
    use_plugin_options(built, workers=2)
    template = built / "theme" / "slip" / "slip.html.j2"
    template.write_text(template.read_text(encoding="utf-8").replace("<body>", "<body>{{ khong_co }}", 1))
    assert build(built) == 1
    assert tree_digest(built / "site") == before
    assert "'khong_co' is undefined" in caplog.text
    assert not list(built.glob(".site-new-*"))


@pytest.mark.parametrize("workers", [1, 2])
def test_weasyprint_warnings_fail_the_strict_build_in_process_and_in_the_pool(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, workers: int
):
    monkeypatch.setattr(publish_run, "PARALLEL_MIN_JOBS", 1)
    project = copy_project(tmp_path / "project")
    use_plugin_options(project, workers=workers)
    css = project / "theme" / "slip" / "slip.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n.slip { khong-co: 1mm; }\n", encoding="utf-8")
    for attempt in (1, 2):  # PDFs that warned were not cached: the second build still sees the warning
        caplog.clear()
        assert build(project) == 1, attempt
        warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
        assert any("WeasyPrint: Ignored `khong-co: 1mm`" in m for m in warnings), (attempt, warnings)
    assert not (project / "site").exists()


def test_a_hand_written_file_at_a_pdf_path_is_refused(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    project = copy_project(tmp_path / "project")
    (project / "docs" / "pdf").mkdir()
    (project / "docs" / "pdf" / "phieu-1.001193.pdf").write_bytes(b"%PDF-1.4 hand-made")
    assert build(project) == 1
    assert "docs/ có tệp trùng đường dẫn với PDF do phieu tạo: pdf/phieu-1.001193.pdf" in caplog.text


def test_bad_data_fails_before_anything_is_written(built: Path, caplog: pytest.LogCaptureFixture):
    before = tree_digest(built / "site")
    path = built / "procedures" / "ho-tich" / "1.001193.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("field: ho-tich", "field: ho-tich\nfield: x"))
    assert build(built) == 1
    assert tree_digest(built / "site") == before
    assert "procedures/ho-tich/1.001193.yml:6:1: khóa 'field' bị lặp (đã có ở dòng 5)" in caplog.text


def test_build_works_with_the_network_cut_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    attempts: list[object] = []

    def refuse(self, address):
        attempts.append(address)
        raise OSError("network is cut off in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: refuse(None, a))
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: refuse(None, a))
    project = copy_project(tmp_path / "offline")
    assert build(project) == 0
    assert attempts == []
    assert (project / "site" / "pdf" / "phieu-1.001193.pdf").is_file()
