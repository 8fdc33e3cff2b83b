"""Making a plan's PDFs on a Dask cluster: ``phieu build --scheduler tcp://host:8786``.

Jobs go to Dask's distributed scheduler through its ``concurrent.futures`` executor
(``Client.get_executor``); each result comes back here, where the cache and the site are written as in a
local build. A job carries what it needs: the records it prints (one procedure, or one field's), the
office, the site URL and the slip theme's files (4 KB compressed). So a worker keeps no state of a build
that it could lose, a worker that dies takes only its running job with it (the scheduler runs it again
elsewhere), and a worker that joins late needs nothing first. A worker needs the project's Python
environment, HarfBuzz's subsetter and the fonts: at the start every worker renders a small test slip,
and one whose bytes differ from this machine's is named with the reason (a missing package or font, a
library version), instead of being discovered as a different PDF.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import hashlib
import io
import logging
import pickle
import shutil
import tempfile
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import CancelledError, Future
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pikepdf

from .. import __version__
from ..errors import PhieuError, RenderError
from ..load import Catalog
from ..render.slip import PDF_OPTIONS, Pdf, SlipRenderer, has_hb_subset
from .packs import assemble_pack
from .plan import RENDER_REVISION, Job, Plan, library_versions
from .run import WEASYPRINT_LOGGERS, describe, render_spec

if TYPE_CHECKING:
    from distributed import Client

NO_DASK = "--scheduler cần Dask: cài bằng pip install 'phieu[cluster]' (make test đã cài sẵn)"
UNREACHABLE = (
    "không kết nối được bộ lập lịch Dask {address} sau {seconds:g} giây: kiểm tra địa chỉ, cổng và "
    "tường lửa, và bộ lập lịch đang chạy (dask scheduler)"
)
BAD_ADDRESS = "địa chỉ bộ lập lịch Dask không hợp lệ: {address!r} (ví dụ đúng: tcp://may-chu:8786)"
NO_WORKERS = (
    "bộ lập lịch Dask {address} không có máy tạo PDF nào sau {seconds:g} giây "
    "(chạy trên mỗi máy: dask worker {address} --nthreads 1)"
)
WORKERS_GONE = "không còn máy tạo PDF nào nối với bộ lập lịch Dask {address} trong {seconds:g} giây"
CONNECTION_LOST = (
    "mất kết nối tới bộ lập lịch Dask {address} giữa chừng ({done}/{total} PDF đã xong và đã vào bộ nhớ "
    "đệm; chạy lại để làm tiếp)"
)
UNUSABLE = "máy tạo PDF không dùng được (cần cùng môi trường với máy dựng: make system-build): {problems}"
KILLED = (
    "không tạo được {what}: máy tạo PDF dừng bất thường mỗi lần làm việc này ({times} lần; có thể do "
    "thiếu bộ nhớ)"
)

DASK_LOGGERS = ("distributed", "tornado")

#: Seconds to wait for the first worker, and for the test slip of every worker at the start.
WAIT_FOR_WORKERS_S = 60.0
CHECK_TIMEOUT_S = 120.0
#: Seconds a build waits without any worker before it gives up.
WORKERS_GONE_S = 60.0

#: A small test slip in the slip theme's fonts (regular, bold, the address in monospace) and Vietnamese
#: letters: its bytes tell whether a worker lays out and embeds fonts exactly as this machine does.
TEST_SLIP = (
    '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Phiếu thử</title></head><body>'
    "<p>Phiếu thử: <b>Đăng ký khai sinh</b>, <i>hướng dẫn</i>.</p>"
    '<p class="slip-url">PHIEU.EXAMPLE.VN/Q/1.001193</p></body></html>'
)


@dataclass(frozen=True)
class Theme:
    """The slip theme's files, compressed, with a digest of them: shipped with every job."""

    digest: str
    packed: bytes

    @classmethod
    def of(cls, folder: Path) -> Theme:
        files = {
            p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
        }
        raw = pickle.dumps(files, protocol=pickle.HIGHEST_PROTOCOL)
        return cls(hashlib.sha256(raw).hexdigest(), zlib.compress(raw, 9))

    def unpacked(self) -> Path:
        """A theme folder holding ``slip/`` on this machine, written once per digest."""
        final = Path(tempfile.gettempdir()) / f"phieu-theme-{self.digest[:32]}"
        if not final.is_dir():
            staging = Path(tempfile.mkdtemp(prefix=".phieu-theme-", dir=final.parent))
            for name, content in pickle.loads(zlib.decompress(self.packed)).items():
                path = staging / "slip" / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(content)
            try:
                staging.rename(final)
            except OSError:  # another worker process on this machine wrote it first
                shutil.rmtree(staging, ignore_errors=True)
        return final


