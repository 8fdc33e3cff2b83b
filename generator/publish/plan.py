"""Planning: every PDF a catalog publishes, as a job with a cache key that hashes all of its inputs.

Posters and table tents are rendered by WeasyPrint; packs and imposed packs are assembled from the slips
they need. A key covers the record (or the field's listing), its field, the office, the templates and
CSS, the site URL, the paper size, the phieu version and the render revision.

A slip is composed (``render/compose.py``) from its body, which is the same for every office whose slip of
the procedure has the same text outside the office's parts: the body's key leaves out the office and the
site URL, so in a province's shared cache each body is laid out once for all offices. Each slip also needs
its body's new-page variant for the office's "where and when" rows (an empty PDF when the body leaves them
room), keyed by the body and the rows' height in steps.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import importlib.metadata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .. import __version__, urls
from ..digest import digest
from ..errors import PhieuError
from ..load import Catalog
from ..model import FieldInfo, Procedure
from ..render import text
from ..render.slip import PartSpec, SlipRenderer, render_error
from .impose import LAYOUTS, TENT_FACE_MM

#: Libraries whose output ends up in the PDF bytes: upgrading one makes every PDF again.
RENDERING_LIBRARIES = ("weasyprint", "pydyf", "pikepdf", "qrcode")


def library_versions() -> dict[str, str]:
    """Installed version of each rendering library (part of every cache key)."""
    return {name: importlib.metadata.version(name) for name in RENDERING_LIBRARIES}


def folder_digest(folder: Path) -> str:
    """Hash of every file under ``folder``, subfolders included, with its path: the slip theme may
    use any of them (fonts, images), since WeasyPrint may read any file under it."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return digest(
        [(p.relative_to(folder).as_posix(), hashlib.sha256(p.read_bytes()).hexdigest()) for p in files]
    )


#: Bump when the code that renders or assembles PDFs changes between releases: it is part of every cache key.
RENDER_REVISION = 11


def shared_new_page(body: str) -> str:
    """Where the cache also keeps a body's new-page variant once made: the same PDF for every office whose
    rows need it, whatever their height (each office's new-page job is keyed by its rows' steps)."""
    return digest(("new-page body", body))


@dataclass(frozen=True)
class Job:
    """One PDF to make."""

    key: str
    """Cache key."""
    spec: tuple
    """What to make: ("slip", code, size), ("poster", field), ("tent", field), ("pack", field, size) or
    ("imposed", field, size); a slip's body ("slip", code, size, "body") and its new-page variant
    ("slip", code, size, "new-page", step) (see ``SlipRenderer.slip_part``); a poster's or a tent's body
    ("poster", field, "body"), ("tent", field, "body")."""
    path: str | None
    """Where it is published; None for bodies and for slips made only to go into a pack of another size."""
    kind: str
    title: str
    size: str
    updated: dt.date | None
    needs: tuple[str, ...] = ()
    """Cache keys of the PDFs this one is made from, in order: a pack's slips, a slip's body and new-page
    body, a new-page body's body, a poster's or a tent's body."""


