"""Province-scale benchmark: prints a table of medians and same-run ratios. Not part of the test suite.

    make bench                         # N = 2000, 3 runs per row
    .venv/bin/python bench/run.py --n 200 --runs 3

Rows: bare (mkdocs build, slips off), cold (phieu build, empty cache), warm (again, no change),
one-edit (after changing one fee), and the slip stage against a naive sequential baseline.
A province's offices × procedures (composed slips, shared bodies): bench/offices.py.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import yaml  # noqa: E402
from corpus import _dump, generate  # noqa: E402

PYTHON = sys.executable
ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1764374400", "CI": "1"}


def tree_pss_kib(root: int) -> int:
    """Memory of a process and all its descendants now (worker processes included), in KiB.

    Proportional set size: a page shared by several processes is counted once in all. Only the
    descendants' ``smaps_rollup`` is read, because reading it costs the kernel a walk of the page tables.
    """
    parents: dict[int, int] = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            ppid = next(line for line in status.read_text().splitlines() if line.startswith("PPid:"))
        except (OSError, StopIteration):  # the process ended meanwhile
            continue
        parents[int(status.parent.name)] = int(ppid.split()[1])
    total = 0
    for pid in parents:
        walk = pid
        while walk and walk != root:
            walk = parents.get(walk, 0)
        if walk != root:
            continue
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        pss = next((line for line in rollup.splitlines() if line.startswith("Pss:")), "Pss: 0 kB")
        total += int(pss.split()[1])
    return total


def wait_sampling(process: subprocess.Popen, every: float) -> tuple[int, resource.struct_rusage, int]:
    """Wait for ``process``, sampling its tree's PSS every ``every`` seconds: (its wait status, its resource
    usage with its waited-for descendants', the peak PSS in KiB of the tree)."""
    peak = 0
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            return status, usage, peak
        peak = max(peak, tree_pss_kib(process.pid))
        time.sleep(every)


def run(args: list[str], cwd: Path) -> tuple[float, int, int]:
    """Run a command; return (seconds, peak RSS in MiB of its largest process, peak PSS MiB of all together)."""
    with tempfile.TemporaryFile() as log:  # a file, not a pipe: a full pipe would block the build
        start = time.perf_counter()
        process = subprocess.Popen(args, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=log)
        status, usage, peak_tree = wait_sampling(process, every=1.0)
        seconds = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            log.seek(0)
            raise SystemExit(f"failed: {' '.join(args)}\n{log.read().decode()[-3000:]}")
    # wait4's ru_maxrss is the largest of this process and its descendants, for this command only.
    return seconds, usage.ru_maxrss // 1024, peak_tree // 1024


def project(base: Path, corpus: Path) -> Path:
    base.mkdir(parents=True)
    shutil.copy(ROOT / "mkdocs.yml", base / "mkdocs.yml")
    for name in ("docs", "theme"):
        shutil.copytree(ROOT / name, base / name)
    shutil.copytree(corpus, base / "procedures")
    config = (base / "mkdocs.yml").read_text(encoding="utf-8")
    bare = config.replace("  - phieu\n", "  - phieu:\n      slips: false\n")
    assert bare != config, "mkdocs.yml no longer lists the phieu plugin as '  - phieu'"
    (base / "mkdocs-bare.yml").write_text(bare, encoding="utf-8")
    return base


def edit_one_fee(base: Path, round_: int) -> None:
    """Change one procedure's fee the way staff would: one verified amount, different every round."""
    path = sorted((base / "procedures").rglob("1.*.yml"))[0]
    record = yaml.safe_load(path.read_text(encoding="utf-8"))
    record["cases"][0]["fee"] = {"amount": 10000 + round_, "verified": True}
    path.write_text(_dump(record, "../../schema/procedure.schema.json"), encoding="utf-8")