@dataclass(frozen=True)
class Facts:
    """What decides a PDF's bytes on one machine, beyond the job itself."""

    versions: dict[str, str]
    hb_subset: bool
    fonts: tuple[str, ...]
    """Fonts embedded in the test slip, without their subset prefix."""
    test_slip: str
    """SHA-256 of the test slip."""

    @classmethod
    def here(cls, renderer: SlipRenderer) -> Facts:
        from weasyprint import HTML

        loggers = [logging.getLogger(name) for name in WEASYPRINT_LOGGERS]
        for logger in loggers:  # the test slip's warnings belong to no PDF of the site
            logger.disabled = True
        try:
            document = HTML(
                string=TEST_SLIP, base_url=renderer.base_url, url_fetcher=renderer.fetcher
            ).render(stylesheets=[renderer.stylesheet], font_config=renderer.fonts)
            content = document.write_pdf(**PDF_OPTIONS)
        finally:
            for logger in loggers:
                logger.disabled = False
        return cls(
            {"phieu": __version__, "render revision": str(RENDER_REVISION), **library_versions()},
            has_hb_subset(),
            embedded_fonts(content),
            hashlib.sha256(content).hexdigest(),
        )

    def problem(self, found: Facts) -> str | None:
        """Why a worker with ``found`` would not make this machine's bytes; None when it would."""
        versions = [
            f"{name} {found.versions.get(name, '?')} (máy dựng: {version})"
            for name, version in self.versions.items()
            if found.versions.get(name) != version
        ]
        if versions:
            return "khác phiên bản " + ", ".join(versions)
        if self.hb_subset and not found.hb_subset:
            return "thiếu libharfbuzz-subset0 (apt-get install libharfbuzz-subset0)"
        missing = [font for font in self.fonts if font not in found.fonts]
        if missing:
            return f"thiếu phông {', '.join(missing)} (apt-get install fonts-noto-core fonts-dejavu-core)"
        if found.test_slip != self.test_slip:
            return (
                "phiếu thử khác từng byte với máy dựng (phông hoặc Pango, HarfBuzz, FreeType khác phiên bản)"
            )
        return None


def embedded_fonts(content: bytes) -> tuple[str, ...]:
    """Names of the fonts a PDF embeds, without subset prefixes (``ABCDEF+NotoSans-Bold`` → ``NotoSans-Bold``)."""
    names = set()
    with pikepdf.open(io.BytesIO(content)) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/Font" and "/BaseFont" in obj:
                names.add(str(obj.BaseFont).lstrip("/").split("+", 1)[-1])
    return tuple(sorted(names))


def job_catalog(catalog: Catalog, spec: tuple) -> Catalog:
    """The part of ``catalog`` a job prints: its procedure, or its field's, with the office."""
    kind, key, *_ = spec
    procedures = (catalog.procedure(key),) if kind == "slip" else tuple(catalog.in_field(key))
    field = catalog.field(procedures[0].field if kind == "slip" else key)
    return dataclasses.replace(catalog, fields=(field,), procedures=procedures, sources={})


@dataclass(frozen=True)
class Setting:
    """What every job of a build shares: the theme, the site URL and this machine's facts."""

    theme: Theme
    site_url: str
    expected: Facts


# On a worker: one renderer per thread (WeasyPrint's fonts and parsed CSS are kept between jobs; its
# catalog is the job's), and whether this worker makes the build machine's bytes, per setting.
_local = threading.local()
_problems: OrderedDict[tuple[str, str], str | None] = OrderedDict()
_problems_lock = threading.Lock()
#: Renderers a worker thread keeps: the offices of a province built side by side share the workers.
RENDERERS_KEPT = 16

# On the build machine: its own facts per theme, and the workers already found fit for a theme (a province
# builds each office's site in turn; each office's session checks only workers it has not seen).
_here: dict[str, Facts] = {}
_fit: set[tuple[str, str]] = set()


