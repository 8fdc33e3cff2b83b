"""A province's site: every office's own site built into its folder, then the parts that span them.

The root build (the province's home and national pages) builds each office's site with MkDocs, one
after the other, into ``<site>/<office id>/``, then writes the province's ``manifest.json`` (every slip of
every office) and forwards the URLs of the office whose site used to be at the root
(``province.yml``'s ``former_site``): a QR code printed before the province's site keeps opening that
office's page.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Iterable
from pathlib import Path

from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig

from .. import __version__, urls
from ..load import Project
from ..render import templates
from ..staff.ledger import resolves
from .redirects import redirect_page

log = logging.getLogger("mkdocs.plugins.phieu")


def build_offices(
    config: MkDocsConfig, project: Project, options: dict[str, object], *, serving: bool = False
) -> None:
    """Build each office's site into ``<site_dir>/<id>/`` with the same mkdocs.yml and plugin options."""
    from ..plugin import PhieuPlugin  # the plugin imports this module

    site_dir = Path(config.site_dir)
    for number, site in enumerate(project.offices, start=1):
        log.info("phieu: xã, phường %d/%d: %s (%s)", number, len(project.offices), site.profile.name, site.id)
        sub = load_config(
            config.config_file_path, site_dir=str(site_dir / site.id), strict=bool(config.strict)
        )
        plugin = sub.plugins["phieu"]
        assert isinstance(plugin, PhieuPlugin)
        for key, value in options.items():
            plugin.config[key] = value
        plugin.config["office"] = site.id
        plugin.serving_office_of_province(serving)
        build(sub)


def manifest(site_dir: Path, project: Project, site_url: str) -> dict:
    """The province's manifest: each office's slips (from its own manifest), marked with the office,
    with paths from the site's root."""
    offices = []
    procedures = []
    printed = []
    for site in project.offices:
        own = json.loads((site_dir / site.id / "manifest.json").read_text(encoding="utf-8"))
        prefix = urls.office_home(site.id)
        offices.append(
            {
                "office": site.id,
                "name": site.profile.name,
                "site_url": own["site_url"],
                "manifest": prefix + "manifest.json",
            }
        )
        for entry in own["procedures"]:
            procedures.append(
                {
                    "office": site.id,
                    **entry,
                    "page": prefix + entry["page"],
                    "slip": prefix + entry["slip"],
                }
            )
        for entry in own["print"]:
            printed.append({"office": site.id, **entry, "path": prefix + entry["path"]})
    return {
        "generator": f"phieu {__version__}",
        "site_url": site_url,
        "offices": offices,
        "procedures": procedures,
        "print": printed,
    }


def write_manifest(site_dir: Path, project: Project, site_url: str) -> None:
    content = json.dumps(manifest(site_dir, project, site_url), ensure_ascii=False, indent=1)
    (site_dir / "manifest.json").write_text(content + "\n", encoding="utf-8")


def forward_former_site(
    site_dir: Path, project: Project, ledger: Iterable[str], site_url: str, theme_dir: Path
) -> list[str]:
    """Make the former single office's URLs work at the root: a redirect page for each page, a copy of
    each PDF (a PDF cannot redirect), and the scan addresses its QR codes carried. Returns the paths made.

    Only URLs the root does not serve itself are forwarded (``p/<code>/`` stays the national page).
    """
    assert project.province is not None
    former = project.province.former_site
    if former is None:
        return []
    office = project.office(former)
    env = templates.environment(theme_dir / "pages")
    wanted = set(ledger)
    wanted.update("/" + urls.scan(p.code) for p in office.catalog.procedures)
    wanted.update("/" + urls.field_scan(f.id) for f in project.fields)
    made = []
    for url in sorted(wanted):
        if resolves(site_dir, url):
            continue
        relative = url.lstrip("/")
        moved = urls.office_home(former) + relative
        if not resolves(site_dir, "/" + moved):
            continue
        if relative.endswith("/") or relative == "":
            target = site_dir / relative / "index.html"
            target.parent.mkdir(parents=True, exist_ok=True)
            title = f"Trang này nay ở trang của {office.profile.name}"
            target.write_text(redirect_page(env, relative or ".", moved, site_url, title), encoding="utf-8")
        else:
            target = site_dir / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(site_dir / moved, target)
        made.append(url)
    return made
