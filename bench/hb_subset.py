"""Slip stage on the shipped data with HarfBuzz subsetting and with WeasyPrint's fontTools fallback.

.venv/bin/python bench/hb_subset.py
"""

import logging
import statistics
import time
from pathlib import Path

import weasyprint.pdf.fonts as fonts
from phieu import load_catalog
from phieu.render.slip import SlipRenderer

logging.getLogger("weasyprint").setLevel(logging.ERROR)
cat = load_catalog(Path("tests/fixtures/single-office/procedures"))  # a single office's data
r = SlipRenderer(cat, Path("theme"), site_url="https://phieu.example.vn/")
hb = fonts.harfbuzz_subset
res = {"with hb-subset": [], "fontTools": []}
for _round in range(3):
    for name, lib in (("with hb-subset", hb), ("fontTools", None)):
        fonts.harfbuzz_subset = lib
        t = time.perf_counter()
        for p in cat.procedures:
            r.slip(p, "A5")
        res[name].append(time.perf_counter() - t)
for k, v in res.items():
    print(
        f"{k}: median {statistics.median(v):.2f} s for {len(cat.procedures)} slips ({statistics.median(v) / len(cat.procedures) * 1000:.0f} ms/slip)"
    )
