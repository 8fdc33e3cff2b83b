"""Running the jobs of a plan: in this process for a small site, across a process pool for a large one.

Worker processes hand WeasyPrint's warnings back with each PDF, so ``--strict`` sees them as it does
in-process, and a PDF that warned is not cached.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import multiprocessing
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from queue import Empty, SimpleQueue
from typing import TYPE_CHECKING

from ..errors import PhieuError, RenderError
from ..load import Catalog
from ..render.slip import Pdf, SlipRenderer, render_error
from .impose import TENT_FACE_MM, imposed_pack, tent_sheet
from .packs import assemble_pack
from .plan import Job, Plan

if TYPE_CHECKING:
    from .cluster import Cluster

#: A site with fewer procedures makes its PDFs in-process: its pages build too fast to hide the start-up
#: of a worker process. Larger sites use one worker per this many PDFs to make, up to one per CPU.
PARALLEL_MIN_JOBS = 32

WEASYPRINT_LOGGERS = ("weasyprint", "weasyprint.progress")


JOB_NAMES = {
    "slip": "phiếu",
    "poster": "áp phích",
    "tent": "bảng để bàn",
    "pack": "gói in",
    "imposed": "tờ in bình trang",
}


def describe(spec: tuple) -> str:
    """A job in words, as errors name it: "phiếu 1.001193 A5"."""
    kind, *args = spec
    shown = args[:1] if kind in ("poster", "tent") else args[:2]  # not a body's part name
    return f"{JOB_NAMES[kind]} {' '.join(map(str, shown))}"


def render_spec(renderer: SlipRenderer, spec: tuple, slips: list[bytes] | None = None) -> Pdf:
    """Make the PDF of a job that is not a pack; a slip, a new-page body, a poster, a tent and an imposed
    pack also need the PDFs they are made from (``slips``)."""
    kind, *args = spec
    catalog = renderer.catalog
    try:
        if kind == "slip":  # a slip composed from its body, the body, or its new-page body
            return renderer.slip_part(catalog.procedure(args[0]), tuple(args[1:]), slips or [])
        field = catalog.field(args[0])
        if kind == "imposed":
            updated = max((p.updated for p in catalog.in_field(args[0])), default=None)
            return imposed_pack(renderer, field, args[1], slips or [], updated)
        body = args[1:] == ["body"]  # a poster's or a tent's body, or the office's composed from its body
        if kind == "tent":
            return (
                renderer.tent_body(field, *TENT_FACE_MM)
                if body
                else tent_sheet(renderer, field, *(slips or []))
            )
        return renderer.poster_body(field) if body else renderer.poster(field, *(slips or []))
    except PhieuError:
        raise
    except Exception as exc:
        raise render_error(describe(spec), exc) from exc


class _Warnings(logging.Handler):
    """Collects WeasyPrint's warnings: a worker hands them back to be logged (so --strict sees them), and a
    PDF that warned is not cached."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())

    def take(self) -> list[str]:
        messages, self.messages = self.messages, []
        return messages


@contextlib.contextmanager
def _collect_warnings() -> Iterator[_Warnings]:
    """Also collect WeasyPrint's warnings here (the plugin logs them): a PDF that warned is not cached."""
    collector = _Warnings()
    loggers = [logging.getLogger(name) for name in WEASYPRINT_LOGGERS]
    for logger in loggers:
        logger.addHandler(collector)
    try:
        yield collector
    finally:
        for logger in loggers:
            logger.removeHandler(collector)