class Plan:
    """The jobs of one build and their keys."""

    def __init__(
        self,
        catalog: Catalog,
        theme_dir: Path,
        *,
        site_url: str,
        slip_size: str,
        pack_sizes: tuple[str, ...],
        pack_marks: bool,
    ):
        self.catalog = catalog
        self.site_url = site_url
        self.slip_size = slip_size
        self.pack_sizes = pack_sizes
        self.pack_marks = pack_marks
        self._templates = folder_digest(theme_dir / "slip")
        self._libraries = library_versions()
        self.theme_dir = theme_dir

    @cached_property
    def renderer(self) -> SlipRenderer:
        """Measures what a body's key needs of the office (its name's lines, its rows' height)."""
        return SlipRenderer(self.catalog, self.theme_dir, site_url=self.site_url)

    def _made_with(self) -> tuple:
        """What every PDF is made with: phieu, its render revision, the libraries and the slip theme."""
        return (__version__, RENDER_REVISION, self._libraries, self._templates)

    @cached_property
    def _common(self) -> tuple:
        return (*self._made_with(), self.site_url, self.catalog.office.model_dump(mode="json"))

    def slip_key(self, p: Procedure, size: str) -> str:
        field = self.catalog.field(p.field)
        return digest(("slip", size, *self._common, field.model_dump(mode="json"), p.model_dump(mode="json")))

    def body_key(self, p: Procedure, size: str) -> str:
        """The key of the slip's body: no office and no site URL, only what the body is laid out from."""
        return self._body(p, size)[0]

    def _body(self, p: Procedure, size: str) -> tuple[str, int]:
        try:  # laying out the office's parts runs the slip templates: a broken one is named here too
            spec, step = self.renderer.slip_parts(p, size)
        except PhieuError:
            raise
        except Exception as exc:
            raise render_error(f"phiếu {p.code} {size}", exc) from exc
        fields = {
            f.name: getattr(spec, f.name) for f in dataclasses.fields(spec)
        }  # asdict() would copy it all
        return digest(("body", *self._made_with(), fields)), step

    @staticmethod
    def _part_spec(what: str, measure: Callable[..., PartSpec], f: FieldInfo, *args: float) -> PartSpec:
        try:  # laying out the office's parts runs the poster and tent templates: a broken one is named here
            return measure(f, *args)
        except PhieuError:
            raise
        except Exception as exc:
            raise render_error(f"{what} {f.id}", exc) from exc

    def pack_key(self, f: FieldInfo, size: str, slips: tuple[str, ...]) -> str:
        """A pack is its ``slips`` (their keys cover all they print), its marks and its title."""
        return digest(("pack", size, self.pack_marks, *self._made_with(), f.name, slips))

    def imposed_key(self, f: FieldInfo, size: str, slips: tuple[str, ...], updated: dt.date | None) -> str:
        """An imposed pack is its ``slips`` and its slug lines (the field's name, its latest update)."""
        return digest(("imposed", size, *self._made_with(), f.name, str(updated), slips))

    def tent_key(self, f: FieldInfo) -> str:
        """A table tent prints the field's name, the office's name and the field's scan address only: an
        office's other changes (its phone, its address) leave it as it is."""
        target = urls.absolute(self.catalog.office, urls.field_scan(f.id), self.site_url)
        return digest(("tent", *self._made_with(), f.name, self.catalog.office.name, target))

    def poster_key(self, f: FieldInfo) -> str:
        printed = text.poster_payload(f, self.catalog.in_field(f.id), self.catalog.office, self.site_url)
        return digest(("poster", *self._made_with(), printed))

    def part_key(self, spec: PartSpec) -> str:
        """The key of a poster's or a table tent's body: no office, no site URL, only what it is laid out from."""
        return digest(("part", *self._made_with(), dataclasses.asdict(spec)))

    @cached_property
    def jobs(self) -> list[Job]:
        """Every PDF with its cache key, slips first, then each field's poster, table tent and packs."""
        jobs: list[Job] = []
        slip_keys: dict[tuple[str, str], str] = {}
        for size in dict.fromkeys((self.slip_size, *self.pack_sizes)):
            published = size == self.slip_size
            bodies, new_pages, slips = [], [], []
            for p in self.catalog.procedures:
                body, step = self._body(p, size)
                new_page = digest(("new-page", body, step))
                key = slip_keys[(p.code, size)] = self.slip_key(p, size)
                path = urls.slip(p.code) if published else None
                bodies.append(
                    Job(body, ("slip", p.code, size, "body"), None, "body", p.name, size, p.updated)
                )
                new_pages.append(
                    Job(
                        new_page,
                        ("slip", p.code, size, "new-page", step),
                        None,
                        "new-page",
                        p.name,
                        size,
                        p.updated,
                        (body,),
                    )
                )
                slips.append(
                    Job(key, ("slip", p.code, size), path, "slip", p.name, size, p.updated, (body, new_page))
                )
            # In this order, so that a runner taking jobs in order finds what each one needs made.
            jobs += bodies + new_pages + slips
        for f in self.catalog.fields:
            procedures = self.catalog.in_field(f.id)
            updated = max((p.updated for p in procedures), default=None)
            # A poster and a table tent are composed from a body shared by offices and the office's parts.
            title = f"Áp phích {f.name}"
            body = self.part_key(self._part_spec("áp phích", self.renderer.poster_spec, f))
            jobs.append(Job(body, ("poster", f.id, "body"), None, "poster-body", title, "A4", updated))
            jobs.append(
                Job(
                    self.poster_key(f),
                    ("poster", f.id),
                    urls.poster(f.id),
                    "poster",
                    title,
                    "A4",
                    updated,
                    (body,),
                )
            )
            title = f"Bảng để bàn {f.name}"
            body = self.part_key(self._part_spec("bảng để bàn", self.renderer.tent_spec, f, *TENT_FACE_MM))
            jobs.append(Job(body, ("tent", f.id, "body"), None, "tent-body", title, "A4", None))
            jobs.append(
                Job(self.tent_key(f), ("tent", f.id), urls.tent(f.id), "tent", title, "A4", None, (body,))
            )
            if not procedures:
                continue
            for size in self.pack_sizes:
                needs = tuple(slip_keys[(p.code, size)] for p in procedures)
                title = f"Gói in {f.name}"
                jobs.append(
                    Job(
                        self.pack_key(f, size, needs),
                        ("pack", f.id, size),
                        urls.pack(f.id, size),
                        "pack",
                        title,
                        size,
                        updated,
                        needs,
                    )
                )
                if size in LAYOUTS:
                    layout = LAYOUTS[size]
                    jobs.append(
                        Job(
                            self.imposed_key(f, size, needs, updated),
                            ("imposed", f.id, size),
                            urls.imposed(f.id, layout.id),
                            "imposed",
                            f"Tờ in bình trang {f.name}",
                            size,
                            updated,
                            needs,
                        )
                    )
        return jobs

    @property
    def published(self) -> list[str]:
        """Site path of every PDF to publish."""
        return [job.path for job in self.jobs if job.path]

    def pack_title(self, job: Job) -> str:
        _, field_id, size = job.spec
        return f"Gói in phiếu hướng dẫn: {self.catalog.field(field_id).name} (khổ {size})"
