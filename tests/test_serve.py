"""Issue 12: ``mkdocs serve`` shows a data error in the browser, with its place, and recovers when fixed.

A build that raises leaves MkDocs' live-reload server waiting for a build that never comes, and the
browser with it. With bad data the plugin serves the list of problems instead, at every address.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.conftest import ROOT, copy_project

MINI = ROOT / "tests" / "fixtures" / "mini" / "procedures"
MKDOCS = Path(sys.executable).with_name("mkdocs")
LOCATED = "procedures/1.000001.yml:5:8"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """``mkdocs serve`` on a copy of the mini project; yields (project, base URL)."""
    project = copy_project(tmp_path / "project", procedures=MINI)
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [str(MKDOCS), "serve", "--dev-addr", f"127.0.0.1:{port}"],
        cwd=project,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, (tmp_path / "serve.log").read_text(encoding="utf-8")
            try:
                urllib.request.urlopen(url, timeout=5).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "mkdocs serve did not start"
                time.sleep(0.3)
        yield project, url
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def body_text_when(page, wanted, timeout: float = 90) -> str:
    """The page's text once ``wanted(text)`` holds; the page may reload (live reload) while we look."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            text = page.locator("body").inner_text(timeout=5_000)
        except PlaywrightError:  # the page was being replaced
            text = ""
        if wanted(text):
            return text
        assert time.monotonic() < deadline, text
        time.sleep(0.3)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_data_error_shows_in_the_browser_and_the_site_comes_back(served, browser) -> None:
    project, url = served
    context = browser.new_context(locale="vi-VN")
    home, procedure = context.new_page(), context.new_page()
    try:
        home.goto(url)
        procedure.goto(url + "p/1.000001/")
        assert "Thủ tục một trường hợp" in procedure.locator("h1").first.inner_text()

        edit(project / "procedures" / "1.000001.yml", "level: commune", "level: <b>xa</b>")
        for page in (home, procedure):  # both reload themselves: live reload, and the 404 page's own check
            text = body_text_when(page, lambda text: LOCATED in text)
            assert "Dữ liệu thủ tục có" in text
            assert "<b>xa</b>" in text  # the value quoted in the message, escaped: shown as typed
            assert page.locator("ol.phieu-problems b").count() == 0

        edit(project / "procedures" / "1.000001.yml", "level: <b>xa</b>", "level: commune")
        body_text_when(procedure, lambda text: "Thủ tục một trường hợp" in text and LOCATED not in text)
        text = body_text_when(home, lambda text: LOCATED not in text)
        assert "Dữ liệu thủ tục có" not in text
        assert home.locator("a[href*='f/ho-tich']").count() > 0  # the normal home page, with its fields
    finally:
        context.close()
