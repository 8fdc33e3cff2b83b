"""The slip stage on the local process pool vs on a Dask LocalCluster with the same number of workers.

    .venv/bin/python bench/cluster.py --runs 3   # 2 workers; M = 60 slips, 300 composed slips, 400 no-ops
    .venv/bin/python bench/cluster.py --workers 2 --slips 100 --composed 500 --tiny 1000

Each executor runs a batch of M jobs and one of 2M: the difference is the marginal cost of M jobs, so the
start-up of each (spawning pool processes, connecting to the scheduler, the workers' test slip) cancels
out. Tiny jobs (a no-op) measure what the executor itself costs per job; real slips (the shipped records'
slips, A5, through ``Runner.execute`` as ``phieu build`` runs them) measure what a build pays. Then it
projects a province and the whole country on 1, 8 and 64 workers from the measured costs. Not part of the
test suite; absolute times on a shared 2-core machine vary (up to 3×), the ratios less.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RECORDS = ROOT / "tests" / "fixtures" / "single-office" / "procedures"
SITE_URL = "https://phieu.example.vn/"
#: Serial page build of bare MkDocs + Material, per page (shared/PERF.md, measured at 300 and 1,000 pages).
PAGE_MS = 16.0
PROVINCE = 40_000
COUNTRY = 3_321 * 400
JOBS_PER_SLIP = 1.0
LOG = logging.getLogger("bench")


def tiny(i: int) -> int:
    return i


def tiny_batch(executor: Executor, n: int) -> float:
    """Seconds to run ``n`` no-op jobs, all submitted at once, on ``executor``."""
    start = time.perf_counter()
    futures = [executor.submit(tiny, i) for i in range(n)]
    for future in futures:
        future.result()
    return time.perf_counter() - start


def marginal(run: Callable[[int], float], m: int, runs: int) -> float:
    """Seconds per job of the second M jobs: run(2M) − run(M), over M; each the fastest of ``runs``
    (on a shared machine the fastest run is the one least disturbed)."""
    run(max(4, m // 10))  # warm up: processes started, code imported
    return (min(run(2 * m) for _ in range(runs)) - min(run(m) for _ in range(runs))) / m


def catalog(n: int):
    """The shipped records' slips, repeated under new codes to ``n`` procedures."""
    from phieu.load import load_catalog

    base = load_catalog(RECORDS)
    records = [p for p in base.procedures if p.status == "in_force"]
    procedures = tuple(
        records[i % len(records)].model_copy(update={"code": f"9.{100000 + i:06d}"}) for i in range(n)
    )
    return dataclasses.replace(base, procedures=procedures, sources={})


_BODIES: dict = {}


def slip_batch(n: int, workers: int, scheduler: str | None, bodies_made: bool = False) -> float:
    """Seconds for ``Runner.execute`` to make ``n`` slips (each with the jobs it is made from: its body
    and new-page body), here or on ``scheduler``. ``bodies_made``: the bodies are in the cache already,
    as in a province where every office's slip of a procedure shares its body."""
    from phieu.publish.plan import Plan
    from phieu.publish.run import Runner
    from phieu.render.slip import SlipRenderer

    cat = catalog(n)
    theme = ROOT / "theme"
    plan = Plan(cat, theme, site_url=SITE_URL, slip_size="A5", pack_sizes=("A5",), pack_marks=True)
    renderer = SlipRenderer(cat, theme, site_url=SITE_URL)
    jobs = [job for job in plan.jobs if job.kind in ("slip", "body")]
    pdfs: dict = {}
    if bodies_made:
        missing = [job for job in jobs if job.kind == "body" and job.key not in _BODIES]
        if missing:  # made once, here, untimed
            maker = Runner(plan, theme, workers=1, renderer=lambda: renderer, stop=threading.Event(), log=LOG)
            list(maker.execute(missing, _BODIES))
        jobs = [job for job in jobs if job.kind == "slip"]
        pdfs = {key: _BODIES[key] for job in jobs for key in job.needs}
    else:
        global JOBS_PER_SLIP
        JOBS_PER_SLIP = len(jobs) / n
    runner = Runner(
        plan,
        theme,
        workers=workers,
        renderer=lambda: renderer,
        stop=threading.Event(),
        log=LOG,
        scheduler=scheduler,
    )
    start = time.perf_counter()
    made = sum(1 for job, _, _ in runner.execute(jobs, pdfs) if job.kind == "slip")
    assert made == n
    return time.perf_counter() - start


