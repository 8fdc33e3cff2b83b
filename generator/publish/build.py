"""``phieu build``: run MkDocs into a temporary folder and swap it in only on success.

A failed or interrupted build leaves the previous ``site/`` exactly as it was.
"""

from __future__ import annotations

import logging
import shutil
import sys
import tempfile
from pathlib import Path

from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import MkDocsException

log = logging.getLogger("phieu")


def build_site(config_file: Path, site_dir: Path | None = None, strict: bool = True) -> int:
    """Build the site; return a process exit code."""
    _configure_logging()
    config_file = config_file.resolve()
    target = (site_dir or config_file.parent / "site").resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-new-", dir=target.parent))
    try:
        config = load_config(str(config_file), site_dir=str(staging), strict=strict)
        build(config)
        _swap(staging, target)
    except (MkDocsException, KeyboardInterrupt) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        message = str(exc) if not isinstance(exc, KeyboardInterrupt) else "đã dừng"
        print(f"phieu: dựng trang thất bại: {message}", file=sys.stderr)
        print(f"phieu: {_shown(target)} không thay đổi.", file=sys.stderr)
        return 130 if isinstance(exc, KeyboardInterrupt) else 1
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        print(f"phieu: {_shown(target)} không thay đổi.", file=sys.stderr)
        raise
    print(f"Đã dựng trang vào {_shown(target)}")
    return 0


def _swap(staging: Path, target: Path) -> None:
    """Replace ``target`` by ``staging`` with two renames, so readers never see a half site."""
    staging.chmod(0o755)  # mkdtemp makes it private; a published site is world-readable
    old = target.with_name(f".{target.name}-old")
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        target.rename(old)
    staging.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is now, not to the stream it was created with."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


def _configure_logging() -> None:
    """Show MkDocs' own messages the way ``mkdocs build`` does."""
    logger = logging.getLogger("mkdocs")
    if not any(isinstance(h, _StderrHandler) for h in logger.handlers):
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
