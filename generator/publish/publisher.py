"""Publish the printable side: slips, posters, packs, the printing-office page and the manifest.

Every PDF is cached under ``.cache/phieu`` by a key that hashes all of its
inputs (the record, its field, the office, the templates and CSS, the site
URL, the paper size and the phieu version). A cache entry is reused only when
its bytes still match the checksum written next to it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import html
import io
import json
import logging
import multiprocessing
import os
import sys
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    IndirectObject,
    NameObject,
    RectangleObject,
    TextStringObject,
)

from .. import __version__, urls
from ..errors import PhieuError, RenderError
from ..load import Catalog
from ..model import FieldInfo, Procedure
from ..render import text
from ..render.pages import relative
from ..render.slip import Pdf, SlipRenderer, has_hb_subset, render_error


@dataclass(frozen=True)
class Artifact:
    """One published PDF."""

    path: str
    """Path inside the site, e.g. ``pdf/phieu-1.001193.pdf``."""
    kind: str
    """``slip``, ``poster`` or ``pack``."""
    title: str
    content: bytes
    pages: int
    size: str
    updated: dt.date | None
    """Latest content change of what it prints."""
    reused: bool
    """Taken from the cache instead of rendered."""

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
        _atomic_write(pdf_path, pdf.content)
        _atomic_write(meta_path, meta.encode())


def _atomic_write(path: Path, content: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


HB_SUBSET_MISSING = (
    "Thiếu libharfbuzz-subset0: tạo PDF chậm hơn nhiều (cài: apt-get install libharfbuzz-subset0)"
)
#: A site with fewer procedures makes its PDFs in-process: its pages build too fast to hide the start-up
#: of a worker process. Larger sites use one worker per this many PDFs to make, up to one per CPU.
PARALLEL_MIN_JOBS = 32


@dataclass(frozen=True)
class _Job:
    key: str
    spec: tuple
    """What to make: ("slip", code, size), ("poster", field) or ("pack", field, size)."""
    path: str | None
    """Where it is published; None for slips rendered only to go into a pack of another size."""
    kind: str
    title: str
    size: str
    updated: dt.date | None
    needs: tuple[str, ...] = ()
    """Cache keys of the slips a pack is assembled from, in order."""


def _render_spec(renderer: SlipRenderer, spec: tuple) -> Pdf:
    kind, *args = spec
    catalog = renderer.catalog
    try:
        if kind == "slip":
            return renderer.slip(catalog.procedure(args[0]), args[1])
        return renderer.poster(catalog.field(args[0]))
    except PhieuError:
        raise
    except Exception as exc:
        what = {"slip": "phiếu", "poster": "áp phích"}[kind]
        raise render_error(f"{what} {' '.join(map(str, args[:2]))}", exc) from exc


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


WEASYPRINT_LOGGERS = ("weasyprint", "weasyprint.progress")


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


def _render_in_worker(spec: tuple) -> tuple[Pdf, list[str]]:
    assert _worker_renderer is not None
    try:
        pdf = _render_spec(_worker_renderer, spec)
    except BaseException:
        _worker_warnings.take()  # the error is what gets reported; its warnings must not go to the next PDF
        raise
    return pdf, _worker_warnings.take()


def _assemble_in_worker(slips: list[bytes], marks: bool, title: str) -> tuple[Pdf, list[str]]:
    return assemble_pack(slips, marks, title), []


#: Bump when the code that renders or assembles PDFs changes between releases: it is part of every cache key.
RENDER_REVISION = 4

BLEED_PT = 3 / 25.4 * 72
MARK_GAP_PT = 1 / 25.4 * 72


def _crop_marks(width: float, height: float) -> bytes:
    """PDF operators drawing crop marks in the bleed, on the extensions of the trim edges."""
    b, g = BLEED_PT, MARK_GAP_PT
    lines = []
    for x, sx in ((0.0, -1), (width, 1)):
        for y, sy in ((0.0, -1), (height, 1)):
            lines.append(f"{x + sx * g:.3f} {y:.3f} m {x + sx * b:.3f} {y:.3f} l S")
            lines.append(f"{x:.3f} {y + sy * g:.3f} m {x:.3f} {y + sy * b:.3f} l S")
    return ("q 0 G 0.25 w [] 0 d\n" + "\n".join(lines) + "\nQ\n").encode()


def assemble_pack(slips: list[bytes], marks: bool, title: str) -> Pdf:
    """Concatenate slip PDFs; with ``marks``, grow each page by 3 mm of bleed and draw crop marks.

    The slip's own content stream is kept as is (no re-layout, no resource merging): the sheet only
    gains a larger MediaBox/BleedBox, a TrimBox at the slip's size and a stream with the marks.
    """
    writer = PdfWriter()
    wrap: tuple[IndirectObject, IndirectObject] | None = None
    for content in slips:
        for source in PdfReader(io.BytesIO(content)).pages:
            page = writer.add_page(source)
            if not marks:
                continue
            width, height = float(page.mediabox.width), float(page.mediabox.height)
            sheet = RectangleObject([-BLEED_PT, -BLEED_PT, width + BLEED_PT, height + BLEED_PT])
            page.trimbox = RectangleObject([0, 0, width, height])
            page.mediabox = sheet
            page.bleedbox = sheet
            if wrap is None:
                wrap = (_stream(writer, b"q\n"), _stream(writer, b"\nQ\n"))
            contents = page["/Contents"].get_object()
            original = list(contents) if isinstance(contents, ArrayObject) else [page.raw_get("/Contents")]
            marks_stream = _stream(writer, _crop_marks(width, height))
            page[NameObject("/Contents")] = ArrayObject([wrap[0], *original, wrap[1], marks_stream])
    writer.add_metadata({"/Title": title, "/Producer": "phieu"})
    writer._root_object[NameObject("/Lang")] = TextStringObject("vi")
    out = io.BytesIO()
    writer.write(out)
    return Pdf(out.getvalue(), len(writer.pages))


def _stream(writer: PdfWriter, data: bytes) -> IndirectObject:
    stream = DecodedStreamObject()
    stream.set_data(data)
    return writer._add_object(stream)


def progress_printer() -> Callable[[int, int, int], None] | None:
    """A one-line counter on a terminal; nothing in CI or when output is redirected."""
    if not sys.stderr.isatty() or os.environ.get("CI"):
        return None

    def show(ready: int, total: int, reused: int) -> None:
        end = "\n" if ready == total else ""
        print(
            f"\rPDF: {ready}/{total} (dùng lại {reused}, tạo mới {ready - reused})", end=end, file=sys.stderr
        )

    return show


def _table_slot(kind: str) -> str:
    return f"<!-- phieu:bang-{kind} -->"


def _digest(*parts: object) -> str:
    payload = json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


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
        cache_dir: Path = Path(".cache/phieu"),
        logger: logging.Logger | logging.LoggerAdapter | None = None,
        workers: int = 0,
        progress: Callable[[int, int, int], None] | None = None,
    ):
        self.catalog = catalog
        self.theme_dir = theme_dir
        self.site_url = site_url
        self.slip_size = slip_size
        self.pack_sizes = pack_sizes
        self.pack_marks = pack_marks
        self.cache = PdfCache(cache_dir)
        self.log = logger or logging.getLogger(__name__)
        self.workers = workers or os.cpu_count() or 1
        self.progress = progress
        """Called with (PDFs ready, PDFs in all, PDFs reused) as rendering goes on."""
        self._renderer: SlipRenderer | None = None
        self._templates = _digest(
            *((p.name, p.read_bytes().hex()) for p in sorted((theme_dir / "slip").iterdir()) if p.is_file())
        )
        self.outputs: Outputs | None = None
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None
        self._stop = threading.Event()

    @property
    def renderer(self) -> SlipRenderer:
        if self._renderer is None:
            if not has_hb_subset():
                self.log.warning(HB_SUBSET_MISSING)
            self._renderer = SlipRenderer(self.catalog, self.theme_dir, site_url=self.site_url)
        return self._renderer

    def _common(self) -> tuple:
        return (
            __version__,
            RENDER_REVISION,
            self._templates,
            self.site_url,
            self.catalog.office.model_dump(mode="json"),
        )

    def _record(self, p: Procedure) -> dict:
        return p.model_dump(mode="json")

    def slip_key(self, p: Procedure, size: str) -> str:
        field = self.catalog.field(p.field)
        return _digest("slip", size, *self._common(), field.model_dump(mode="json"), self._record(p))

    def pack_key(self, f: FieldInfo, size: str) -> str:
        records = [self._record(p) for p in self.catalog.in_field(f.id)]
        return _digest("pack", size, self.pack_marks, *self._common(), f.model_dump(mode="json"), records)

    def poster_key(self, f: FieldInfo) -> str:
        listed = [(p.code, p.name, p.updated.isoformat()) for p in self.catalog.in_field(f.id) if p.in_force]
        return _digest("poster", *self._common(), f.model_dump(mode="json"), listed)

    def _plan(self) -> list[_Job]:
        """Every PDF with its cache key: slips and posters rendered by WeasyPrint, packs assembled from slips."""
        jobs: list[_Job] = []
        slip_keys: dict[tuple[str, str], str] = {}
        for size in dict.fromkeys((self.slip_size, *self.pack_sizes)):
            published = size == self.slip_size
            for p in self.catalog.procedures:
                key = slip_keys[(p.code, size)] = self.slip_key(p, size)
                path = urls.slip(p.code) if published else None
                jobs.append(_Job(key, ("slip", p.code, size), path, "slip", p.name, size, p.updated))
        for f in self.catalog.fields:
            procedures = self.catalog.in_field(f.id)
            updated = max((p.updated for p in procedures), default=None)
            title = f"Áp phích {f.name}"
            jobs.append(
                _Job(self.poster_key(f), ("poster", f.id), urls.poster(f.id), "poster", title, "A4", updated)
            )
            if not procedures:
                continue
            for size in self.pack_sizes:
                needs = tuple(slip_keys[(p.code, size)] for p in procedures)
                pack = _Job(
                    self.pack_key(f, size),
                    ("pack", f.id, size),
                    urls.pack(f.id, size),
                    "pack",
                    f"Gói in {f.name}",
                    size,
                    updated,
                    needs,
                )
                jobs.append(pack)
        return jobs

    @cached_property
    def _jobs(self) -> list[_Job]:
        return self._plan()

    @property
    def planned(self) -> list[str]:
        """Site path of every PDF to publish."""
        return [job.path for job in self._jobs if job.path]

    def start(self) -> None:
        """Look up the cache, then make what is missing.

        For a large site they are made by worker processes driven from a background thread, so MkDocs
        builds the pages meanwhile; a small site's are made here, in the calling thread (the per-PDF time
        limit works only in a main thread: the build's, or each worker's). :meth:`result` waits for the
        outcome; :meth:`check` raises a failure early.
        """
        jobs = self._jobs
        pdfs: dict[str, Pdf] = {}
        for job in jobs:
            cached = self.cache.get(job.key)
            if cached is not None:
                pdfs[job.key] = cached
        missing = [job for job in jobs if job.key not in pdfs]
        if not self._pool_size(missing):
            self._finish(jobs, pdfs, missing)
            return

        def run() -> None:
            try:
                self._finish(jobs, pdfs, missing)
            except BaseException as exc:  # handed to the thread that calls result() or check()
                self._failure = exc

        self._thread = threading.Thread(target=run, name="phieu-pdf", daemon=True)
        self._thread.start()

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
        """Stop handing out work (the build failed elsewhere); jobs already running finish."""
        self._stop.set()

    def render_all(self) -> Outputs:
        self.start()
        return self.result()

    def _finish(self, jobs: list[_Job], pdfs: dict[str, Pdf], missing: list[_Job]) -> None:
        reused = set(pdfs)
        if self.progress:
            self.progress(len(pdfs), len(jobs), len(reused))
        for job, pdf, warned in self._execute(missing, pdfs):
            if not warned:  # a PDF that warned is made again next time, so --strict keeps seeing it
                try:
                    self.cache.put(job.key, pdf)
                except OSError as exc:
                    raise RenderError(f"không ghi được bộ nhớ đệm PDF {self.cache.root}: {exc}") from exc
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
        for kind in ("slip", "poster", "pack"):
            for job in jobs:
                if job.kind == kind and job.path:
                    pdf = pdfs[job.key]
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
                        )
                    )
        self.log.info("PDF: %d tạo mới, %d dùng lại từ bộ nhớ đệm", outputs.rendered, outputs.reused)
        self.outputs = outputs

    def _pool_size(self, jobs: list[_Job]) -> int:
        """Worker processes for ``jobs``; 0 means in this process."""
        if not jobs or self.workers <= 1 or len(self.catalog.procedures) < PARALLEL_MIN_JOBS:
            return 0
        return min(self.workers, -(-len(jobs) // PARALLEL_MIN_JOBS))

    def _pack_args(self, job: _Job, pdfs: dict[str, Pdf]) -> tuple[list[bytes], bool, str]:
        _, name, size = job.spec
        title = f"Gói in phiếu hướng dẫn: {self.catalog.field(name).name} (khổ {size})"
        return [pdfs[key].content for key in job.needs], self.pack_marks, title

    def _execute(self, jobs: list[_Job], pdfs: dict[str, Pdf]) -> Iterator[tuple[_Job, Pdf, bool]]:
        """Make ``jobs``, adding each result to ``pdfs`` as it comes; a pack waits for its slips.

        Yields (job, PDF, whether WeasyPrint warned). A small site's PDFs are made here; a larger site's
        across a process pool, packs included, with only a few jobs in flight, so that a failed or
        cancelled build stops once the jobs already running finish.
        """
        workers = self._pool_size(jobs)
        if not workers:
            with _collect_warnings() as warnings:
                for job in sorted(jobs, key=lambda j: j.kind == "pack"):  # packs after the slips they need
                    if job.kind == "pack":
                        pdf = assemble_pack(*self._pack_args(job, pdfs))
                    else:
                        pdf = _render_spec(self.renderer, job.spec)
                    pdfs[job.key] = pdf
                    yield job, pdf, bool(warnings.take())
            return
        if not has_hb_subset():
            self.log.warning(HB_SUBSET_MISSING)
        queue = deque(
            sorted(jobs, key=lambda j: j.kind != "poster")
        )  # posters are the longest: start them first
        waiting = [job for job in queue if job.needs]
        queue = deque(job for job in queue if not job.needs)
        context = multiprocessing.get_context("spawn")  # no fork: WeasyPrint and fontconfig hold state
        pool = ProcessPoolExecutor(
            workers,
            mp_context=context,
            initializer=_init_worker,
            initargs=(self.catalog, self.theme_dir, self.site_url),
        )
        running: dict[Future, _Job] = {}
        try:
            while queue or running or waiting:
                if self._stop.is_set():
                    raise RenderError("đã dừng")
                for pack in [job for job in waiting if all(key in pdfs for key in job.needs)]:
                    waiting.remove(pack)
                    queue.appendleft(pack)  # a ready pack goes first, so packs do not pile up at the end
                while queue and len(running) < 2 * workers:
                    job = queue.popleft()
                    if job.kind == "pack":
                        future = pool.submit(_assemble_in_worker, *self._pack_args(job, pdfs))
                    else:
                        future = pool.submit(_render_in_worker, job.spec)
                    running[future] = job
                if not running:  # pragma: no cover - a pack whose slips were never planned
                    raise RenderError(f"gói in {waiting[0].spec[1]} thiếu phiếu")
                finished, _ = wait(running, timeout=1, return_when=FIRST_COMPLETED)
                for future in finished:
                    job = running.pop(future)
                    pdf, warnings = future.result()
                    for message in warnings:
                        self.log.warning("WeasyPrint: %s", message)
                    pdfs[job.key] = pdf
                    yield job, pdf, bool(warnings)
        except BrokenProcessPool as exc:
            raise RenderError(
                "một tiến trình tạo PDF dừng bất thường (có thể do thiếu bộ nhớ); xem thông báo phía trên"
            ) from exc
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def printing_page(self) -> str:
        """Markdown for the "for printing offices" page; its tables are filled in by :meth:`printing_tables`.

        The tables need every PDF's checksum, so they are added to the finished HTML: MkDocs builds the
        other pages while the PDFs are being made.
        """
        marks = "có dấu cắt và lề xén 3 mm" if self.pack_marks else "không có dấu cắt"
        parts = [
            '<h1 id="tieu-de">Dành cho nhà in</h1>',
            f"<p>Mỗi lĩnh vực có một gói in gồm tất cả phiếu của lĩnh vực ({marks}), một áp phích khổ A4 "
            "và từng phiếu riêng lẻ. So mã SHA-256 để biết tệp nào đã thay đổi.</p>",
            '<h2 id="goi-in">Gói in theo lĩnh vực</h2>',
            _table_slot("pack"),
            '<h2 id="ap-phich">Áp phích lĩnh vực (A4)</h2>',
            _table_slot("poster"),
            '<h2 id="phieu">Từng phiếu</h2>',
            _table_slot("slip"),
        ]
        return '---\ntitle: "Dành cho nhà in"\n---\n\n' + "\n\n".join(parts) + "\n"

    def printing_tables(self, page_html: str, outputs: Outputs) -> str:
        """Put the tables of packs, posters and slips into the built printing page."""
        here = urls.PRINTING

        def row(a: Artifact) -> str:
            link = relative(here, a.path)
            day = text.date_vi(a.updated)
            return (
                f'<tr><td><a href="{html.escape(link)}">{html.escape(a.title)}</a></td>'
                f"<td>{a.size}</td><td>{a.pages}</td><td>{day}</td>"
                f'<td><code class="phieu-sha">{a.sha256}</code></td></tr>'
            )

        head = (
            '<div class="phieu-table-wrap"><table><thead><tr><th scope="col">Tệp</th><th scope="col">Khổ</th>'
            '<th scope="col">Số trang</th><th scope="col">Thay đổi</th><th scope="col">SHA-256</th></tr></thead><tbody>'
        )
        for kind in ("pack", "poster", "slip"):
            rows = "".join(row(a) for a in outputs.artifacts if a.kind == kind)
            slot = _table_slot(kind)
            if slot not in page_html:
                raise RenderError(
                    f"trang in ấn thiếu chỗ cho bảng {kind}: giao diện đã bỏ mất nội dung trang"
                )
            page_html = page_html.replace(slot, head + rows + "</tbody></table></div>", 1)
        return page_html

    def manifest(self) -> dict:
        assert self.outputs is not None
        office = self.catalog.office
        entries = []
        by_path = self.outputs.by_path()
        for p in self.catalog.procedures:
            slip = by_path[urls.slip(p.code)]
            target = urls.absolute(office, urls.page(p.code), self.site_url)
            field = self.catalog.field(p.field)
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
                    "qr_target": target,
                    "content_hash": p.content_hash,
                    "version": text.content_version(p, office, field, self.site_url),
                    "updated": p.updated.isoformat(),
                    "status": p.status.value,
                    "replaced_by": p.replaced_by,
                }
            )
        others = [
            {"kind": a.kind, "path": a.path, "size": a.size, "pages": a.pages, "sha256": a.sha256}
            for a in self.outputs.artifacts
            if a.kind != "slip"
        ]
        return {
            "generator": f"phieu {__version__}",
            "site_url": self.site_url,
            "procedures": entries,
            "print": others,
        }

    def write_manifest(self, site_dir: Path) -> None:
        text_ = json.dumps(self.manifest(), ensure_ascii=False, indent=1)
        (site_dir / "manifest.json").write_text(text_ + "\n", encoding="utf-8")