def hours(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s"
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds / 60:.0f} min"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--slips", type=int, default=60, help="M for slips: batches of M and 2M")
    parser.add_argument("--tiny", type=int, default=400, help="M for no-op jobs: batches of M and 2M")
    parser.add_argument("--composed", type=int, default=300, help="M for slips from made bodies")
    parser.add_argument("--runs", type=int, default=2, help="runs of each batch; the fastest counts")
    args = parser.parse_args()
    from phieu.publish.run import PARALLEL_MIN_JOBS

    if args.slips < PARALLEL_MIN_JOBS:  # below it, the local stage runs in one process, not the pool
        parser.error(f"--slips must be at least {PARALLEL_MIN_JOBS}")
    n = args.workers
    logging.getLogger("distributed").setLevel(logging.ERROR)
    from distributed import Client, LocalCluster

    runs = args.runs
    one = marginal(lambda m: slip_batch(m, 1, None), max(10, args.slips // 3), runs)
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(n, mp_context=spawn) as pool:
        tiny_pool = marginal(lambda m: tiny_batch(pool, m), args.tiny, runs)
    with (
        LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster,
        Client(cluster) as client,
    ):
        executor = client.get_executor(pure=False)
        tiny_cluster = marginal(lambda m: tiny_batch(executor, m), args.tiny, runs)
        address = cluster.scheduler_address
        # The Runner starts its own pool (its slip stage needs at least PARALLEL_MIN_JOBS procedures).
        slip_pool = marginal(lambda m: slip_batch(m, n, None), args.slips, runs)
        slip_cluster = marginal(lambda m: slip_batch(m, n, address), args.slips, runs)
        shared_pool = marginal(lambda m: slip_batch(m, n, None, bodies_made=True), args.composed, runs)
        shared_cluster = marginal(lambda m: slip_batch(m, n, address, bodies_made=True), args.composed, runs)

    ms = 1000.0
    print(f"\nphieu slip stage, local pool vs Dask LocalCluster: {n} workers, {os.cpu_count()} CPUs")
    print(
        "(marginal wall time: batches of M and 2M, the fastest of "
        f"{runs} runs each; a slip made in one process, body included: {one * ms:.0f} ms)\n"
    )
    print("| jobs | M | local pool, ms | LocalCluster, ms | overhead per job, ms of a worker |")
    print("|---|---:|---:|---:|---:|")
    print(
        f"| no-op job | {args.tiny} | {tiny_pool * ms:.2f} | {tiny_cluster * ms:.2f} | "
        f"{(tiny_cluster - tiny_pool) * ms * n:+.1f} |"
    )
    rows = (
        ("slip with its body and new-page body", args.slips, slip_pool, slip_cluster, JOBS_PER_SLIP),
        ("slip from a made body (a province)", args.composed, shared_pool, shared_cluster, 1.0),
    )
    for name, m, pool_s, cluster_s, jobs in rows:
        print(
            f"| {name} ({jobs:.0f} jobs) | {m} | {pool_s * ms:.1f} | {cluster_s * ms:.1f} | "
            f"{(cluster_s - pool_s) * n * ms / jobs:+.1f} |"
        )

    # Projection. A worker spends shared_cluster × n per slip of a province (bodies are shared by its
    # offices: each is made once, a small share of the slips) and the scheduler with this client hand out
    # at most one job per tiny_cluster seconds, whatever the number of workers. Pages: 16 ms each in one
    # MkDocs build; split by office (phieu build --office on as many machines or processes), each office's
    # pages are built side by side. PDFs are made while pages build, so a build takes the longer of the two,
    # plus the serial assembly (province pages, copying the parts, manifest), not counted here.
    print("\nProjection (slips only; pages 16 ms each; assembly of the parts not counted):\n")
    print("| site | slips | workers | PDFs | pages, one build | pages split by office | build ≈ |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, count in (("province", PROVINCE), ("whole country", COUNTRY)):
        pages = count * PAGE_MS / ms
        for workers in (1, 8, 64):
            pdfs = max(count * shared_cluster * n / workers, count * tiny_cluster)
            print(
                f"| {name} | {count:,} | {workers} | {hours(pdfs)} | {hours(pages)} | "
                f"{hours(pages / workers)} | {hours(max(pdfs, pages / workers))} |"
            )
    print(f"\n(dispatch floor: {tiny_cluster * ms:.1f} ms a job through one scheduler and client)")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
