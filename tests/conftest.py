"""Shared fixtures: real builds of copies of the project, a local web server, Chromium."""

from __future__ import annotations

import contextlib
import functools
import gzip
import hashlib
import http.server
import io
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from phieu.publish.build import build_site

ROOT = Path(__file__).resolve().parents[1]
EPOCH = "1764374400"  # 2025-11-29: fixed so PDFs are byte-reproducible
CHROMIUM = "/usr/bin/chromium"
#: A single office's data (``office.yml`` beside the records), as the shipped project was before it became
#: a province's: most tests build this layout; the province's are in test_province*.
SINGLE_OFFICE = ROOT / "tests" / "fixtures" / "single-office" / "procedures"


def copy_project(dest: Path, procedures: Path | None = None) -> Path:
    """A copy of the project's site sources (config, docs, theme, data) in ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "mkdocs.yml", dest / "mkdocs.yml")
    for name in ("docs", "theme"):
        shutil.copytree(ROOT / name, dest / name)
    shutil.copytree(procedures or SINGLE_OFFICE, dest / "procedures")
    return dest


def use_plugin_options(project: Path, **options: object) -> None:
    """Give the phieu plugin options in a project copy's mkdocs.yml."""
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    lines = "".join(f"\n      {name}: {value}" for name, value in options.items())
    assert "  - phieu\n" in text
    config.write_text(text.replace("  - phieu\n", f"  - phieu:{lines}\n", 1), encoding="utf-8")


def tree_digest(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder``, by relative path."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def build(project: Path, **env: str) -> int:
    """Run ``phieu build`` on a project copy with a fixed SOURCE_DATE_EPOCH."""
    saved = dict(os.environ)
    os.environ.update({"SOURCE_DATE_EPOCH": EPOCH, **env})
    cwd = Path.cwd()
    try:
        os.chdir(project)
        return build_site(project / "mkdocs.yml", strict=True)
    finally:
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(scope="session")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A single office's project (the shipped project's data before it became a province's), built once."""
    path = copy_project(tmp_path_factory.mktemp("shipped"))
    assert build(path) == 0
    return path


@pytest.fixture(scope="session")
def site(project: Path) -> Path:
    return project / "site"


@pytest.fixture(scope="session")
def province(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped project (a province and its offices) with its URL ledger, built once per test session."""
    path = copy_project(tmp_path_factory.mktemp("province"), procedures=ROOT / "procedures")
    shutil.copy(ROOT / "published-urls.txt", path / "published-urls.txt")
    assert build(path) == 0
    return path


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves a folder without logging every request."""

    def log_message(self, format: str, *args: object) -> None:
        pass


class GzipHandler(QuietHandler):
    """Like any production web server: gzip the response when the browser asks for it."""

    def send_head(self):  # type: ignore[override]
        path = self.translate_path(self.path)
        if os.path.isdir(path) and urlsplit(self.path).path.endswith("/"):
            path = os.path.join(path, "index.html")
        if not (os.path.isfile(path) and "gzip" in self.headers.get("Accept-Encoding", "")):
            return super().send_head()
        body = gzip.compress(Path(path).read_bytes(), 6, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


@contextlib.contextmanager
def serve(directory: Path, handler: type = QuietHandler) -> Iterator[str]:
    """``directory`` over HTTP on localhost; yields its base URL (ending in ``/``)."""
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(directory))
    )
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


@pytest.fixture(scope="session")
def server(site: Path) -> Iterator[str]:
    """The built site over HTTP on localhost; yields its base URL."""
    with serve(site) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright. Required: CI installs it, so it is never skipped."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "chromium is missing: run `make system` (apt-get install chromium)"
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 360, "height": 640}, locale="vi-VN")
    page = context.new_page()
    yield page
    context.close()
