"""The package's shape: site paths live in urls.py only, the core does not import MkDocs, and a build
leaves the logging configuration as it found it."""

from __future__ import annotations

import ast
import logging
import re
from pathlib import Path

from phieu.publish.run import WEASYPRINT_LOGGERS

from tests.conftest import build, copy_project

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "generator"

#: String literals that spell a site path: only urls.py may hold them.
SITE_PATH = re.compile(r"^/?(p|f|pdf|q|og|admin)/|^(tra-cuu|in-an)(\.md|/)|^/?sw\.js$")


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p.name != "urls.py")


def test_only_urls_py_spells_site_paths() -> None:
    found = []
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and SITE_PATH.search(node.value)
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}")
            if isinstance(node, ast.JoinedStr):
                head = node.values[0] if node.values else None
                if (
                    isinstance(head, ast.Constant)
                    and isinstance(head.value, str)
                    and SITE_PATH.search(head.value)
                ):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: f-string {head.value!r}…")
    assert found == []


def test_load_and_render_never_import_mkdocs() -> None:
    offenders = []
    for path in sorted([*(PACKAGE / "load").rglob("*.py"), *(PACKAGE / "render").rglob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] == "mkdocs"]
    assert offenders == []


def _logger_state() -> list[tuple[str, bool, tuple[logging.Handler, ...]]]:
    return [
        (name, logging.getLogger(name).propagate, tuple(logging.getLogger(name).handlers))
        for name in WEASYPRINT_LOGGERS
    ]


def test_a_build_restores_the_loggers_it_changed(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project", ROOT / "tests" / "fixtures" / "mini" / "procedures")
    before = _logger_state()
    assert build(project) == 0
    assert _logger_state() == before
    (project / "procedures" / "1.000001.yml").write_text("code: [\n", encoding="utf-8")
    assert build(project) == 1  # a failed build restores them too
    assert _logger_state() == before
