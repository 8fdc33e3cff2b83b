"""Problems found in the data, and the one exception that carries them.

Every problem names a place (``path:line:col``) so that editors, CI annotations
and people can jump to it. Messages are in Vietnamese: staff read them.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass
from pathlib import Path


class PhieuError(Exception):
    """Base class for every error phieu reports to a user."""


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one place in one file."""

    path: str
    """File path as given to the loader (relative when possible)."""
    line: int
    """1-based line."""
    col: int
    """1-based column."""
    message: str
    """What is wrong, in Vietnamese, naming the bad value."""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.message}"

    def github(self) -> str:
        """The GitHub Actions annotation form of this problem."""
        message = self.message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        return f"::error file={self.path},line={self.line},col={self.col}::{message}"


class DataError(PhieuError):
    """The procedure data has one or more problems; all of them are listed."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class RenderError(PhieuError):
    """A page, slip or pack could not be produced."""


_OS_REASONS = {
    errno.ENOENT: "không có tệp hay thư mục này",
    errno.EACCES: "không có quyền",
    errno.EPERM: "không có quyền",
    errno.ENOSPC: "ổ đĩa đã đầy",
    errno.EROFS: "ổ đĩa chỉ cho đọc",
    errno.EISDIR: "đây là thư mục, không phải tệp",
    errno.ENOTDIR: "một phần của đường dẫn không phải thư mục",
    errno.EEXIST: "đã có",
    errno.ENAMETOOLONG: "tên quá dài",
}


def os_reason(exc: BaseException) -> str:
    """Why an operating-system call failed, in Vietnamese where the reason is a common one."""
    if isinstance(exc, OSError) and exc.errno in _OS_REASONS:
        return _OS_REASONS[exc.errno]
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc)


def display_path(path: Path, root: Path | None = None) -> str:
    """A path relative to ``root`` (by default the working directory) when it is inside it."""
    try:
        return str(path.resolve().relative_to((root or Path.cwd()).resolve()))
    except ValueError:
        return str(path)
