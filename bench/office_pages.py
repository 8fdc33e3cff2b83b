"""Offices' page sets built side by side: how close to linear (pages only, no PDFs).

    .venv/bin/python bench/office_pages.py --offices 4 --n 150

Makes a province of OFFICES offices that all offer N generated procedures, builds it with ``slips: false`` (the
page build is what stays serial in one MkDocs build) once with the offices one at a time (``workers: 1``) and
once side by side (``workers: 2``), and prints a table: wall time, pages a second, and the speed-up against the
ideal (the number of processes). It is not part of the tests.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from corpus import generate  # noqa: E402


def province(n: int, count: int, dest: Path) -> Path:
    """A project whose data is a province of ``count`` offices over ``n`` generated records."""
    project = dest / "project"
    project.mkdir(parents=True)
    for name in ("mkdocs.yml", "published-urls.txt"):
        shutil.copy(ROOT / name, project / name)
    (project / "published-urls.txt").write_text("", encoding="utf-8")  # the shipped ledger is not this data's
    for name in ("docs", "theme"):
        shutil.copytree(ROOT / name, project / name)
    data = project / "procedures"
    generate(n, data)
    office = yaml.safe_load((data / "office.yml").read_text(encoding="utf-8"))
    (data / "office.yml").unlink()
    for path in sorted(data.glob("*/*.yml")):
        record = yaml.safe_load(path.read_text(encoding="utf-8"))
        if record.pop("local", None) is not None:
            path.write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (data / "province.yml").write_text(
        yaml.safe_dump(
            {"name": "Tỉnh Mẫu", "publisher": "Sở Tư pháp tỉnh Mẫu", "site_url": office["site_url"]},
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    (data / "offices").mkdir()
    for i in range(count):
        profile = {k: office[k] for k in ("unit", "address", "hours", "phone")}
        profile["name"] = f"Ủy ban nhân dân xã Mẫu {i + 1}"
        (data / "offices" / f"xa-mau-{i + 1}.yml").write_text(
            yaml.safe_dump(profile, allow_unicode=True), encoding="utf-8"
        )
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("  - phieu\n", "  - phieu:\n      slips: false\n      editor: false\n"))
    return project


def timed_build(project: Path, workers: int) -> float:
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    marker = "      slips: false\n"
    lines = [line for line in text.splitlines(keepends=True) if not line.startswith("      workers:")]
    text = "".join(lines).replace(marker, marker + f"      workers: {workers}\n")
    config.write_text(text, encoding="utf-8")
    shutil.rmtree(project / "site", ignore_errors=True)
    start = time.perf_counter()
    done = subprocess.run(
        [str(Path(sys.executable).with_name("phieu")), "build", "--no-strict"],
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(done.stderr[-2000:])
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offices", type=int, default=4)
    parser.add_argument("--n", type=int, default=150)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        project = province(args.n, args.offices, Path(tmp))
        rows = []
        for workers in (1, 2):
            best = min(timed_build(project, workers) for _ in range(args.runs))
            pages = sum(1 for _ in (project / "site").rglob("index.html"))
            rows.append((workers, best, pages))
    base = rows[0][1]
    print(f"\n{args.offices} offices × {args.n} procedures, pages only (slips: false), best of {args.runs}")
    print("| processes | wall, s | pages | pages/s | speed-up | of ideal |")
    print("|---:|---:|---:|---:|---:|---:|")
    for workers, wall, pages in rows:
        print(
            f"| {workers} | {wall:.1f} | {pages} | {pages / wall:.0f} | {base / wall:.2f}× | {base / wall / workers:.0%} |"
        )


if __name__ == "__main__":
    main()
