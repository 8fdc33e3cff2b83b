"""Shared fixtures: real builds of copies of the project, a local web server, Chromium."""

from __future__ import annotations

import functools
import hashlib
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from phieu.publish.build import build_site

ROOT = Path(__file__).resolve().parents[1]
EPOCH = "1764374400"  # 2025-11-29: fixed so PDFs are byte-reproducible
CHROMIUM = "/usr/bin/chromium"


def copy_project(dest: Path, procedures: Path | None = None) -> Path:
    """A copy of the project's site sources (config, docs, theme, data) in ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "mkdocs.yml", dest / "mkdocs.yml")
    for name in ("docs", "theme"):
        shutil.copytree(ROOT / name, dest / name)
    shutil.copytree(procedures or ROOT / "procedures", dest / "procedures")
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
    """The shipped project, built once per test session."""
    path = copy_project(tmp_path_factory.mktemp("shipped"))
    assert build(path) == 0
    return path


@pytest.fixture(scope="session")
def site(project: Path) -> Path:
    return project / "site"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def server(site: Path) -> Iterator[str]:
    """The built site over HTTP on localhost; yields its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


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
