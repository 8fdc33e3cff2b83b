"""The MkDocs plugin: a thin adapter from MkDocs events to the phieu core.

It loads the catalog in ``on_config`` (so bad data stops the build before
anything is written) and injects generated pages with ``File.generated`` in
``on_files``, where it also starts making the PDFs: on a large site they are
made in worker processes while MkDocs builds the pages. The PDFs, the
printing page's tables and the manifest are written once they are ready, and
folded search terms are added after the search plugin has written its index.
"""

from __future__ import annotations

import difflib
import html
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from mkdocs.config import config_options as opt
from mkdocs.config import load_config
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import MkDocsException, PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page

from . import urls
from .errors import DataError, PhieuError, Problem
from .load import Catalog, Project, load_project
from .load.forms import FORMS_FOLDER
from .model import Procedure, site_url_problem
from .publish import counting, offline
from .publish import province as province_site
from .publish import redirects as url_redirects
from .publish.forms import form_samples
from .publish.outputs import Artifact, Outputs
from .publish.publisher import Publisher
from .publish.run import WEASYPRINT_LOGGERS, progress_printer
from .publish.safety import inside
from .publish.share import share_images
from .render import text
from .render.pages import PageRenderer
from .render.problems import problems_markdown, problems_page
from .render.province import ProvinceRenderer
from .staff import editor
from .staff import ledger as url_ledger

log = get_plugin_logger(__name__)

FIELDS_PLACEHOLDER = "<!-- phieu:fields -->"


class PhieuConfig(Config):
    procedures = opt.Dir(exists=True, default="procedures")
    """Folder of procedure YAML files."""
    theme_dir = opt.Dir(exists=True, default="theme")
    """Folder holding ``pages/`` and ``slip/`` templates."""
    slips = opt.Type(bool, default=True)
    """Render PDF slips, posters and packs (off only for benchmarks of the bare site)."""
    slip_size = opt.Choice(urls.PAPER_SIZES, default="A5")
    """Paper size of the individual slips."""
    pack_sizes = opt.ListOfItems(opt.Choice(urls.PAPER_SIZES), default=["A5"])
    """Sizes of the per-field print packs."""
    pack_marks = opt.Type(bool, default=True)
    """Add crop marks and 3 mm bleed to print packs."""
    edit_uri = opt.Type(str, default="edit/main/")
    """Path under ``repo_url`` that opens a repository file in the web editor."""
    workers = opt.Type(int, default=0)
    """Processes that render PDFs (in a province's build: that build offices side by side); 0 means one per
    CPU."""
    scheduler = opt.Optional(opt.Type(str))
    """Address of a Dask scheduler (``tcp://host:8786``) whose workers make every PDF (``pip install
    'phieu[cluster]'``); the ``PHIEU_SCHEDULER`` variable and ``phieu build --scheduler`` override it."""
    cache_dir = opt.Type(str, default=".cache/phieu")
    """Where rendered PDFs are kept between builds (relative to mkdocs.yml), keyed by content hash."""
    cache = opt.Type(bool, default=True)
    """Use ``cache_dir``; off (``phieu build --no-cache``), every PDF and preview image is made and no cache
    is read or written."""
    ledger = opt.Type(str, default=url_ledger.LEDGER_FILE)
    """Append-only list of every URL ever published (relative to mkdocs.yml); the build fails
    when one of them would no longer resolve. A missing file checks nothing."""
    redirects = opt.Type(str, default=url_redirects.REDIRECTS_FILE)
    """Declared renames of procedure codes and field ids (relative to mkdocs.yml)."""
    service_worker = opt.Type(bool, default=True)
    """Keep the pages a citizen opened for use offline (never in previews). Off: phones drop the copies."""
    editor = opt.Type(bool, default=True)
    """Publish the staff editor at ``/admin/`` (it saves to the GitHub repository of ``repo_url``)."""
    editor_auth = opt.Optional(opt.URL())
    """Sign-in service of the staff editor (Sveltia CMS Authenticator); without it staff sign in with a token."""
    office = opt.Optional(opt.Type(str))
    """A province's project only: build this office's site alone (the name of its file in ``offices/``
    without ``.yml``), as ``phieu build --office`` and the ``PHIEU_OFFICE`` variable do. Without it, the
    province's build makes its home and national pages, then every office's site in its own folder."""
    parts = opt.Optional(opt.Type(str))
    """A province's project only: take each office's site from ``<parts>/<id>/``, built apart by
    ``phieu build --office`` (e.g. by a CI matrix), instead of building it; as ``phieu build --parts`` and
    the ``PHIEU_PARTS`` variable do. Each part is checked against this build's data."""
    goatcounter = opt.Optional(opt.URL())
    """Count URL of the office's own GoatCounter (no cookies), e.g. https://thongke.example.vn/count.
    Off by default: then pages load nothing from any other host."""


