"""``phieu build``: run MkDocs into a temporary folder and swap it in only on success.

A failed or interrupted build leaves the previous ``site/`` exactly as it was. One build at a time per
site folder: a second ``phieu build`` waits for the first (a lock file next to the site), and a build
removes the staging folders that killed builds left behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import MkDocsException

from ..errors import os_reason
from .notice import NOTICE_LOGGER


def build_site(
    config_file: Path,
    site_dir: Path | None = None,
    strict: bool = True,
    *,
    cache: bool = True,
    cache_dir: Path | None = None,
    before_swap: Callable[[Path], object] | None = None,
) -> int:
    """Build the site; return a process exit code.

    ``cache=False`` renders every PDF and neither reads nor writes the PDF cache; ``cache_dir`` replaces
    the plugin's ``cache_dir`` (e.g. a folder shared by several build machines). ``before_swap`` is
    called with the finished site before it replaces the old one (e.g. to add the reprint pack).
    """
    _configure_logging()
    config_file = config_file.resolve()
    target = (site_dir or config_file.parent / "site").resolve()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with _one_build_at_a_time(target):
            _remove_stale_staging(target)
            return _build_into(config_file, target, strict, cache, cache_dir, before_swap)
    except KeyboardInterrupt:  # while waiting for the other build
        print("phieu: đã dừng.", file=sys.stderr)
        return 130
    except OSError as exc:  # the folder of the site or its lock cannot be written
        print(f"phieu: không dựng được vào {_shown(target)}: {os_reason(exc)}", file=sys.stderr)
        return 1


def _build_into(
    config_file: Path,
    target: Path,
    strict: bool,
    cache: bool,
    cache_dir: Path | None,
    before_swap: Callable[[Path], object] | None,
) -> int:
    staging = Path(tempfile.mkdtemp(prefix=_staging_prefix(target), dir=target.parent))
    try:
        config = load_config(str(config_file), site_dir=str(staging), strict=strict)
        if not cache and "phieu" in config.plugins:
            config.plugins["phieu"].config.cache = False
        if cache_dir is not None and "phieu" in config.plugins:
            config.plugins["phieu"].config.cache_dir = str(cache_dir)
        build(config)
        if before_swap is not None:
            before_swap(staging)
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


def _staging_prefix(target: Path) -> str:
    return f".{target.name}-new-"


@contextlib.contextmanager
def _one_build_at_a_time(target: Path) -> Iterator[None]:
    """Hold the lock of ``target`` (``.site.lock`` next to ``site/``); wait while another build holds it.

    The kernel lets the lock go when its holder exits, even when killed: a lock is never stale.
    """
    with target.with_name(f".{target.name}.lock").open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(
                f"Đang chờ bản dựng khác vào {_shown(target)} kết thúc (chỉ một bản dựng mỗi lúc) …",
                file=sys.stderr,
                flush=True,
            )
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _remove_stale_staging(target: Path) -> None:
    """Remove staging folders of killed builds. Called with the lock held: no live build owns one."""
    for folder in sorted(target.parent.glob(_staging_prefix(target) + "*")):
        if folder.is_dir() and not folder.is_symlink():
            shutil.rmtree(folder, ignore_errors=True)
            print(
                f"phieu: đã xóa {_shown(folder)}, thư mục dở dang của một lần dựng bị ngắt", file=sys.stderr
            )


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
    """Show MkDocs' own messages the way ``mkdocs build`` does, and phieu's notices the same way."""
    for name in ("mkdocs", NOTICE_LOGGER):
        logger = logging.getLogger(name)
        if not any(isinstance(h, _StderrHandler) for h in logger.handlers):
            handler = _StderrHandler()
            handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
            logger.addHandler(handler)
            logger.setLevel(logging.INFO)
