"""Import time per portal record: read, map, merge, write YAML and sidecar (no slip rendering).

.venv/bin/python bench/import_portal.py                      # the 20 samples in tests/fixtures/portal
.venv/bin/python bench/import_portal.py DIR --runs 5         # any folder of portal detail JSON files

Each run imports every record into a fresh copy of tests/fixtures/mini/procedures (a first import), then
imports them again over the result (a re-import that finds nothing changed). The table gives the median
milliseconds per record over the runs; the folder check at the end of an import is timed separately.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from phieu.load import load_catalog
from phieu.staff import portal

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 11, 29)


def _one_pass(
    files: list[Path], root: Path, fields: portal._Fields, existing: dict[str, Path]
) -> dict[str, float]:
    times = {}
    for path in files:
        start = time.perf_counter()
        outcome = portal.import_one(portal.read_portal_file(path), root, fields, existing, TODAY)
        times[path.stem] = (time.perf_counter() - start) * 1000
        if outcome.action == "skipped":
            raise SystemExit(f"{path}: {outcome.problems[0]}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folder", nargs="?", default=str(ROOT / "tests" / "fixtures" / "portal"))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    files = sorted(Path(args.folder).glob("*.json"))
    first: dict[str, list[float]] = {p.stem: [] for p in files}
    again: dict[str, list[float]] = {p.stem: [] for p in files}
    check: list[float] = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / "procedures"
            shutil.copytree(ROOT / "tests" / "fixtures" / "mini" / "procedures", root)
            fields = portal._Fields(root)
            existing = {p.stem: p for p in load_catalog(root).sources.values()}
            for code, ms in _one_pass(files, root, fields, existing).items():
                first[code].append(ms)
            start = time.perf_counter()
            load_catalog(root)
            check.append((time.perf_counter() - start) * 1000)
            for code, ms in _one_pass(files, root, fields, existing).items():
                again[code].append(ms)
    print("| record | size (KB) | first import (ms) | re-import, unchanged (ms) |\n|---|---:|---:|---:|")
    for path in files:
        size = path.stat().st_size / 1024
        print(
            f"| {path.stem} | {size:.0f} | {statistics.median(first[path.stem]):.1f} | {statistics.median(again[path.stem]):.1f} |"
        )
    total_first = sum(statistics.median(v) for v in first.values())
    total_again = sum(statistics.median(v) for v in again.values())
    n = len(files)
    print(
        f"| **all {n}** | | {total_first:.0f} ({total_first / n:.1f}/record) | {total_again:.0f} ({total_again / n:.1f}/record) |"
    )
    print(
        f"\nFolder check after the import (load_catalog, {n} + 5 procedures): {statistics.median(check):.0f} ms; median of {args.runs} runs."
    )


if __name__ == "__main__":
    main()
