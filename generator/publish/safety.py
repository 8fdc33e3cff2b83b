"""Output containment: every file the build writes must land inside the output folder.

Identifiers are checked against strict patterns when they are loaded; this is the
second, independent line: whatever a path is made of, it may not leave the site.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from ..errors import RenderError


def inside(root: str | os.PathLike[str], relative: str) -> str:
    """Return ``relative`` unchanged if ``root/relative`` resolves inside ``root``; raise otherwise.

    ``relative`` is a site path such as ``p/1.001193.md`` or ``pdf/phieu-1.001193.pdf``: it must
    be relative, use ``/`` only, and name a file strictly below ``root`` (after ``..`` and
    symbolic links are resolved).
    """
    if not relative or "\\" in relative or "\x00" in relative or PurePosixPath(relative).is_absolute():
        raise RenderError(f"đường dẫn tệp đầu ra không hợp lệ: {relative!r}")
    base = Path(root).resolve()
    target = (base / relative).resolve()
    if target == base or not target.is_relative_to(base):
        raise RenderError(f"tệp đầu ra {relative!r} nằm ngoài thư mục {str(base)!r}")
    return relative
