"""Issue 15: ``phieu build --scheduler`` makes every PDF on a real Dask cluster (a LocalCluster of two worker
processes): the same site byte for byte as a local build, cached jobs never sent, a worker killed mid-job
does not stop the build, and an unreachable or vanished scheduler, a worker without hb-subset and a failing
job each end in one Vietnamese line, exit code 1 and ``site/`` unchanged."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import dask
import pytest
from distributed import Client, LocalCluster
from distributed.diagnostics.plugin import SchedulerPlugin, WorkerPlugin
from phieu.publish import cluster as cluster_module
from phieu.publish import run as publish_run
from phieu.publish.cluster import Facts

from tests.conftest import EPOCH, ROOT, copy_project, tree_digest

MINI = ROOT / "tests" / "fixtures" / "mini" / "procedures"
PHIEU = Path(sys.executable).with_name("phieu")


def phieu_build(project: Path, site: str, cache: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environ = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "NO_MKDOCS_2_WARNING": "1", **env}
    environ.pop("PHIEU_SCHEDULER", None)
    return subprocess.run(
        [str(PHIEU), "build", "-d", site, "--cache-dir", str(cache), *args],
        cwd=project,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
    )


def start_cluster() -> LocalCluster:
    return LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0")


class Finished(SchedulerPlugin):
    """Counts the jobs the scheduler saw finish (it runs in this process, with the LocalCluster's scheduler)."""

    def __init__(self) -> None:
        self.keys: list[str] = []

    def transition(self, key, start, finish, *args, **kwargs) -> None:
        if finish == "memory" and str(key).startswith(("render_job", "assemble_job")):
            self.keys.append(str(key))


@pytest.fixture(scope="module")
def cluster() -> Iterator[tuple[LocalCluster, Finished]]:
    with start_cluster() as running:
        finished = Finished()
        running.scheduler.add_plugin(finished)
        yield running, finished


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The mini project built on this machine: the reference."""
    project = copy_project(tmp_path_factory.mktemp("cluster") / "project", procedures=MINI)
    done = phieu_build(project, "site", project / "local-cache")
    assert done.returncode == 0, done.stderr
    return project, tree_digest(project / "site")


def errors(done: subprocess.CompletedProcess) -> list[str]:
    """The build's error lines, as MkDocs logs them ("ERROR   -  message")."""
    return [line.split("-  ", 1)[1] for line in done.stderr.splitlines() if line.startswith("ERROR")]


def assert_no_traceback(done: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in done.stderr + done.stdout, done.stderr


def test_cluster_build_equals_local_build_and_sends_no_cached_job(cluster, local, tmp_path: Path):
    running, finished = cluster
    project, expected = local
    before = len(finished.keys)
    cache = tmp_path / "shared-cache"
    done = phieu_build(project, "site-cluster", cache, "--scheduler", running.scheduler_address)
    assert done.returncode == 0, done.stderr
    assert tree_digest(project / "site-cluster") == expected
    sent = len(finished.keys) - before
    pdfs = len(list(cache.rglob("*.pdf")))
    assert sent == pdfs > 10  # every PDF was made on the cluster; the client wrote the cache
    # Again with the same cache, through the environment variable: nothing to make, nothing sent.
    done = phieu_build(project, "site-cluster", cache, PHIEU_SCHEDULER=running.scheduler_address)
    assert done.returncode == 0, done.stderr
    assert len(finished.keys) - before == sent
    assert tree_digest(project / "site-cluster") == expected


class KillOnce(WorkerPlugin):
    """Kills its worker's process 50 ms into the first slip job any worker starts (once per marker file)."""

    def __init__(self, marker: str):
        self.marker = marker

    def transition(self, key, start, finish, **kwargs) -> None:
        if finish != "executing" or not str(key).startswith("render_job"):
            return
        try:
            os.close(os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return
        threading.Timer(0.05, os.kill, (os.getpid(), signal.SIGKILL)).start()


def test_a_worker_killed_mid_job_does_not_stop_the_build(cluster, local, tmp_path: Path):
    running, _ = cluster
    project, expected = local
    marker = tmp_path / "killed"
    with Client(running, set_as_default=False) as client:
        pids = set(client.run(os.getpid).values())
        client.register_plugin(KillOnce(str(marker)), name="kill-once")
        try:
            done = phieu_build(
                project, "site-killed", tmp_path / "cache", "--scheduler", running.scheduler_address
            )
        finally:
            client.unregister_worker_plugin("kill-once")
        assert marker.exists()  # a worker was killed during a job
        client.wait_for_workers(2, timeout=60)  # its nanny started a new one
        assert set(client.run(os.getpid).values()) != pids
    assert done.returncode == 0, done.stderr
    assert_no_traceback(done)
    assert tree_digest(project / "site-killed") == expected


def test_a_worker_without_hb_subset_is_named_before_any_job(cluster, local, tmp_path: Path):
    running, finished = cluster
    project, expected = local
    before = len(finished.keys)

    def without_hb_subset() -> None:
        cluster_module.has_hb_subset = lambda: False
        cluster_module._problems.clear()

    def restore() -> None:
        from phieu.render.slip import has_hb_subset

        cluster_module.has_hb_subset = has_hb_subset
        cluster_module._problems.clear()

    with Client(running, set_as_default=False) as client:
        worker = sorted(client.scheduler_info()["workers"])[0]
        client.run(without_hb_subset, workers=[worker])
        try:
            done = phieu_build(project, "site", tmp_path / "cache", "--scheduler", running.scheduler_address)
        finally:
            client.run(restore)
    assert done.returncode == 1
    assert_no_traceback(done)
    assert (
        f"máy tạo PDF không dùng được (cần cùng môi trường với máy dựng: make system-build): {worker}: "
        "thiếu libharfbuzz-subset0 (apt-get install libharfbuzz-subset0)"
    ) in done.stderr
    assert "phieu: site không thay đổi." in done.stderr
    assert tree_digest(project / "site") == expected
    assert len(finished.keys) == before  # no job was sent


def test_a_failing_job_fails_the_build_with_its_located_message(cluster, tmp_path: Path):
    running, _ = cluster
    broken = copy_project(tmp_path / "broken", procedures=MINI)
    (broken / "site").mkdir()
    (broken / "site" / "index.html").write_text("old site", encoding="utf-8")
    # Shipped with each job to the workers; only a poster's body (laid out on a worker) reads this part.
    template = broken / "theme" / "slip" / "poster.html.j2"
    text = template.read_text(encoding="utf-8")
    template.write_text(text.replace('<ol class="poster-list">', '<ol class="poster-list">{{ khong_co }}', 1))
    done = phieu_build(broken, "site", tmp_path / "cache", "--scheduler", running.scheduler_address)
    assert done.returncode == 1
    assert_no_traceback(done)
    assert errors(done)[-1] in {
        f"không tạo được áp phích {field}: UndefinedError: 'khong_co' is undefined"
        for field in ("ho-tich", "chung-thuc")
    }, done.stderr
    assert [p.name for p in (broken / "site").iterdir()] == ["index.html"]
    assert (broken / "site" / "index.html").read_text(encoding="utf-8") == "old site"


def test_ctrl_c_cancels_the_clusters_jobs(cluster, local, tmp_path: Path):
    running, _ = cluster
    project, expected = local
    environ = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "NO_MKDOCS_2_WARNING": "1"}
    build = subprocess.Popen(
        [
            str(PHIEU),
            "build",
            "--cache-dir",
            str(tmp_path / "cache"),
            "--scheduler",
            running.scheduler_address,
        ],
        cwd=project,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's Ctrl-C reaches it
    )
    deadline = time.monotonic() + 120
    while not running.scheduler.tasks:  # jobs were sent
        assert build.poll() is None and time.monotonic() < deadline, build.communicate()
        time.sleep(0.02)
    os.killpg(build.pid, signal.SIGINT)
    _, stderr = build.communicate(timeout=120)
    assert build.returncode == 130, stderr
    assert "Traceback" not in stderr, stderr
    assert "phieu: dựng trang thất bại: đã dừng\nphieu: site không thay đổi.\n" in stderr
    assert tree_digest(project / "site") == expected
    deadline = time.monotonic() + 10
    while running.scheduler.tasks:  # nothing left queued or running for it
        assert time.monotonic() < deadline, dict(running.scheduler.tasks)
        time.sleep(0.05)


def test_an_unreachable_scheduler_is_one_line(local, tmp_path: Path):
    project, expected = local
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    done = phieu_build(
        project,
        "site",
        tmp_path / "cache",
        "--scheduler",
        address,
        DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT="1s",
    )
    assert done.returncode == 1
    assert_no_traceback(done)
    assert errors(done) == [
        f"không kết nối được bộ lập lịch Dask {address} sau 1 giây: kiểm tra địa chỉ, cổng và tường lửa, "
        "và bộ lập lịch đang chạy (dask scheduler)"
    ]
    assert "phieu: site không thay đổi." in done.stderr
    assert tree_digest(project / "site") == expected


class StopAfterFirstJob(SchedulerPlugin):
    """Stops the scheduler as soon as the first job has finished."""

    def __init__(self, scheduler) -> None:
        self.scheduler = scheduler
        self.stopping = False

    def transition(self, key, start, finish, *args, **kwargs) -> None:
        if finish == "memory" and str(key).startswith("render_job") and not self.stopping:
            self.stopping = True
            asyncio.get_running_loop().create_task(self.scheduler.close())


def test_a_scheduler_stopped_mid_build_is_one_line(local, tmp_path: Path):
    project, expected = local
    # Its workers give up on the vanished scheduler after 2 s instead of 30: the test closes it sooner.
    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}), start_cluster() as doomed:
        plugin = StopAfterFirstJob(doomed.scheduler)
        doomed.scheduler.add_plugin(plugin)
        address = doomed.scheduler_address
        done = phieu_build(
            project,
            "site",
            tmp_path / "cache",
            "--scheduler",
            address,
            DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT="2s",
        )
        assert plugin.stopping
    assert done.returncode == 1
    assert_no_traceback(done)
    lost = re.fullmatch(
        f"mất kết nối tới bộ lập lịch Dask {address} giữa chừng \\((\\d+)/(\\d+) PDF đã xong và đã vào bộ nhớ "
        "đệm; chạy lại để làm tiếp\\)",
        errors(done)[-1],
    )
    assert lost, done.stderr
    made, total = map(int, lost.groups())
    assert 0 <= made < total
    assert len(list((tmp_path / "cache").rglob("*.pdf"))) >= made  # what was made is kept for the next run
    assert "phieu: site không thay đổi." in done.stderr
    assert tree_digest(project / "site") == expected


