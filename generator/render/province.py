"""The province's own pages: its home (every office, found by current or former name), the national page
of each procedure (the shared content, with the offices that handle it) and the A–Z list of them.

Each office's own site is made by an ordinary build of its resolved catalog (see ``load/project.py``).
"""

from __future__ import annotations

import posixpath
from pathlib import Path

from .. import urls
from ..load import Project
from ..model import Procedure
from . import text
from .pages import GeneratedPage, _document, environment, relative


class ProvinceRenderer:
    """Renders the pages at the root of a province's site."""

    def __init__(self, project: Project, theme_dir: Path, *, site_url: str):
        assert project.province is not None
        self.project = project
        self.province = project.province
        self.site_url = site_url
        self.env = environment(theme_dir)

    def home(self) -> GeneratedPage:
        here = ""
        offices = [
            {
                "name": o.profile.name,
                "url": relative(here, urls.office_home(o.id)),
                "count": sum(p.in_force for p in o.catalog.procedures),
                "former": o.profile.former,
                "folded": text.fold(" | ".join([o.profile.name, *o.profile.former])),
            }
            for o in sorted(self.project.offices, key=lambda o: (text.fold(o.profile.name), o.id))
        ]
        body = self.env.get_template("province-home.html.j2").render(
            province=self.province,
            publication=self.province.publication,
            offices=offices,
            az_url=relative(here, urls.AZ),
        )
        title = f"Phiếu hướng dẫn thủ tục hành chính – {self.province.name}"
        return GeneratedPage("index.md", _document(title, body, "Chọn xã, phường để xem hướng dẫn thủ tục."))

    def procedure(self, procedure: Procedure) -> GeneratedPage:
        """The shared content of a procedure, with a link to each office's page of it instead of one
        office's address, hours and counter."""
        here = urls.page(procedure.code)
        project = self.project
        replacement = project.procedure(procedure.replaced_by) if procedure.replaced_by else None
        offices = [
            {
                "name": o.profile.name,
                "url": relative(here, urls.office_page(o.id, procedure.code)),
                "former": o.profile.former,
            }
            for o in sorted(project.offering(procedure.code), key=lambda o: text.fold(o.profile.name))
        ]
        body = self.env.get_template("procedure.html.j2").render(
            p=procedure,
            office=None,
            offices=offices,
            show_phone=False,
            home_url=relative(here, ""),
            field=project.field(procedure.field),
            field_url=None,
            replacement=replacement,
            replacement_url=replacement and relative(here, urls.page(replacement.code)),
            slip_url=None,
            version=None,
            storage_key=f"phieu:{procedure.code}:{procedure.content_hash[:8]}",
            short_url=self.site_url.rstrip("/") + "/" + here,
        )
        return GeneratedPage(
            urls.page_source(procedure.code), _document(procedure.name, body, procedure.summary)
        )

    def az(self) -> GeneratedPage:
        here = urls.AZ
        groups: dict[str, list[Procedure]] = {}
        for p in sorted(self.project.procedures, key=lambda p: (text.fold(p.name), p.name)):
            groups.setdefault(p.name[0].upper(), []).append(p)
        body = self.env.get_template("az.html.j2").render(
            groups=groups,
            links={p.code: relative(here, urls.page(p.code)) for p in self.project.procedures},
            fields={f.id: f.name for f in self.project.fields},
        )
        return GeneratedPage(urls.AZ_SOURCE, _document("Tra cứu thủ tục từ A đến Z", body, searchable=False))

    def printing(self) -> GeneratedPage:
        """The page for printing offices: a link to each office's own printing page."""
        here = urls.PRINTING
        offices = [
            {
                "name": o.profile.name,
                "url": relative(here, urls.office_home(o.id) + urls.PRINTING),
                "count": len(o.catalog.procedures),
            }
            for o in sorted(self.project.offices, key=lambda o: (text.fold(o.profile.name), o.id))
        ]
        body = self.env.get_template("province-printing.html.j2").render(
            offices=offices, manifest_url=posixpath.relpath(urls.MANIFEST, here)
        )
        return GeneratedPage(urls.PRINTING_SOURCE, _document("Dành cho nhà in", body))

    def all(self, *, printing: bool = True) -> list[GeneratedPage]:
        pages = [self.home(), *(self.procedure(p) for p in self.project.procedures), self.az()]
        return [*pages, self.printing()] if printing else pages

    def search_terms(self, procedure: Procedure) -> str:
        words = [procedure.name, procedure.code]
        return " ".join(text.fold(w) for w in words)
