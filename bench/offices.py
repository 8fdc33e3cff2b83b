"""Offices × procedures: how a province's PDF stage scales (issue 14). Prints a table measured in one run.

    .venv/bin/python bench/offices.py              # 10 offices × 400 procedures: a few minutes on 2 cores
    .venv/bin/python bench/offices.py --quick      # 3 offices × 24 procedures (the test runs this)

It drives the PDF stage directly, as a province's build does for each office's site: one Publisher per
office, one after another, over one shared cache, each scenario in a process of its own (its CPU time
includes its worker processes). MkDocs' pages are not built (about 16 ms a page for each office's site;
bench/run.py measures them). The offices come from bench/corpus.py: each its own name, address, phone,
counters, 0-3 reception points and site; one office receives nothing "without appointment".
"""

from __future__ import annotations

import argparse
import json
import os
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
from corpus import SOURCE, _dump, generate, offices  # noqa: E402
from run import wait_sampling  # noqa: E402

PYTHON = sys.executable
ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1764374400", "CI": "1"}
THEME = ROOT / "theme"
SIZE = "A5"


# --- one scenario, in its own process ---------------------------------------------------------------


def forkserver_cpu() -> float:
    """CPU seconds of the PDF workers' forkserver and of the workers it forked and reaped: they are not
    this process's children, so its own resource usage leaves them out."""
    from multiprocessing import forkserver

    pid = forkserver._forkserver._forkserver_pid  # type: ignore[attr-defined]
    if not pid:
        return 0.0
    time.sleep(0.3)  # the last pool's workers reaped
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")  # utime stime cutime cstime


def stage(corpus: Path, cache: Path, count: int, phone_office: int | None, phone_number: str) -> dict:
    """Every office's PDFs over the shared ``cache``; what was made, by kind."""
    from phieu import load_catalog
    from phieu.publish.plan import shared_new_page
    from phieu.publish.publisher import Publisher

    catalog = load_catalog(corpus)
    phone = {phone_office: phone_number} if phone_office is not None else None
    before = {p.stem for p in cache.glob("*/*.json")} if cache.exists() else set()
    kinds: dict[str, str] = {}
    start = time.perf_counter()
    for _, office_catalog in offices(catalog, count, phone=phone):
        publisher = Publisher(office_catalog, THEME, site_url=office_catalog.office.site_url, cache_dir=cache)
        publisher.render_all()
        kinds.update({job.key: job.kind for job in publisher.plan.jobs})
        kinds.update(
            {
                shared_new_page(job.needs[0]): "shared new-page copy"
                for job in publisher.plan.jobs
                if job.kind == "new-page"
            }
        )
    seconds = time.perf_counter() - start
    made: dict[str, int] = {}
    for key in {p.stem for p in cache.glob("*/*.json")} - before:
        kind = kinds.get(key, "?")
        if kind == "new-page" and not json.loads((cache / key[:2] / f"{key}.json").read_text())["pages"]:
            kind = "new-page (none needed)"  # an empty entry: the body leaves room for the rows
        made[kind] = made.get(kind, 0) + 1
    return {"wall": seconds, "made": made, "jobs": len(kinds), "forkserver_cpu": forkserver_cpu()}


def run_stage(args: list[str]) -> tuple[dict, float, int, int]:
    """Run one scenario; (its report, its CPU seconds with its workers', peak RSS MiB, peak PSS MiB)."""
    with tempfile.TemporaryFile() as log, tempfile.TemporaryFile() as out:
        process = subprocess.Popen(
            [PYTHON, __file__, "--stage", *args], env=ENV, stdout=out, stderr=log, cwd=ROOT
        )
        status, usage, peak = wait_sampling(process, every=0.5)
        if os.waitstatus_to_exitcode(status) != 0:
            log.seek(0)
            raise SystemExit(f"scenario failed: {args}\n{log.read().decode()[-3000:]}")
        out.seek(0)
        report = json.loads(out.read().decode().strip().splitlines()[-1])
    cpu_s = usage.ru_utime + usage.ru_stime + report["forkserver_cpu"]
    return report, cpu_s, usage.ru_maxrss // 1024, peak // 1024


# --- per-item costs, in this process ----------------------------------------------------------------


def cpu(function, *args):
    start = time.process_time()
    result = function(*args)
    return result, time.process_time() - start


