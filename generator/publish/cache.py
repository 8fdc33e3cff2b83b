"""The build cache: rendered PDFs and preview images kept under ``.cache/phieu`` by a key that hashes
all of their inputs.

A cache entry is reused only when its bytes still match the checksum written next to it.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from ..render.slip import Pdf


class FileCache:
    """Content-addressed store of one kind of file; a corrupt entry is treated as missing."""

    def __init__(self, root: Path, suffix: str):
        self.root = root
        self.suffix = suffix

    def _paths(self, key: str) -> tuple[Path, Path]:
        folder = self.root / key[:2]
        return folder / f"{key}{self.suffix}", folder / f"{key}.json"

    def get_file(self, key: str) -> tuple[bytes, dict] | None:
        """The cached bytes and what was written next to them, or None."""
        path, meta_path = self._paths(key)
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            content = path.read_bytes()
        except (OSError, ValueError):
            return None
        if not isinstance(meta, dict) or hashlib.sha256(content).hexdigest() != meta.get("sha256"):
            return None
        return content, meta

    def put_file(self, key: str, content: bytes, **meta: object) -> None:
        path, meta_path = self._paths(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # The checksum file is written last: a crash in between leaves an entry that get_file() rejects.
        atomic_write(path, content)
        atomic_write(meta_path, json.dumps({"sha256": hashlib.sha256(content).hexdigest(), **meta}).encode())


class PdfCache(FileCache):
    """Rendered PDFs with their page counts."""

    def __init__(self, root: Path):
        super().__init__(root, ".pdf")

    def get(self, key: str) -> Pdf | None:
        found = self.get_file(key)
        return None if found is None else Pdf(found[0], int(found[1].get("pages", 0)))

    def put(self, key: str, pdf: Pdf) -> None:
        self.put_file(key, pdf.content, pages=pdf.pages)


def atomic_write(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` so that readers see the old file or the new one, never half."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