class _ThreadWarnings(logging.Handler):
    """WeasyPrint's warnings of the job running in this thread, handed back with its PDF."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)

    def emit(self, record: logging.LogRecord) -> None:
        _local.__dict__.setdefault("warnings", []).append(record.getMessage())

    @staticmethod
    def take() -> list[str]:
        return _local.__dict__.pop("warnings", [])


_warnings = _ThreadWarnings()


def _renderer(setting: Setting) -> SlipRenderer:
    """This thread's renderer for ``setting``; raises if this worker would not make the same bytes."""
    key = (setting.theme.digest, setting.site_url)  # a province's offices: one site URL each
    renderers: OrderedDict = _local.__dict__.setdefault("renderers", OrderedDict())
    renderer = renderers.get(key)
    if renderer is None:
        for name in WEASYPRINT_LOGGERS:
            logger = logging.getLogger(name)
            if _warnings not in logger.handlers:
                logger.addHandler(_warnings)
                logger.propagate = False
        # No catalog yet: each job sets its own.
        renderer = SlipRenderer(None, setting.theme.unpacked(), site_url=setting.site_url)  # type: ignore[arg-type]
        renderers[key] = renderer
        while len(renderers) > RENDERERS_KEPT:
            renderers.popitem(last=False)
    checked = (setting.theme.digest, setting.expected.test_slip)  # the test slip needs no site URL
    with _problems_lock:
        if checked not in _problems:
            _problems[checked] = setting.expected.problem(Facts.here(renderer))
            while len(_problems) > 16:
                _problems.popitem(last=False)
        problem = _problems[checked]
    if problem is not None:
        raise RenderError(f"máy tạo PDF {_worker_address()}: {problem}")
    return renderer


def _worker_address() -> str:
    from distributed import get_worker

    return get_worker().address


def check_worker(setting: Setting) -> str | None:
    """On a worker: None when it makes this build's bytes, else why not (with its address)."""
    try:
        _renderer(setting)
    except RenderError as exc:
        return str(exc).removeprefix("máy tạo PDF ")
    return None


def render_job(setting: Setting, catalog: Catalog, spec: tuple, slips: list[bytes]) -> tuple[Pdf, list[str]]:
    """On a worker: one job that needs WeasyPrint, with its warnings."""
    renderer = _renderer(setting)
    renderer.catalog = catalog
    _warnings.take()
    try:
        return render_spec(renderer, spec, slips), _warnings.take()
    finally:
        _warnings.take()


def assemble_job(setting: Setting, slips: list[bytes], marks: bool, title: str) -> tuple[Pdf, list[str]]:
    """On a worker: a print pack, from the slips sent with it."""
    _renderer(setting)  # the same check: pikepdf's version decides the bytes too
    return assemble_pack(slips, marks, title), []


class _Client:
    """Dask's client, imported only when a build names a scheduler (Dask is an optional extra)."""

    @staticmethod
    def require() -> None:
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise PhieuError(NO_DASK) from None

    @staticmethod
    def connect(address: str) -> Client:
        _Client.require()
        from distributed import Client

        class ClosingClient(Client):
            """Closes itself when it cannot connect: otherwise its finaliser prints a traceback at exit."""

            def __init__(self, *args, **kwargs):
                try:
                    super().__init__(*args, **kwargs)
                except BaseException:
                    with contextlib.suppress(Exception):
                        self.close(timeout=5)
                    raise

        try:
            return ClosingClient(address, set_as_default=False)
        except (ValueError, TypeError):
            raise RenderError(BAD_ADDRESS.format(address=address)) from None
        except OSError:
            raise RenderError(UNREACHABLE.format(address=address, seconds=connect_timeout())) from None


def connect_timeout() -> float:
    import dask
    from dask.utils import parse_timedelta

    return float(parse_timedelta(dask.config.get("distributed.comm.timeouts.connect"), default="s"))


def _quiet_dask() -> None:
    """Keep Dask's own log lines (reconnect attempts, tracebacks of lost connections, from Dask and from the
    Tornado loop it runs on) out of the build's output: the build says once, in Vietnamese, what happened.
    For the rest of the process: a connection's last callbacks may still log after the client is closed."""
    _Client.require()  # importing Dask sets up its loggers: quiet them after that
    for name in [*DASK_LOGGERS, *logging.root.manager.loggerDict]:
        if name.split(".")[0] in DASK_LOGGERS:
            logger = logging.getLogger(name)
            if name in DASK_LOGGERS or logger.level != logging.NOTSET:
                logger.setLevel(logging.CRITICAL + 1)