def items(corpus: Path, count: int, sample: int) -> dict:
    """CPU seconds per item, one core: bodies, new-page bodies, compositions, whole renders, a field's
    poster and tent bodies, and each office's own per-field PDFs (poster and tent composed, imposed pack,
    pack)."""
    from phieu import load_catalog
    from phieu.publish.impose import TENT_FACE_MM, imposed_pack, tent_sheet
    from phieu.publish.packs import assemble_pack
    from phieu.render.compose import needs_new_page
    from phieu.render.slip import SlipRenderer

    catalog = load_catalog(corpus)
    sites = offices(catalog, count)
    renderers = [SlipRenderer(c, THEME, site_url=c.office.site_url) for _, c in sites]
    codes = [p.code for p in catalog.procedures[:: max(1, len(catalog.procedures) // sample)]][:sample]
    first = renderers[0]
    for code in codes[:2]:  # fonts, frames and caches warmed, as in a build
        first.slip(first.catalog.procedure(code), SIZE)
    for r in renderers:
        r.frame(r.catalog.procedure(codes[0]), SIZE)
    full = [cpu(first.slip, first.catalog.procedure(code), SIZE)[1] for code in codes]
    bodies, body_s = {}, []
    for r in renderers:  # one body per distinct body spec, as the shared cache keeps them
        for code in codes:
            p = r.catalog.procedure(code)
            spec = json.dumps(r.body_spec(p, SIZE).__dict__, sort_keys=True, default=str)
            if spec not in bodies:
                bodies[spec], seconds = cpu(r.body, p, SIZE)
                body_s.append(seconds)
    new_pages, new_page_s, compose_s = {}, [], []
    for r in renderers:
        for code in codes:
            p = r.catalog.procedure(code)
            spec = json.dumps(r.body_spec(p, SIZE).__dict__, sort_keys=True, default=str)
            step = r.where_step(p, SIZE)
            body = bodies[spec].content
            # As the shared cache does: one new-page variant per body, for every office whose rows need it.
            if needs_new_page(body, step) and spec not in new_pages:
                new_pages[spec], seconds = cpu(r.new_page_body, p, SIZE, step, body)
                new_page_s.append(seconds)
            new_page = new_pages[spec].content if needs_new_page(body, step) else b""
            _, seconds = cpu(r.composed, p, SIZE, body, new_page)
            compose_s.append(seconds)
    field = catalog.field(catalog.procedure(codes[0]).field)
    for r in renderers:  # each office's poster and tent parts laid out once, as in a build
        r.poster_spec(field)
        r.tent_spec(field, *TENT_FACE_MM)
    poster_body, poster_body_s = cpu(first.poster_body, field)
    tent_body, tent_body_s = cpu(first.tent_body, field, *TENT_FACE_MM)
    poster = [cpu(r.poster, field, poster_body.content)[1] for r in renderers]
    tent = [cpu(tent_sheet, r, field, tent_body.content)[1] for r in renderers]
    slips = [first.slip(p, SIZE).content for p in first.catalog.in_field(field.id)]
    imposed = [cpu(imposed_pack, r, field, SIZE, slips, None)[1] for r in renderers[:3]]
    pack = [cpu(assemble_pack, slips, True, "x")[1] for _ in renderers[:3]]
    return {
        "sample": len(codes),
        "fields": len(catalog.fields),
        "offices": count,
        "full": statistics.mean(full),
        "body": statistics.mean(body_s),
        "bodies": len(bodies),
        "new_page": statistics.mean(new_page_s) if new_page_s else 0.0,
        "new_pages": len(new_page_s),
        "compose": statistics.mean(compose_s),
        "composed": len(compose_s),
        "field_bodies": poster_body_s + tent_body_s,
        "field_pdfs": statistics.mean(poster)
        + statistics.mean(tent)
        + statistics.mean(imposed)
        + statistics.mean(pack),
        "per_slip_amortised": (sum(body_s) + sum(new_page_s) + sum(compose_s)) / len(compose_s),
    }


def shipped_full_render() -> dict:
    """A whole render of each shipped one-page slip (the single office's data), the median of each slip's
    fastest of 3; and, in the same process, PERF.md's equivalent slip (title, 10-row table, SVG QR code,
    fonts and CSS shared) as the yardstick for this machine's speed."""
    from phieu import load_catalog
    from phieu.render.qr import make_qr
    from phieu.render.slip import SlipRenderer
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    catalog = load_catalog(SOURCE)
    r = SlipRenderer(catalog, THEME, site_url="https://phieu.example.vn/")
    fonts = FontConfiguration()
    css = CSS(
        string="@page { size: A5; margin: 10mm } body { font: 9pt 'Noto Sans' } .qr { float: right; width: 34mm;"
        " height: 34mm } table { width: 100%; border-collapse: collapse } td { border-bottom: 0.5pt solid #999 }",
        font_config=fonts,
    )
    rows = "".join(
        f"<tr><td>Giấy tờ số {i}: bản sao giấy khai sinh</td><td>1 bản chính</td></tr>" for i in range(10)
    )
    svg = make_qr("https://phieu.example.vn/q/1.001193/").svg
    html = f'<html lang="vi"><title>x</title><div class="qr">{svg}</div><h1>Đăng ký khai sinh</h1><table>{rows}</table>'

    def reference() -> None:
        HTML(string=html).render(stylesheets=[css], font_config=fonts).write_pdf(pdf_tags=True)

    one_page = [p for p in catalog.procedures if r.slip(p, SIZE).pages == 1]
    times = {p.code: [] for p in one_page}
    yardstick = []
    for _ in range(3):
        for p in one_page:
            times[p.code].append(cpu(r.slip, p, SIZE)[1])
            yardstick.append(cpu(reference)[1])
    fastest = sorted(min(v) for v in times.values())
    return {
        "slips": len(fastest),
        "median": statistics.median(fastest),
        "max": fastest[-1],
        "reference": min(yardstick),
    }


# --- the table ----------------------------------------------------------------------------------------


def edit_one_record(corpus: Path) -> str:
    """Change one record's time limit, as a national text change would (printed on its slip, not its poster)."""
    path = sorted(corpus.glob("*/*.yml"))[0]
    record = yaml.safe_load(path.read_text(encoding="utf-8"))
    record["cases"][0]["time"] += " (sửa đổi)"
    path.write_text(_dump(record, "../../schema/procedure.schema.json"), encoding="utf-8")
    return path.stem


def main() -> None:
    parser = argparse.ArgumentParser(description="phieu offices × procedures benchmark")
    parser.add_argument("--offices", type=int, default=10)
    parser.add_argument("--n", type=int, default=400)
    parser.add_argument("--sample", type=int, default=40, help="procedures in the per-item rows")
    parser.add_argument("--quick", action="store_true", help="3 offices × 24 procedures, sample 6")
    parser.add_argument("--stage", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage is not None:
        corpus, cache, count, phone, number = args.stage
        report = stage(Path(corpus), Path(cache), int(count), None if phone == "-" else int(phone), number)
        print(json.dumps(report))
        return
    if args.quick:
        args.offices, args.n, args.sample = 3, 24, 6
    k, n = args.offices, args.n

    with tempfile.TemporaryDirectory() as tmp:
        corpus, one_cache, cache = Path(tmp) / "corpus", Path(tmp) / "cache-1", Path(tmp) / "cache"
        generate(n, corpus)
        print(f"corpus: {n} procedures; {k} offices", file=sys.stderr)
        one, one_cpu, _, _ = run_stage([str(corpus), str(one_cache), "1", "-", "-"])
        cold, cold_cpu, cold_rss, cold_pss = run_stage([str(corpus), str(cache), str(k), "-", "-"])
        print("cold runs done", file=sys.stderr)
        warm, warm_cpu, _, _ = run_stage([str(corpus), str(cache), str(k), "-", "-"])
        # The phone row, three times (another number each time, so each rebuild remakes that office's PDFs),
        # each rebuild against the warm run that follows it; the median pair by wall-time ratio is reported.
        pairs = []
        for number in ("0277 3999 000", "0277 3999 001", "0277 3999 002"):
            changed = run_stage([str(corpus), str(cache), str(k), "1", number])
            pairs.append((changed, run_stage([str(corpus), str(cache), str(k), "1", number])))
        pairs.sort(key=lambda pair: pair[0][0]["wall"] / pair[1][0]["wall"])
        (phone, phone_cpu, _, _), (warm2, warm2_cpu, _, _) = pairs[1]
        phone_ratios = ", ".join(f"{a[0]['wall'] / b[0]['wall']:.2f}×" for a, b in pairs)
        code = edit_one_record(corpus)
        national, national_cpu, _, _ = run_stage([str(corpus), str(cache), str(k), "1", "0277 3999 002"])
        print("rebuilds done", file=sys.stderr)
        per = items(corpus, k, args.sample)
        shipped = shipped_full_render()
        shutil.rmtree(cache, ignore_errors=True)

    def made(report: dict) -> str:
        return ", ".join(f"{v} {kind}" for kind, v in sorted(report["made"].items())) or "nothing"

    ms = 1000
    print(
        f"\nphieu offices × procedures: {k} offices × {n} procedures, {os.cpu_count()} CPUs, PDF stage only"
    )
    print("(one Publisher per office over one shared cache, as a province build runs; no MkDocs pages)\n")
    print("| row | measured | target |\n|---|---|---|")
    print(f"| cold, 1 office × {n} | {one['wall']:.1f} s wall, {one_cpu:.1f} s CPU; made {made(one)} | |")
    print(
        f"| cold, {k} offices × {n} | {cold['wall']:.1f} s wall, {cold_cpu:.1f} s CPU: "
        f"**{cold['wall'] / one['wall']:.2f}×** wall, {cold_cpu / one_cpu:.2f}× CPU of one office; "
        f"made {made(cold)} | ≤ 2.5× |"
    )
    print(
        f"| slip per office slip, amortised, vs a whole WeasyPrint render per slip ({per['offices']} offices × "
        f"{per['sample']} procedures, one core) | {per['per_slip_amortised'] * ms:.1f} ms (body "
        f"{per['body'] * ms:.0f} ms × {per['bodies']}, new-page body × {per['new_pages']}, composition "
        f"{per['compose'] * ms:.1f} ms × {per['composed']}) vs {per['full'] * ms:.0f} ms: "
        f"**{per['full'] / per['per_slip_amortised']:.1f}× faster** | ≥ 5× |"
    )
    print(
        f"| warm, {k} × {n} (nothing changed) | {warm['wall']:.1f} s wall, {warm_cpu:.1f} s CPU; made {made(warm)} | |"
    )
    print(
        f"| one office's phone changed: rebuild vs warm | {phone['wall']:.1f} s vs {warm2['wall']:.1f} s: "
        f"**{phone['wall'] / warm2['wall']:.2f}×** wall ({phone_cpu / warm2_cpu:.2f}× CPU), the median of three "
        f"({phone_ratios}); made {made(phone)} | ≤ 1.2× |"
    )
    print(
        f"| one national record ({code}) changed: rebuild | {national['wall']:.1f} s wall, {national_cpu:.1f} s "
        f"CPU ({national['wall'] / warm2['wall']:.2f}× warm); made {made(national)} | its body once, a "
        f"composition per office |"
    )
    print(
        f"| peak memory, cold {k} × {n} | {cold_pss} MiB PSS, all processes together; largest process "
        f"{cold_rss} MiB RSS | ≤ 1.5 GiB |"
    )
    print(
        f"| whole render of a shipped one-page slip, CPU | median {shipped['median'] * ms:.0f} ms, slowest "
        f"{shipped['max'] * ms:.0f} ms ({shipped['slips']} slips); PERF.md's equivalent slip (51 ms there) "
        f"{shipped['reference'] * ms:.0f} ms here: median **{shipped['median'] / shipped['reference'] * 51:.0f} ms** "
        f"at PERF.md's speed | ≤ 60 ms |"
    )
    # Projection: bodies per procedure saturate (they come from same-visit variants and the offices' rows'
    # heights, not from the number of offices); compositions, each office's per-field PDFs and its plan (the
    # warm run: keys, cache reads) grow with the offices.
    fields = per["fields"]
    bodies = cold["made"].get("body", 0) + cold["made"].get("new-page", 0)
    field_bodies = cold["made"].get("poster-body", 0) + cold["made"].get("tent-body", 0)
    plan = warm_cpu / k
    for offices_count in (k, 100):
        cpu_s = (
            bodies * per["body"]
            + field_bodies * per["field_bodies"] / 2
            + offices_count * n * per["compose"]
            + offices_count * fields * per["field_pdfs"]
            + offices_count * plan
        )
        print(
            f"| projection, {offices_count} × {n}, from per-item CPU: {bodies} bodies × {per['body'] * ms:.0f} ms + "
            f"{field_bodies} poster and tent bodies × {per['field_bodies'] / 2 * ms:.0f} ms + "
            f"{offices_count * n} compositions × {per['compose'] * ms:.1f} ms + {offices_count * fields} fields × "
            f"{per['field_pdfs'] * ms:.0f} ms (poster, tent, imposed pack, pack) + {offices_count} plans × {plan:.1f} s"
            f" | {cpu_s / 60:.1f} min CPU, ≈ {cpu_s / 120:.1f} min on 2 cores"
            + (f" (measured: {cold_cpu / 60:.1f} min CPU)" if offices_count == k else "")
            + " | |"
        )


if __name__ == "__main__":
    main()
