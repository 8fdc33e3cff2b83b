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
import multiprocessing
import os
import shutil
import sys
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import MkDocsException, PluginError

from .. import __version__, urls
from ..errors import PhieuError
from ..load import Project
from ..render import templates, text
from ..staff.ledger import resolves
from .redirects import redirect_page

log = logging.getLogger("mkdocs.plugins.phieu")


def build_offices(
    config: MkDocsConfig,
    project: Project,
    options: dict[str, Any],
    *,
    serving: bool = False,
    parts: Path | None = None,
    processes: int = 1,
) -> None:
    """Build each office's site into ``<site_dir>/<id>/`` with the same mkdocs.yml and plugin options.

    ``parts``: take each office's site from ``parts/<id>/`` (made by ``phieu build --office``) instead of
    building it. Offices are built in ``processes`` worker processes side by side (each making its own
    PDFs when there are several); the sites are the same, byte for byte, however many.
    """
    site_dir = Path(config.site_dir)
    if parts is not None:
        for site in project.offices:
            take_part(parts, site_dir, site.id, project, config.site_url or "/")
        return
    jobs = [
        (str(config.config_file_path), str(site_dir / site.id), site.id, bool(config.strict), serving)
        for site in project.offices
    ]
    # Always in other processes, even one at a time: MkDocs keeps one instance of a plugin that has
    # ``on_startup`` per process (search, phieu), so a build inside this one would run on this build's
    # plugins and leave them holding an office's state.
    width = max(1, min(processes, len(jobs)))
    if width > 1:
        options = {
            **options,
            "workers": 1,
        }  # each process makes its own PDFs: the offices are the parallel part
    log.info("phieu: dựng %d xã, phường, %d tiến trình", len(jobs), width)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=width, mp_context=context) as pool:
        futures = {pool.submit(_build_office_apart, *job, options): job[2] for job in jobs}
        try:
            for future in as_completed(futures):
                failure = future.result()
                if failure is not None:
                    raise PluginError(f"xã, phường {futures[future]}: {failure}")
                log.info("phieu: xong xã, phường %s", futures[future])
        except BaseException:
            for future in futures:
                future.cancel()
            raise


def build_office(
    config_file: str, site_dir: str, office_id: str, strict: bool, serving: bool, options: dict[str, Any]
) -> None:
    """One office's site, built like any site with the phieu plugin told which office it is."""
    from ..plugin import PhieuPlugin  # the plugin imports this module

    sub = load_config(config_file, site_dir=site_dir, strict=strict)
    plugin = sub.plugins["phieu"]
    assert isinstance(plugin, PhieuPlugin)
    for key, value in options.items():
        plugin.config[key] = value
    plugin.config["office"] = office_id
    plugin.serving_office_of_province(serving)
    build(sub)


def _build_office_apart(
    config_file: str, site_dir: str, office_id: str, strict: bool, serving: bool, options: dict[str, Any]
) -> str | None:
    """:func:`build_office` in a worker process; returns the failure's message (exceptions of MkDocs do not
    cross processes), or None."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(f"%(levelname)-7s -  [{office_id}] %(message)s"))
    mkdocs_log = logging.getLogger("mkdocs")
    mkdocs_log.addHandler(handler)
    mkdocs_log.setLevel(logging.INFO)
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    try:
        build_office(config_file, site_dir, office_id, strict, serving, options)
    except (MkDocsException, PhieuError) as exc:
        return str(exc)
    return None


def take_part(parts: Path, site_dir: Path, office_id: str, project: Project, site_url: str) -> None:
    """Put the office's site built apart (``phieu build --office``) in its folder, after checking that it
    was built from the same data for the same address: every slip version in its manifest (a hash of all
    the slip prints, QR address included) is the one this build would print."""
    part = parts / office_id
    own = part / urls.MANIFEST
    if not own.is_file():
        raise PhieuError(
            f"thiếu phần của xã, phường {office_id}: không có {own} "
            f"(dựng bằng: phieu build --office {office_id} --site-dir {part})"
        )
    listed = {e["code"]: e["version"] for e in json.loads(own.read_text(encoding="utf-8"))["procedures"]}
    catalog = project.office(office_id).catalog
    office_url = urls.office_site_url(site_url, office_id)
    expected = {
        p.code: text.content_version(p, catalog.office, catalog.field(p.field), office_url)
        for p in catalog.procedures
    }
    if listed != expected:
        codes = sorted({code for code, _ in set(listed.items()) ^ set(expected.items())})
        raise PhieuError(
            f"phần của xã, phường {office_id} ở {part} được dựng từ dữ liệu hoặc địa chỉ khác bản này "
            f"(thủ tục {', '.join(codes[:5])}): dựng lại phần đó"
        )
    shutil.copytree(part, site_dir / office_id)


def manifest(site_dir: Path, project: Project, site_url: str) -> dict:
    """The province's manifest: each office's slips (from its own manifest), marked with the office,
    with paths from the site's root."""
    offices = []
    procedures = []
    printed = []
    for site in project.offices:
        own = json.loads((site_dir / site.id / urls.MANIFEST).read_text(encoding="utf-8"))
        prefix = urls.office_home(site.id)
        offices.append(
            {
                "office": site.id,
                "name": site.profile.name,
                "site_url": own["site_url"],
                "manifest": prefix + urls.MANIFEST,
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
    (site_dir / urls.MANIFEST).write_text(content + "\n", encoding="utf-8")


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