def pool_context() -> multiprocessing.context.BaseContext:
    """How PDF workers start: forked from a server process that was started fresh and has imported phieu,
    WeasyPrint and pikepdf, nothing more (no fonts loaded, no fontconfig state, no threads), so a worker
    starts in milliseconds instead of importing everything again, and every pool of a build (one per office
    in a province) reuses that server. Never forked from the build itself: WeasyPrint and fontconfig hold
    state there."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


_worker_renderer: SlipRenderer | None = None
_worker_warnings = _Warnings()


def _init_worker(catalog: Catalog, theme_dir: Path, site_url: str) -> None:
    global _worker_renderer
    for name in WEASYPRINT_LOGGERS:
        logger = logging.getLogger(name)
        logger.addHandler(_worker_warnings)
        logger.propagate = False
    # Parsing the CSS may warn: those warnings come back with this worker's first PDF.
    _worker_renderer = SlipRenderer(catalog, theme_dir, site_url=site_url)
    # The catalog lives as long as the worker: keep the garbage collector from scanning it again after
    # every slip (with 2,000 procedures that was a fifth of each slip's time).
    gc.freeze()


def _render_in_worker(spec: tuple, slips: list[bytes] | None = None) -> tuple[Pdf, list[str]]:
    assert _worker_renderer is not None
    try:
        pdf = render_spec(_worker_renderer, spec, slips)
    except BaseException:
        _worker_warnings.take()  # the error is what gets reported; its warnings must not go to the next PDF
        raise
    return pdf, _worker_warnings.take()


def _assemble_in_worker(slips: list[bytes], marks: bool, title: str) -> tuple[Pdf, list[str]]:
    return assemble_pack(slips, marks, title), []


#: Seconds between two progress lines in a log (CI, output redirected): cluster builds are long.
LOG_PROGRESS_EVERY_S = 60.0


def progress_printer(clock: Callable[[], float] = time.monotonic) -> Callable[[int, int, int], None]:
    """A one-line counter on a terminal; in CI or when output is redirected, a line once a minute."""

    def line(ready: int, total: int, reused: int) -> str:
        return f"PDF: {ready}/{total} (dùng lại {reused}, tạo mới {ready - reused})"

    if sys.stderr.isatty() and not os.environ.get("CI"):

        def show(ready: int, total: int, reused: int) -> None:
            end = "\n" if ready == total else ""
            print(f"\r{line(ready, total, reused)}", end=end, file=sys.stderr)

        return show
    last = clock()

    def log(ready: int, total: int, reused: int) -> None:
        nonlocal last
        if clock() - last >= LOG_PROGRESS_EVERY_S and ready < total:
            last = clock()
            print(line(ready, total, reused), file=sys.stderr, flush=True)

    return log


class Runner:
    """Makes the missing PDFs of a plan: one at a time here, across a pool of worker processes, or on a
    Dask cluster (``scheduler``)."""

    def __init__(
        self,
        plan: Plan,
        theme_dir: Path,
        *,
        workers: int,
        renderer: Callable[[], SlipRenderer],
        stop: threading.Event,
        log: logging.Logger | logging.LoggerAdapter,
        scheduler: str | None = None,
    ):
        self.plan = plan
        self.theme_dir = theme_dir
        self.workers = workers
        self.scheduler = scheduler
        """Address of a Dask scheduler (``tcp://host:8786``) that gets every job; None: this machine."""
        self._renderer = renderer
        self._stop = stop
        self.log = log
        self._cluster: Cluster | None = None

    def pool_size(self, jobs: list[Job]) -> int:
        """Worker processes for ``jobs`` on this machine; 0 means in this process."""
        if not jobs or self.workers <= 1 or len(self.plan.catalog.procedures) < PARALLEL_MIN_JOBS:
            return 0
        return min(self.workers, -(-len(jobs) // PARALLEL_MIN_JOBS))

    def runs_here(self, jobs: list[Job]) -> bool:
        """Whether ``jobs`` are made in the calling thread (a small site, no cluster)."""
        return not jobs or (self.scheduler is None and not self.pool_size(jobs))

    def cancel(self) -> None:
        """Stop handing out work (the build failed elsewhere, or Ctrl-C). Jobs already running in local
        worker processes finish; a cluster's jobs are cancelled at once."""
        self._stop.set()
        if self._cluster is not None:
            self._cluster.cancel()

    def _pack_args(self, job: Job, pdfs: dict[str, Pdf]) -> tuple[list[bytes], bool, str]:
        return self._slips(job, pdfs), self.plan.pack_marks, self.plan.pack_title(job)

    @staticmethod
    def _slips(job: Job, pdfs: dict[str, Pdf]) -> list[bytes]:
        return [pdfs[key].content for key in job.needs]

    def execute(self, jobs: list[Job], pdfs: dict[str, Pdf]) -> Iterator[tuple[Job, Pdf, bool]]:
        """Make ``jobs``, adding each result to ``pdfs`` as it comes; a pack waits for its slips.

        Yields (job, PDF, whether WeasyPrint warned). A small site's PDFs are made here; a larger site's
        across a process pool, packs included, with only a few jobs in flight, so that a failed or
        cancelled build stops once the jobs already running finish. With a scheduler, every job goes to
        the cluster.
        """
        if jobs and self.scheduler is not None:
            yield from self._on_cluster(jobs, pdfs)
            return
        workers = self.pool_size(jobs)
        if not workers:
            with _collect_warnings() as warnings:
                for job in sorted(jobs, key=lambda j: bool(j.needs)):  # packs after the slips they need
                    if job.kind == "pack":
                        pdf = assemble_pack(*self._pack_args(job, pdfs))
                    else:
                        pdf = render_spec(self._renderer(), job.spec, self._slips(job, pdfs))
                    pdfs[job.key] = pdf
                    yield job, pdf, bool(warnings.take())
            return
        yield from self._in_pool(workers, jobs, pdfs)

    def _in_pool(
        self, workers: int, jobs: list[Job], pdfs: dict[str, Pdf]
    ) -> Iterator[tuple[Job, Pdf, bool]]:
        pool = ProcessPoolExecutor(
            workers,
            mp_context=pool_context(),
            initializer=_init_worker,
            initargs=(self.plan.catalog, self.theme_dir, self.plan.site_url),
        )

        def submit(job: Job) -> Future:
            if job.kind == "pack":
                return pool.submit(_assemble_in_worker, *self._pack_args(job, pdfs))
            return pool.submit(_render_in_worker, job.spec, self._slips(job, pdfs))

        try:
            yield from self._drive(jobs, pdfs, submit, lambda future, *_: future.result(), limit=2 * workers)
        except BrokenProcessPool as exc:
            raise RenderError(
                "một tiến trình tạo PDF dừng bất thường (có thể do thiếu bộ nhớ); xem thông báo phía trên"
            ) from exc
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def prepare(self, jobs: list[Job]) -> None:
        """With a scheduler: connect and check its workers now, so that an unreachable scheduler or an
        unfit worker stops the build before any page is built."""
        if not jobs or self.scheduler is None or self._cluster is not None:
            return
        from .cluster import Cluster  # Dask is an optional extra

        cluster = Cluster(self.scheduler, self.plan, self.theme_dir)
        cluster.open()
        try:
            cluster.start(self._renderer)  # this machine's renderer, made only if needed
        except BaseException:
            cluster.close()
            raise
        self._cluster = cluster

    def _on_cluster(self, jobs: list[Job], pdfs: dict[str, Pdf]) -> Iterator[tuple[Job, Pdf, bool]]:
        self.prepare(jobs)
        cluster = self._cluster
        assert cluster is not None
        try:
            if self._stop.is_set():
                raise RenderError("đã dừng")
            yield from self._drive(
                jobs,
                pdfs,
                lambda job: cluster.submit(job, self._slips(job, pdfs)),
                cluster.outcome,
                limit=len(jobs),  # the scheduler queues them; cancelling reaches every one
                idle=cluster.watch,
            )
        finally:
            self._cluster = None
            cluster.close()

    def _drive(
        self,
        jobs: list[Job],
        pdfs: dict[str, Pdf],
        submit: Callable[[Job], Future],
        outcome: Callable[[Future, Job, int, int], tuple[Pdf, list[str]]],
        *,
        limit: int,
        idle: Callable[[int, int], None] | None = None,
    ) -> Iterator[tuple[Job, Pdf, bool]]:
        """Hand ``jobs`` to an executor, at most ``limit`` at a time, and yield each result as it comes."""
        waiting = [job for job in jobs if job.needs]
        queue = deque(job for job in jobs if not job.needs)
        finished: SimpleQueue[Future] = SimpleQueue()
        running: dict[Future, Job] = {}
        done = 0
        while queue or running or waiting:
            if self._stop.is_set():
                raise RenderError("đã dừng")
            for pack in [job for job in waiting if all(key in pdfs for key in job.needs)]:
                waiting.remove(pack)
                queue.appendleft(pack)  # a ready pack goes first, so packs do not pile up at the end
            while queue and len(running) < limit:
                job = queue.popleft()
                future = submit(job)
                running[future] = job
                future.add_done_callback(finished.put)
            if not running:  # pragma: no cover - a pack whose slips were never planned
                raise RenderError(f"gói in {waiting[0].spec[1]} thiếu phiếu")
            try:
                future = finished.get(timeout=1)
            except Empty:
                if idle is not None:
                    idle(done, len(jobs))
                continue
            job = running.pop(future)
            pdf, warnings = outcome(future, job, done, len(jobs))
            for message in warnings:
                self.log.warning("WeasyPrint: %s", message)
            pdfs[job.key] = pdf
            done += 1
            yield job, pdf, bool(warnings)
