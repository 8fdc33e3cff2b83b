"""The PDF cache: rendered PDFs kept under ``.cache/phieu`` by a key that hashes all of their inputs.

A cache entry is reused only when its bytes still match the checksum written next to it.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from ..render.slip import Pdf


class PdfCache:
    """Content-addressed PDF store; a corrupt entry is treated as missing."""

    def __init__(self, root: Path):
        self.root = root

    def _paths(self, key: str) -> tuple[Path, Path]:
        folder = self.root / key[:2]
        return folder / f"{key}.pdf", folder / f"{key}.json"

    def get(self, key: str) -> Pdf | None:
        pdf_path, meta_path = self._paths(key)
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            content = pdf_path.read_bytes()
        except (OSError, ValueError):
            return None
        if not isinstance(meta, dict) or hashlib.sha256(content).hexdigest() != meta.get("sha256"):
            return None
        return Pdf(content, int(meta.get("pages", 0)))

    def put(self, key: str, pdf: Pdf) -> None:
        pdf_path, meta_path = self._paths(key)
        pdf_path.parent.mkdir(parents=True, exist_ok=True)
        meta = json.dumps({"sha256": hashlib.sha256(pdf.content).hexdigest(), "pages": pdf.pages})
        # The checksum file is written last: a crash in between leaves an entry that get() rejects.
        atomic_write(pdf_path, pdf.content)
        atomic_write(meta_path, meta.encode())


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