def slip_stage(corpus: Path, sample: int) -> tuple[float, float, int]:
    """Seconds per slip: the project's stage (pool, shared fonts and CSS) vs a naive loop."""
    code = f"""
import sys, time, tempfile
from pathlib import Path
from phieu import load_catalog
from phieu.publish.publisher import Publisher
from phieu.render.slip import SlipRenderer
from weasyprint import CSS, HTML
import dataclasses

def main():
    catalog = load_catalog(Path({str(corpus)!r}))
    catalog = dataclasses.replace(catalog, procedures=catalog.procedures[:{sample}])
    theme = Path({str(ROOT / "theme")!r})
    site = "https://phieu.example.vn/"
    with tempfile.TemporaryDirectory() as cache:
        pub = Publisher(catalog, theme, site_url=site, cache_dir=Path(cache))
        jobs = [j for j in pub.plan.jobs if j.kind in ("body", "new-page", "slip")]  # slips and their parts
        start = time.perf_counter()
        list(pub.runner.execute(jobs, {{}}))
        project = time.perf_counter() - start
    renderer = SlipRenderer(catalog, theme, site_url=site)  # only to build the same HTML
    css = str(theme / "slip" / "slip.css")
    start = time.perf_counter()
    for p in catalog.procedures:
        html = renderer.slip_html([p], "A5", p.name)
        HTML(string=html, base_url=str(theme / "slip") + "/").write_pdf(
            stylesheets=[CSS(filename=css), CSS(string="@page {{ size: A5 }}")]
        )
    naive = time.perf_counter() - start
    print(project, naive, len(catalog.procedures))

if __name__ == "__main__":
    main()
"""
    out = subprocess.run([PYTHON, "-c", code], env=ENV, capture_output=True, text=True, check=True)
    project_s, naive_s, count = out.stdout.split()
    return float(project_s), float(naive_s), int(count)


def size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description="phieu benchmark")
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--slip-sample", type=int, default=0, help="slips in the slip-stage row (0: all)")
    args = parser.parse_args()

    rows: dict[str, list[tuple[float, int, int]]] = {k: [] for k in ("bare", "cold", "warm", "one-edit")}
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        generate(args.n, corpus)
        for r in range(args.runs):
            base = project(Path(tmp) / f"run{r}", corpus)
            phieu = [PYTHON, "-m", "phieu.cli", "build", "-f", "mkdocs.yml"]
            rows["bare"].append(run([PYTHON, "-m", "mkdocs", "build", "-q", "-f", "mkdocs-bare.yml"], base))
            rows["cold"].append(run(phieu, base))
            rows["warm"].append(run(phieu, base))
            edit_one_fee(base, r)
            rows["one-edit"].append(run(phieu, base))
            print(f"run {r + 1}/{args.runs} done", file=sys.stderr)
        site = Path(tmp) / "run0" / "site"
        manifest = json.loads((site / "manifest.json").read_text(encoding="utf-8"))
        # Sizes are read now: the temporary folder is gone after this block.
        page_bytes = (site / manifest["procedures"][0]["page"]).stat().st_size
        index_bytes = (site / "search" / "search_index.json").stat().st_size
        site_bytes = size(site)
        project_s, naive_s, count = slip_stage(corpus, args.slip_sample or args.n)

    bare = statistics.median(t for t, _, _ in rows["bare"])
    print(f"\nphieu benchmark: N = {args.n} procedures, {os.cpu_count()} CPUs, median of {args.runs} runs\n")
    print(
        "| row | median s | vs bare | peak RSS MiB, largest process | peak PSS MiB, all processes |\n"
        "|---|---:|---:|---:|---:|"
    )
    for name, samples in rows.items():
        median = statistics.median(t for t, _, _ in samples)
        largest = max(m for _, m, _ in samples)
        together = max(m for _, _, m in samples)
        print(f"| {name} | {median:.1f} | {median / bare:.2f}× | {largest} | {together} |")
    print(
        f"| slip stage ({count} slips) | {project_s:.1f} | naive {naive_s:.1f} s → "
        f"{naive_s / project_s:.2f}× faster | | |"
    )
    print(
        f"\npage HTML {page_bytes / 1024:.1f} KiB · search index {index_bytes / 1024:.0f} KiB · "
        f"site {site_bytes / 2**20:.0f} MiB"
    )


if __name__ == "__main__":
    main()