class Cluster:
    """One build's session with a Dask scheduler: connect, check the workers, run jobs, clean up."""

    def __init__(self, address: str, plan: Plan, theme_dir: Path):
        self.address = address
        self.plan = plan
        self.theme_dir = theme_dir
        self.client: Client | None = None
        self._cancelled = False
        self._no_workers_since: float | None = None
        self._last_watch = 0.0

    def open(self) -> None:
        """Connect to the scheduler; :meth:`close` disconnects."""
        _quiet_dask()
        try:
            self.client = _Client.connect(self.address)
        except BaseException:
            self.close()
            raise
        self.executor = self.client.get_executor(pure=False)
        atexit.register(self.close)  # Ctrl-C while MkDocs builds pages: the jobs still get cancelled

    def close(self) -> None:
        """Cancel what is still queued or running on the cluster, and disconnect."""
        atexit.unregister(self.close)
        client, self.client = self.client, None
        if client is not None:
            with contextlib.suppress(Exception):
                self.executor.shutdown(wait=False)  # cancels every job not finished yet
                client.close(timeout=5)

    def cancel(self) -> None:
        """Ctrl-C or a failure elsewhere: cancel every job on the cluster now."""
        self._cancelled = True
        if self.client is not None:
            with contextlib.suppress(Exception):
                self.executor.shutdown(wait=False)  # cancels every job not finished yet

    def start(self, renderer: Callable[[], SlipRenderer]) -> None:
        """Wait for a worker, then have every worker render the test slip: name the ones that differ."""
        assert self.client is not None
        theme = Theme.of(self.theme_dir / "slip")
        if theme.digest not in _here:
            _here[theme.digest] = Facts.here(renderer())
        self.setting = Setting(theme, self.plan.site_url, _here[theme.digest])
        try:
            self.client.wait_for_workers(1, timeout=WAIT_FOR_WORKERS_S)
        except TimeoutError:
            raise RenderError(NO_WORKERS.format(address=self.address, seconds=WAIT_FOR_WORKERS_S)) from None
        except OSError:
            raise RenderError(CONNECTION_LOST.format(address=self.address, done=0, total="?")) from None
        workers = sorted(self.client.scheduler_info(n_workers=-1)["workers"])
        checks = {
            address: self.executor.submit(check_worker, self.setting, workers=[address])
            for address in workers
            if (address, theme.digest) not in _fit
        }
        problems = []
        deadline = time.monotonic() + CHECK_TIMEOUT_S
        for address, future in checks.items():
            try:
                problem = future.result(timeout=max(0.0, deadline - time.monotonic()))
            except CancelledError:
                raise RenderError(CONNECTION_LOST.format(address=self.address, done=0, total="?")) from None
            except TimeoutError:
                problem = f"{address}: không trả lời trong {CHECK_TIMEOUT_S:g} giây"
            except Exception as exc:  # e.g. phieu itself cannot be imported there
                problem = f"{address}: {type(exc).__name__}: {exc}"
            if problem is None:
                _fit.add((address, theme.digest))
            else:
                problems.append(problem)
        if problems:
            raise RenderError(UNUSABLE.format(problems="; ".join(problems)))

    def submit(self, job: Job, slips: list[bytes]) -> Future:
        if self._cancelled:
            raise RenderError("đã dừng")
        try:
            if job.kind == "pack":
                return self.executor.submit(
                    assemble_job, self.setting, slips, self.plan.pack_marks, self.plan.pack_title(job)
                )
            catalog = job_catalog(self.plan.catalog, job.spec)
            return self.executor.submit(render_job, self.setting, catalog, job.spec, slips)
        except RuntimeError:  # cancelled meanwhile: the executor is shut down
            raise RenderError("đã dừng") from None

    def outcome(self, future: Future, job: Job, done: int, total: int) -> tuple[Pdf, list[str]]:
        """The PDF of a finished job and its warnings, or its error in the words of a local build."""
        try:
            return future.result()
        except CancelledError:
            if self._cancelled:
                raise RenderError("đã dừng") from None
            raise RenderError(CONNECTION_LOST.format(address=self.address, done=done, total=total)) from None
        except PhieuError:
            raise
        except Exception as exc:
            from distributed import KilledWorker

            if isinstance(exc, KilledWorker):
                times = exc.args[2] + 1 if len(exc.args) > 2 else "nhiều"
                raise RenderError(KILLED.format(what=describe(job.spec), times=times)) from None
            raise RenderError(f"không tạo được {describe(job.spec)}: {type(exc).__name__}: {exc}") from None

    def watch(self, done: int, total: int) -> None:
        """Called while no job finishes: give up when the scheduler is gone (its jobs' results may never
        come: Dask's executor drops those whose transfer broke off), or no worker has been connected for
        a while."""
        if self.client is None:
            return
        if self.client.status != "running":
            raise RenderError(CONNECTION_LOST.format(address=self.address, done=done, total=total))
        now = time.monotonic()
        if now - self._last_watch < 5:
            return
        self._last_watch = now
        try:
            workers = self.client.scheduler_info(n_workers=-1)["workers"]
        except Exception:  # the connection is gone: the jobs' futures say so
            return
        if workers:
            self._no_workers_since = None
        elif self._no_workers_since is None:
            self._no_workers_since = now
        elif now - self._no_workers_since > WORKERS_GONE_S:
            raise RenderError(WORKERS_GONE.format(address=self.address, seconds=WORKERS_GONE_S))