class PhieuPlugin(BasePlugin[PhieuConfig]):
    supports_multiple_instances = False

    def __init__(self) -> None:
        self.project: Project | None = None
        self.catalog: Catalog | None = None
        """The office whose site this build makes; None for a province's root."""
        self.province: ProvinceRenderer | None = None
        """A province's root build: its home and national pages."""
        self.renderer: PageRenderer | None = None
        self.publisher: Publisher | None = None
        self.samples: list[Artifact] = []
        """The national forms' filled samples (made beside the publisher's PDFs, with their own cache)."""
        self.redirects: url_redirects.Redirects | None = None
        self.theme_globals: dict[str, str | None] = {}
        """What every page template sees as ``phieu``: the service worker's path and the counter's script."""
        self._serving = False
        self.problems: list[Problem] | None = None
        """While serving: the data's problems, shown in the browser instead of the site."""
        self._logs = _WeasyPrintLogs()

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self._serving = command == "serve"

    def serving_office_of_province(self, serving: bool) -> None:  # called on another build's instance
        """Called by the province's root build on the plugin of each office's build."""
        self._serving = serving

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        self.problems = None
        try:
            project = load_project(Path(self.config.procedures))
        except DataError as exc:
            if self._serving:
                return self._show_problems(config, exc)
            raise PluginError(
                f"Dữ liệu thủ tục có {len(exc.problems)} lỗi:\n{exc}\n(chạy 'phieu validate' để xem lại)"
            ) from exc
        self.project = project
        public = project.province.site_url if project.province else project.catalogs()[0][1].office.site_url
        site_url = os.environ.get("SITE_URL") or public
        problem = site_url_problem(site_url)  # the data's was checked on load; SITE_URL is checked here
        if problem:
            raise PluginError(f"SITE_URL: {problem}")
        config.site_url = site_url.rstrip("/") + "/"
        office_id = os.environ.get("PHIEU_OFFICE") or self.config.office or None
        self.province = None
        if project.single is not None:
            if office_id is not None:
                raise PluginError(
                    f"chỉ chọn xã, phường ('{office_id}') khi dữ liệu là của cả tỉnh (có province.yml)"
                )
            self.catalog = project.single
        elif office_id is None:
            return self._province_root(config, project)
        else:
            site = self._office_of_province(project, office_id)
            self.catalog = site.catalog
            config.site_url = urls.office_site_url(config.site_url, site.id)
            config.site_name = site.profile.name
        theme_dir = Path(self.config.theme_dir)
        self.renderer = PageRenderer(
            self.catalog, theme_dir, site_url=config.site_url, in_province=project.is_province
        )
        self.publisher = None  # MkDocs keeps a plugin with on_startup for the next build: start afresh
        if self.config.slips:
            self.publisher = Publisher(
                self.catalog,
                theme_dir,
                site_url=config.site_url,
                slip_size=self.config.slip_size,
                pack_sizes=tuple(self.config.pack_sizes),
                pack_marks=self.config.pack_marks,
                cache_dir=self._project_file(config, self.config.cache_dir) if self.config.cache else None,
                logger=log,
                workers=self.config.workers,
                progress=progress_printer(),
                scheduler=os.environ.get("PHIEU_SCHEDULER") or self.config.scheduler,
            )
        config.nav = self._nav(config.nav or ["index.md"])
        preview = offline.is_preview(config.site_url, self.catalog.office.site_url, serving=self._serving)
        try:
            counter = self.config.goatcounter and counting.goatcounter_script(self.config.goatcounter)
        except PhieuError as exc:
            raise PluginError(str(exc)) from exc
        self.theme_globals = {
            "service_worker": urls.SERVICE_WORKER if self.config.service_worker and not preview else None,
            "goatcounter": counter or None,
            "az": urls.AZ,
        }
        self._logs.forward()
        return config

    def _office_of_province(self, project: Project, office_id: str):
        try:
            return project.office(office_id)
        except KeyError:
            known = [o.id for o in project.offices]
            close = difflib.get_close_matches(office_id, known, n=1)
            hint = f" (có phải '{close[0]}'?)" if close else f" (có: {', '.join(known)})"
            raise PluginError(f"không có xã, phường '{office_id}' trong offices/{hint}") from None

    def _province_root(self, config: MkDocsConfig, project: Project) -> MkDocsConfig:
        """A province's root: its home, the national page of each procedure and their A–Z list; every
        office's own site is built into its folder after these pages (``on_post_build``)."""
        self.catalog = self.renderer = self.publisher = None
        self.province = ProvinceRenderer(
            project, Path(self.config.theme_dir), site_url=config.site_url or "/"
        )
        user_nav = config.nav or ["index.md"]
        generated = [urls.AZ_SOURCE, urls.PRINTING_SOURCE] if self.config.slips else [urls.AZ_SOURCE]
        config.nav = [user_nav[0], *generated, *user_nav[1:]]
        try:
            counter = self.config.goatcounter and counting.goatcounter_script(self.config.goatcounter)
        except PhieuError as exc:
            raise PluginError(str(exc)) from exc
        self.theme_globals = {"service_worker": None, "goatcounter": counter or None, "az": urls.AZ}
        return config

    def on_env(self, env, /, *, config: MkDocsConfig, files: Files):
        env.globals["phieu"] = self.theme_globals
        return env

    def _nav(self, user_nav: list) -> list:
        """Home, one entry per field, A–Z, then the hand-written pages.

        Procedure pages are reached from their field page, the A–Z list, search or a QR code; they are
        not listed in the sidebar, so a page's size does not grow with the catalogue.
        """
        assert self.catalog is not None
        fields = [{html.escape(f.name): urls.field_source(f.id)} for f in self.catalog.fields]
        generated = [{"Thủ tục theo lĩnh vực": fields}, urls.AZ_SOURCE]
        if self.config.slips:
            generated.append(urls.PRINTING_SOURCE)
        return [user_nav[0], *generated, *user_nav[1:]]

    def _show_problems(self, config: MkDocsConfig, exc: DataError) -> MkDocsConfig:
        """While serving, bad data turns the site into the list of problems instead of failing the build:
        MkDocs would keep the browser waiting for a build that never came. The next good build is the site."""
        log.error(
            "Dữ liệu thủ tục có %d lỗi; trang xem trước chỉ hiện danh sách lỗi cho tới khi sửa xong:\n%s",
            len(exc.problems),
            exc,
        )
        self.problems = exc.problems
        self.catalog = self.renderer = self.publisher = None
        config.nav = ["index.md"]
        return config

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        if self.problems is not None:  # theme and docs assets stay, so the page looks like the site
            shown = Files([f for f in files if not f.is_documentation_page()])
            content = problems_markdown(self.problems, Path(self.config.theme_dir))
            shown.append(File.generated(config, "index.md", content=content))
            return shown
        try:
            if self.province is not None:
                return self._add_province_files(files, config)
            return self._add_files(files, config)
        except PhieuError as exc:
            raise PluginError(str(exc)) from exc

    def _add_province_files(self, files: Files, config: MkDocsConfig) -> Files:
        assert self.province is not None and self.project is not None
        home = files.get_file_from_path("index.md")
        if home is not None:
            files.remove(home)  # the office's home (fields list) is each office's; the province lists offices
        for page in self.province.all(printing=self.config.slips):
            inclusion = (
                InclusionLevel.NOT_IN_NAV if urls.code_of_source(page.src_uri) else InclusionLevel.UNDEFINED
            )
            src_uri = inside(config.site_dir, page.src_uri)
            files.append(File.generated(config, src_uri, content=page.markdown, inclusion=inclusion))
        for path, content in self._admin(config).items():  # one editor for the province, at its root
            files.append(File.generated(config, inside(config.site_dir, path), content=content))
        clash = sorted({o.id for o in self.project.offices} & {f.dest_uri.split("/")[0] for f in files})
        if clash:
            raise PluginError(
                f"docs/ có thư mục hoặc tệp trùng tên trang của xã, phường: {', '.join(clash)}; đổi tên một bên"
            )
        return files

    def _add_files(self, files: Files, config: MkDocsConfig) -> Files:
        assert self.catalog is not None and self.renderer is not None
        for page in self.renderer.all():
            reached_from_pages = urls.code_of_source(page.src_uri) or urls.form_of_source(page.src_uri)
            inclusion = InclusionLevel.NOT_IN_NAV if reached_from_pages else InclusionLevel.UNDEFINED
            src_uri = inside(config.site_dir, page.src_uri)
            files.append(File.generated(config, src_uri, content=page.markdown, inclusion=inclusion))
        self.redirects = self._load_redirects(config)
        theme_dir = Path(self.config.theme_dir)
        if (
            not self.catalog.forms
        ):  # only a fill-in page loads these: a site without forms does not publish them
            for asset in (urls.FORM_SCRIPT, urls.FORM_STYLE):
                if (found := files.get_file_from_path(asset)) is not None:
                    files.remove(found)
        generated: dict[str, str | bytes] = {
            **url_redirects.redirect_pages(self.redirects, self.renderer.site_url, theme_dir),
            **counting.scan_pages(self.catalog, self.redirects, self.renderer.site_url, theme_dir),
            **share_images(
                self.catalog, self._project_file(config, self.config.cache_dir) if self.config.cache else None
            ),
            **self._admin(config),
            urls.SERVICE_WORKER: offline.service_worker(
                theme_dir, enabled=self.theme_globals["service_worker"] is not None
            ),
        }
        for path, content in generated.items():
            files.append(File.generated(config, inside(config.site_dir, path), content=content))
        if self.publisher is not None:
            written = {f.dest_uri for f in files}
            clash = [path for path in self.publisher.planned if path in written]
            if clash:
                raise PluginError(
                    f"docs/ có tệp trùng đường dẫn với PDF do phieu tạo: {', '.join(clash[:5])}; "
                    "đổi tên hoặc chuyển các tệp đó"
                )
            self.publisher.start()  # on a large site, PDFs are made while MkDocs builds the pages
            cache = self._project_file(config, self.config.cache_dir) if self.config.cache else None
            self.samples = form_samples(self.catalog.forms, theme_dir, cache)
            for sample in self.samples:
                files.append(
                    File.generated(config, inside(config.site_dir, sample.path), content=sample.content)
                )
            # Last in the list, so it is built last and waits the least for the PDFs.
            files.append(File.generated(config, urls.PRINTING_SOURCE, content=self.publisher.printing_page()))
        return files

    def _admin(self, config: MkDocsConfig) -> dict[str, str | bytes]:
        assert self.project is not None
        if not self.config.editor or (self.project.is_province and self.catalog is not None):
            return {}  # a province's offices share the one editor at the province's /admin/
        files = editor.admin_files(
            self.project,
            repository=Path(config.config_file_path).parent,
            repo_url=config.repo_url,
            edit_uri=self.config.edit_uri,
            site_url=config.site_url or "/",
            auth_url=self.config.editor_auth,
        )
        if not files:
            log.warning(
                "không có trang sửa /admin/: repo_url trong mkdocs.yml không phải kho GitHub (editor: false để tắt)"
            )
        return files

    def _project_file(self, config: MkDocsConfig, name: str) -> Path:
        return Path(config.config_file_path).parent / name

    def _load_redirects(self, config: MkDocsConfig) -> url_redirects.Redirects:
        assert self.catalog is not None
        path = self._project_file(config, self.config.redirects)
        try:
            return url_redirects.checked_redirects(path, self.catalog)
        except DataError as exc:
            raise PluginError(f"Tệp chuyển hướng có lỗi:\n{exc}") from exc

    def _pdfs(self) -> Outputs:
        assert self.publisher is not None
        try:
            return self.publisher.result()
        except PhieuError as exc:
            raise PluginError(str(exc)) from exc

    def _check_pdfs(self) -> None:
        if self.publisher is not None:
            try:
                self.publisher.check()
            except PhieuError as exc:
                raise PluginError(str(exc)) from exc

    def on_post_page(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str:
        self._check_pdfs()
        if self.publisher is not None and page.file.src_uri == urls.PRINTING_SOURCE:
            try:
                pdfs = self._pdfs()
                return self.publisher.printing_tables(output, Outputs([*pdfs.artifacts, *self.samples]))
            except PhieuError as exc:
                raise PluginError(str(exc)) from exc
        return output

    def on_build_error(self, *, error: Exception) -> None:
        if self.publisher is not None:
            self.publisher.cancel()
        self._logs.restore()

    def on_page_markdown(self, markdown: str, /, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        self._check_pdfs()  # a failure in the background stops the build now, not after every page
        if FIELDS_PLACEHOLDER in markdown and self.renderer is not None:
            fields = self.renderer.field_list(page.url)
            if self.project is not None and self.project.is_province:
                fields = self.renderer.office_card(page.url) + "\n" + fields
            markdown = markdown.replace(FIELDS_PLACEHOLDER, fields)
        return markdown

    def on_page_context(self, context, /, *, page: Page, config: MkDocsConfig, nav):
        if self.problems is not None or self.catalog is None:
            return context
        src = page.file.src_uri
        code = urls.code_of_source(src)
        if code is not None and config.repo_url:
            source = self.catalog.sources.get(code)
            if source is not None:
                page.edit_url = self._edit_url(config, source)
        elif urls.form_of_source(src) is not None and config.repo_url:
            form_file = self.catalog.root / FORMS_FOLDER / f"{urls.form_of_source(src)}.yml"
            page.edit_url = self._edit_url(config, form_file)
        elif urls.is_listing_source(src):
            page.edit_url = None  # generated: there is no file to edit
        if code is not None and self.renderer is not None:
            context["phieu_head"] = self.renderer.share_head(self.catalog.procedure(code))
        return context

    def _edit_url(self, config: MkDocsConfig, source: Path) -> str:
        relative = source.resolve().relative_to(Path(config.config_file_path).parent.resolve())
        return (
            f"{(config.repo_url or '').rstrip('/')}/{self.config.edit_uri.strip('/')}/{relative.as_posix()}"
        )

    def on_serve(self, server, /, *, config: MkDocsConfig, builder):
        server.watch(self.config.procedures)
        server.watch(self.config.theme_dir)
        return server

    @event_priority(100)  # before other plugins look at the finished site
    def _write_print_files(self, *, config: MkDocsConfig) -> None:
        if self.province is not None:
            self._build_offices(config)
            return
        if self.publisher is not None:
            try:
                self._write_pdfs(config)
            except PhieuError as exc:
                raise PluginError(str(exc)) from exc
            self.publisher.write_manifest(Path(config.site_dir))

    @event_priority(-100)  # after the search plugin has written its index
    def _finish_site(self, *, config: MkDocsConfig) -> None:
        if self.problems is not None:  # every other address shows the problems too (the 404 page)
            page = problems_page(self.problems, Path(self.config.theme_dir))
            (Path(config.site_dir) / "404.html").write_text(page, encoding="utf-8")
            return
        self._logs.restore()  # WeasyPrint has made every PDF: give its loggers back
        index_path = Path(config.site_dir) / "search" / "search_index.json"
        pages = self.province or self.renderer
        assert pages is not None and self.project is not None
        procedures = self.catalog.procedures if self.catalog is not None else self.project.procedures
        if index_path.is_file():
            _add_folded_terms(index_path, procedures, pages)
        if self.project.is_province and self.catalog is not None:
            return  # one office's part: the province's root build checks the ledger over the whole site
        ledger_path = self._project_file(config, self.config.ledger)
        listed = url_ledger.read_ledger(ledger_path)
        site_dir = Path(config.site_dir)
        missing = url_ledger.missing_urls(listed, site_dir, pdfs=self.publisher is not None)
        if missing:
            raise PluginError(url_ledger.missing_message(missing, ledger_path))

    on_post_build = CombinedEvent(_write_print_files, _finish_site)

    def _build_offices(self, config: MkDocsConfig) -> None:
        """Every office's own site in its folder, then what spans them: the manifest, and the former
        single office's URLs forwarded to its new place."""
        assert self.project is not None and self.province is not None
        options = {key: value for key, value in self.config.items() if key not in ("office", "parts")}
        parts = os.environ.get("PHIEU_PARTS") or self.config.parts or None
        processes = self.config.workers or os.cpu_count() or 1
        try:
            province_site.build_offices(
                config,
                self.project,
                options,
                serving=self._serving,
                parts=self._project_file(config, parts) if parts else None,
                processes=processes,
            )
        except PhieuError as exc:
            raise PluginError(str(exc)) from exc
        site_dir = Path(config.site_dir)
        site_url = config.site_url or "/"
        if self.config.slips:
            province_site.write_manifest(site_dir, self.project, site_url)
        ledger = url_ledger.read_ledger(self._project_file(config, self.config.ledger))
        made = province_site.forward_former_site(
            site_dir, self.project, ledger, site_url, Path(self.config.theme_dir)
        )
        if made:
            log.info("%d địa chỉ cũ chuyển tới trang của xã, phường mới", len(made))

    def _write_pdfs(self, config: MkDocsConfig) -> None:
        """Write every PDF into the site, plus copies at the old URLs of renamed procedures and fields."""
        assert self.redirects is not None
        pdfs = self._pdfs().files
        files = {**pdfs, **url_redirects.redirect_pdfs(self.redirects, pdfs)}
        site_dir = Path(config.site_dir)
        for path, content in files.items():
            target = site_dir / inside(site_dir, path)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)


def _add_folded_terms(
    index_path: Path, procedures: tuple[Procedure, ...], renderer: PageRenderer | ProvinceRenderer
) -> None:
    """Let people who type without diacritics find pages: lunr does no folding itself."""
    index = json.loads(index_path.read_text(encoding="utf-8"))
    by_url = {urls.page(p.code): p for p in procedures}
    for doc in index["docs"]:
        folded = text.fold(html.unescape(doc.get("title", "")))
        procedure = by_url.get(doc["location"])
        if procedure is not None:
            folded += " " + renderer.search_terms(procedure)
        doc["folded"] = html.escape(folded)  # never displayed, but index text stays escaped text
    index_path.write_text(json.dumps(index, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


class _ForwardToPluginLogger(logging.Handler):
    """WeasyPrint logs to its own logger, which MkDocs ignores: forward it so --strict sees it."""

    def emit(self, record: logging.LogRecord) -> None:
        level = record.levelno if record.levelno >= logging.WARNING else logging.DEBUG
        log.log(level, "WeasyPrint: %s", record.getMessage())


class _WeasyPrintLogs:
    """Forwards WeasyPrint's loggers to the plugin's during a build, and puts them back as they were after it."""

    def __init__(self) -> None:
        self._saved: list[tuple[logging.Logger, bool]] = []
        self._handler = _ForwardToPluginLogger()

    def forward(self) -> None:
        if self._saved:
            return
        for name in WEASYPRINT_LOGGERS:
            logger = logging.getLogger(name)
            self._saved.append((logger, logger.propagate))
            logger.addHandler(self._handler)
            logger.propagate = False

    def restore(self) -> None:
        for logger, propagate in self._saved:
            logger.removeHandler(self._handler)
            logger.propagate = propagate
        self._saved = []


@dataclass(frozen=True)
class ProjectOptions:
    """The phieu plugin's options that ``phieu diff`` and ``build --reprint`` need, as MkDocs reads them."""

    procedures: Path
    redirects: Path
    pack_sizes: tuple[str, ...]


def project_options(config_file: Path) -> ProjectOptions:
    """Read ``config_file`` with MkDocs' own loader, so every option and default means what it means in
    a build; paths are taken relative to the file, not to the working folder."""
    if not config_file.is_file():
        raise PhieuError(f"không tìm thấy {config_file} (chạy lệnh trong thư mục dự án hoặc chỉ rõ bằng -f)")
    try:
        config = load_config(str(config_file))
    except MkDocsException as exc:
        raise PhieuError(f"{config_file} có lỗi: {exc}") from exc
    plugin = config.plugins.get("phieu")
    if not isinstance(plugin, PhieuPlugin):
        raise PhieuError(f"{config_file} chưa bật plugin phieu (mục plugins)")
    return ProjectOptions(
        procedures=Path(plugin.config.procedures),
        redirects=Path(config.config_file_path).parent / plugin.config.redirects,
        pack_sizes=tuple(plugin.config.pack_sizes),
    )