def test_worker_problems_name_what_differs():
    here = Facts(
        {"phieu": "0.1.0", "weasyprint": "70.0"}, True, ("DejaVuSansMono-Bold", "NotoSans-Regular"), "a"
    )
    same = Facts(dict(here.versions), True, here.fonts, "a")
    assert here.problem(same) is None
    older = Facts({"phieu": "0.1.0", "weasyprint": "66.0"}, True, here.fonts, "b")
    assert here.problem(older) == "khác phiên bản weasyprint 66.0 (máy dựng: 70.0)"
    no_noto = Facts(dict(here.versions), True, ("DejaVuSans", "DejaVuSansMono-Bold"), "b")
    assert here.problem(no_noto) == (
        "thiếu phông NotoSans-Regular (apt-get install fonts-noto-core fonts-dejavu-core)"
    )
    other = Facts(dict(here.versions), True, here.fonts, "b")
    assert "phiếu thử khác từng byte" in (here.problem(other) or "")


def test_progress_in_a_log_once_a_minute(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    now = [0.0]
    show = publish_run.progress_printer(clock=lambda: now[0])
    show(1, 100, 0)
    now[0] = 59.0
    show(2, 100, 0)
    assert capsys.readouterr().err == ""
    now[0] = 61.0
    show(30, 100, 10)
    now[0] = 90.0
    show(40, 100, 10)
    assert capsys.readouterr().err == "PDF: 30/100 (dùng lại 10, tạo mới 20)\n"
