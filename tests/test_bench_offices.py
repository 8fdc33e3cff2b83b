"""bench/offices.py runs end to end on a small corpus and reports every row issue 14 asks for, with the counts
that show what a change remakes (bench/corpus.py's offices, over one shared cache)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from tests.conftest import EPOCH, ROOT


def test_the_offices_bench_prints_every_row_with_its_counts() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "offices.py"), "--quick"],
        env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH},
        capture_output=True,
        text=True,
        check=True,
        timeout=1800,
    ).stdout
    rows = {
        line.split("|")[1].strip(): line
        for line in out.splitlines()
        if line.startswith("| ") and "---" not in line
    }
    wanted = [
        "cold, 1 office × 24",
        "cold, 3 offices × 24",
        "warm, 3 × 24 (nothing changed)",
        "one office's phone changed: rebuild vs warm",
        "peak memory, cold 3 × 24",
        "whole render of a shipped one-page slip, CPU",
    ]
    for name in wanted:
        assert name in rows, (name, out)
    assert any(name.startswith("slip per office slip, amortised") for name in rows)
    assert any(name.startswith("one national record") for name in rows)
    assert any(name.startswith("projection, 100 × 24") for name in rows)
    # Counts, not only times: a warm run makes nothing; a phone change remakes that office's slips and the packs
    # that hold them, never a body, a poster or a table tent; a national change remakes one body and one slip
    # per office.
    assert "made nothing" in rows["warm, 3 × 24 (nothing changed)"]
    phone = rows["one office's phone changed: rebuild vs warm"]
    assert re.search(r"made .*\b24 slip\b", phone) and not re.search(
        r"\b(body|poster|tent)\b", phone.split("made")[1]
    )
    national = next(line for name, line in rows.items() if name.startswith("one national record"))
    made = national.split("made", 1)[1]
    assert re.search(r"\b1 body\b", made) and re.search(r"\b3 slip\b", made), national
    cold = rows["cold, 3 offices × 24"]
    assert re.search(r"\b24 body\b", cold) and re.search(r"\b72 slip\b", cold), (
        cold
    )  # bodies once for 3 offices
    assert re.search(r"\d+ MiB PSS", rows["peak memory, cold 3 × 24"])
