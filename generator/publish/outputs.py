"""What the printable side publishes: the PDFs themselves, the printing-office page and manifest.json."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from markupsafe import Markup

from .. import __version__, urls
from ..errors import RenderError
from ..load import Catalog
from ..render import templates, text
from ..render.pages import relative
from .impose import LAYOUTS

KINDS = ("pack", "imposed", "poster", "tent", "slip", "sample")
"""The printing page's tables, in order."""


@dataclass(frozen=True)
class Artifact:
    """One published PDF."""

    path: str
    """Path inside the site, e.g. ``pdf/phieu-1.001193.pdf``."""
    kind: str
    """``slip``, ``poster``, ``tent``, ``pack``, ``imposed`` or ``sample`` (a national form's filled sample)."""
    title: str
    content: bytes
    pages: int
    size: str
    updated: dt.date | None
    """Latest content change of what it prints."""
    reused: bool
    """Taken from the cache instead of rendered."""
    sheets: int | None = None
    """Sheets of paper of an imposed pack (half its pages when it is printed on both sides)."""

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass
class Outputs:
    artifacts: list[Artifact] = field(default_factory=list)

    @property
    def files(self) -> dict[str, bytes]:
        return {a.path: a.content for a in self.artifacts}

    def by_path(self) -> dict[str, Artifact]:
        return {a.path: a for a in self.artifacts}

    @property
    def rendered(self) -> int:
        return sum(not a.reused for a in self.artifacts)

    @property
    def reused(self) -> int:
        return sum(a.reused for a in self.artifacts)


def _slot(kind: str) -> str:
    return f"<!-- phieu:bang-{kind} -->"


class PrintingPage:
    """The "for printing offices" page. Its tables need every PDF's checksum, so they are put into the
    finished HTML: MkDocs builds the other pages while the PDFs are being made."""

    def __init__(self, theme_dir: Path, *, marks: bool, samples: bool = True):
        self.env = templates.environment(theme_dir / "pages")
        self.marks = marks
        self.kinds = KINDS if samples else tuple(k for k in KINDS if k != "sample")
        """The tables the page has: a site without national forms has no filled samples."""

    def markdown(self) -> str:
        slots = {kind: Markup(_slot(kind)) for kind in self.kinds}
        body = self.env.get_template("printing.html.j2").render(marks=self.marks, slots=slots)
        return '---\ntitle: "Dành cho nhà in"\n---\n\n' + body + "\n"

    def with_tables(self, page_html: str, outputs: Outputs) -> str:
        table = self.env.get_template("printing-table.html.j2")
        links = {a.path: relative(urls.PRINTING, a.path) for a in outputs.artifacts}
        for kind in self.kinds:
            slot = _slot(kind)
            if slot not in page_html:
                raise RenderError(
                    f"trang in ấn thiếu chỗ cho bảng {kind}: giao diện đã bỏ mất nội dung trang"
                )
            rows = [a for a in outputs.artifacts if a.kind == kind]
            html = table.render(artifacts=rows, links=links, kind=kind, layouts=LAYOUTS)
            page_html = page_html.replace(slot, html, 1)
        return page_html


def manifest(catalog: Catalog, outputs: Outputs, site_url: str) -> dict:
    """Every slip with its QR target and checksums, and every other PDF: for printing offices' tools."""
    office = catalog.office
    entries = []
    by_path = outputs.by_path()
    for p in catalog.procedures:
        slip = by_path[urls.slip(p.code)]
        target = urls.absolute(office, urls.page(p.code), site_url)
        scan = urls.absolute(office, urls.scan(p.code), site_url)
        entries.append(
            {
                "code": p.code,
                "title": p.name,
                "field": p.field,
                "url": target,
                "page": urls.page(p.code) + "index.html",
                "slip": slip.path,
                "slip_sha256": slip.sha256,
                "slip_pages": slip.pages,
                "qr_target": scan,
                "content_hash": p.content_hash,
                "version": text.content_version(p, office, catalog.field(p.field), site_url),
                "updated": p.updated.isoformat(),
                "status": p.status.value,
                "replaced_by": p.replaced_by,
            }
        )
    others = [
        {"kind": a.kind, "path": a.path, "size": a.size, "pages": a.pages, "sha256": a.sha256}
        | ({"sheets": a.sheets} if a.sheets is not None else {})
        for a in outputs.artifacts
        if a.kind != "slip"
    ]
    return {"generator": f"phieu {__version__}", "site_url": site_url, "procedures": entries, "print": others}


def write_manifest(site_dir: Path, catalog: Catalog, outputs: Outputs, site_url: str) -> None:
    content = json.dumps(manifest(catalog, outputs, site_url), ensure_ascii=False, indent=1)
    (site_dir / "manifest.json").write_text(content + "\n", encoding="utf-8")
