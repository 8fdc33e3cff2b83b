"""The printable side of a build: every PDF of a catalog, reusing cached ones whose inputs did not change.

:class:`Publisher` ties the parts together: the plan (jobs and cache keys, ``plan.py``), the cache
(``cache.py``), the runners (``run.py``) and what is published (``outputs.py``).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

from ..errors import os_reason
from ..load import Catalog
from ..render.compose import needs_new_page
from ..render.slip import Pdf, SlipRenderer, has_hb_subset
from .cache import PdfCache
from .impose import sheet_count
from .notice import tell_once
from .outputs import Artifact, Outputs, PrintingPage, write_manifest
from .plan import Job, Plan, shared_new_page
from .run import Runner

HB_SUBSET_MISSING = (
    "Thiếu libharfbuzz-subset0: tạo PDF chậm hơn nhiều (cài: apt-get install libharfbuzz-subset0)"
)
CACHE_UNWRITABLE = (
    "Không ghi được bộ nhớ đệm PDF {root}: {error}. Trang vẫn dựng đủ; lần sau các PDF sẽ được tạo lại."
)


class Publisher:
    """Produces every PDF of a catalog, reusing cached ones whose inputs did not change."""

    def __init__(
        self,
        catalog: Catalog,
        theme_dir: Path,
        *,
        site_url: str,
        slip_size: str = "A5",
        pack_sizes: tuple[str, ...] = ("A5",),
        pack_marks: bool = True,
        cache_dir: Path | None = Path(".cache/phieu"),
        logger: logging.Logger | logging.LoggerAdapter | None = None,
        workers: int = 0,
        progress: Callable[[int, int, int], None] | None = None,
        scheduler: str | None = None,
    ):
        self.catalog = catalog
        self.theme_dir = theme_dir
        self.site_url = site_url
        self.plan = Plan(
            catalog,
            theme_dir,
            site_url=site_url,
            slip_size=slip_size,
            pack_sizes=pack_sizes,
            pack_marks=pack_marks,
        )
        self.cache = PdfCache(cache_dir) if cache_dir is not None else None
        """None: every PDF is made, and no cache is read or written (``phieu build --no-cache``)."""
        self.log = logger or logging.getLogger(__name__)
        self.progress = progress
        """Called with (PDFs ready, PDFs in all, PDFs reused) as rendering goes on."""
        self.printing = PrintingPage(theme_dir, marks=pack_marks, samples=bool(catalog.forms))
        self._renderer: SlipRenderer | None = None
        self._stop = threading.Event()
        self.runner = Runner(
            self.plan,
            theme_dir,
            workers=workers or os.cpu_count() or 1,
            renderer=lambda: self.renderer,
            stop=self._stop,
            log=self.log,
            scheduler=scheduler,
        )
        self.outputs: Outputs | None = None
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None

    @property
    def renderer(self) -> SlipRenderer:
        """The in-process renderer, made on first use (a build that reuses every PDF never needs it)."""
        if self._renderer is None:
            self._renderer = SlipRenderer(self.catalog, self.theme_dir, site_url=self.site_url)
        return self._renderer

    @property
    def planned(self) -> list[str]:
        """Site path of every PDF to publish."""
        return self.plan.published

    def start(self) -> None:
        """Look up the cache, then make what is missing.

        For a large site they are made by worker processes driven from a background thread, so MkDocs
        builds the pages meanwhile; a small site's are made here, in the calling thread (the per-PDF time
        limit works only in a main thread: the build's, or each worker's). :meth:`result` waits for the
        outcome; :meth:`check` raises a failure early.
        """
        jobs = self.plan.jobs
        pdfs: dict[str, Pdf] = {}
        for job in jobs:
            cached = self.cache.get(job.key) if self.cache is not None else None
            if cached is not None:
                pdfs[job.key] = cached
        for job in jobs:
            if job.kind == "new-page" and job.key not in pdfs:
                shared = self._shared_new_page(job, pdfs)
                if shared is not None:
                    pdfs[job.key] = shared
        missing = [job for job in jobs if job.key not in pdfs]
        if any(job.kind != "pack" for job in missing) and not has_hb_subset():
            tell_once(HB_SUBSET_MISSING)  # slower, not wrong: --strict must not fail on it
        self.runner.prepare(missing)  # with a scheduler: connect and check the workers now
        if self.runner.runs_here(missing):
            self._finish(jobs, pdfs, missing)
            return

        def run() -> None:
            try:
                self._finish(jobs, pdfs, missing)
            except BaseException as exc:  # handed to the thread that calls result() or check()
                self._failure = exc

        self._thread = threading.Thread(target=run, name="phieu-pdf", daemon=True)
        self._thread.start()

    def _shared_new_page(self, job: Job, pdfs: dict[str, Pdf]) -> Pdf | None:
        """A new-page job's PDF without laying anything out, when the cache holds its body and the body's
        new-page variant another office's slips needed: that variant if this office's rows need it too,
        else nothing (as the job itself would decide)."""
        if self.cache is None:
            return None
        (body_key,) = job.needs
        body = pdfs.get(body_key) or self.cache.get(body_key)
        shared = self.cache.get(shared_new_page(body_key))
        if body is None or shared is None:
            return None
        return shared if needs_new_page(body.content, job.spec[4]) else Pdf(b"", 0)

    def result(self) -> Outputs:
        """Every published PDF, once made; raises what making them raised."""
        if self._thread is not None:
            try:
                self._thread.join()
            except BaseException:  # Ctrl-C while waiting
                self.cancel()
                raise
            self._thread = None
        self.check()
        assert self.outputs is not None, "start() was not called"
        return self.outputs

    def check(self) -> None:
        """Raise now if making the PDFs has already failed (without waiting for the rest)."""
        if self._failure is not None:
            raise self._failure

    def cancel(self) -> None:
        """Stop handing out work (the build failed elsewhere, or Ctrl-C)."""
        self.runner.cancel()

    def render_all(self) -> Outputs:
        self.start()
        return self.result()

    def _finish(self, jobs: list[Job], pdfs: dict[str, Pdf], missing: list[Job]) -> None:
        reused = set(pdfs)
        if self.progress:
            self.progress(len(pdfs), len(jobs), len(reused))
        for job, pdf, warned in self.runner.execute(missing, pdfs):
            # A PDF that warned is not kept: it is made again next time, so --strict keeps seeing it.
            if not warned and self.cache is not None:
                try:
                    self.cache.put(job.key, pdf)
                    if job.kind == "new-page" and pdf.pages:
                        self.cache.put(shared_new_page(job.needs[0]), pdf)
                except OSError as exc:  # the site is complete all the same: a notice, not a failure
                    tell_once(CACHE_UNWRITABLE.format(root=self.cache.root, error=os_reason(exc)))
                    self.cache = None
            if self.progress:
                self.progress(len(pdfs), len(jobs), len(reused))
        long_slips = [
            job.spec[1] for job in jobs if job.kind == "slip" and job.path and pdfs[job.key].pages > 1
        ]
        if long_slips:
            shown = ", ".join(long_slips[:10]) + (" …" if len(long_slips) > 10 else "")
            self.log.info(
                "%d phiếu dài hơn một trang (tiếp sang trang sau, đánh số trang): %s", len(long_slips), shown
            )
        outputs = Outputs()
        for kind in ("slip", "poster", "tent", "pack", "imposed"):
            for job in jobs:
                if job.kind == kind and job.path:
                    pdf = pdfs[job.key]
                    sheets = (
                        sheet_count(job.size, [pdfs[key].pages for key in job.needs])
                        if kind == "imposed"
                        else None
                    )
                    outputs.artifacts.append(
                        Artifact(
                            job.path,
                            kind,
                            job.title,
                            pdf.content,
                            pdf.pages,
                            job.size,
                            job.updated,
                            job.key in reused,
                            sheets,
                        )
                    )
        self.log.info("PDF: %d tạo mới, %d dùng lại từ bộ nhớ đệm", outputs.rendered, outputs.reused)
        self.outputs = outputs

    def printing_page(self) -> str:
        """Markdown for the "for printing offices" page; its tables are added by :meth:`printing_tables`."""
        return self.printing.markdown()

    def printing_tables(self, page_html: str, outputs: Outputs) -> str:
        """Put the tables of packs, posters and slips into the built printing page."""
        return self.printing.with_tables(page_html, outputs)

    def write_manifest(self, site_dir: Path) -> None:
        assert self.outputs is not None
        write_manifest(site_dir, self.catalog, self.outputs, self.site_url)
