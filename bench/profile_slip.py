"""Where a slip's time goes: HTML, WeasyPrint layout, PDF writing; and a naive per-document loop.

.venv/bin/python bench/corpus.py --n 200 --out /tmp/corpus200
.venv/bin/python bench/profile_slip.py /tmp/corpus200
"""

import sys
import time
from pathlib import Path

from phieu import load_catalog
from phieu.render.slip import PDF_OPTIONS, SlipRenderer
from weasyprint import CSS, HTML

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    catalog = load_catalog(
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else ROOT / "tests" / "fixtures" / "single-office" / "procedures"
    )
    renderer = SlipRenderer(catalog, ROOT / "theme", site_url="https://phieu.example.vn/")
    procedures = catalog.procedures[:30]
    n = len(procedures)
    start = time.perf_counter()
    htmls = [renderer.slip_html([p], "A5", p.name) for p in procedures]
    html_s = time.perf_counter() - start
    css = [renderer.stylesheet, renderer._page_css("A5")]
    start = time.perf_counter()
    docs = [
        HTML(string=h, base_url=renderer.base_url, url_fetcher=renderer.fetcher).render(
            stylesheets=css, font_config=renderer.fonts
        )
        for h in htmls
    ]
    layout_s = time.perf_counter() - start
    start = time.perf_counter()
    for d in docs:
        d.write_pdf(**PDF_OPTIONS)
    write_s = time.perf_counter() - start
    start = time.perf_counter()
    for h in htmls:
        HTML(string=h, base_url=renderer.base_url).write_pdf(
            stylesheets=[
                CSS(filename=str(ROOT / "theme" / "slip" / "slip.css")),
                CSS(string="@page { size: A5 }"),
            ]
        )
    naive_s = time.perf_counter() - start
    pages = sum(len(d.pages) for d in docs) / n
    print(f"{n} slips, {pages:.1f} pages each (ms per slip)")
    print("| HTML | layout | write_pdf | ours total | naive (own fonts and CSS per slip) |")
    print("|---:|---:|---:|---:|---:|")
    ours = (html_s + layout_s + write_s) / n * 1000
    print(
        f"| {html_s / n * 1000:.0f} | {layout_s / n * 1000:.0f} | {write_s / n * 1000:.0f} | {ours:.0f} | {naive_s / n * 1000:.0f} |"
    )


if __name__ == "__main__":
    main()
