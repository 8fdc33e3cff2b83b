"""Composing print sheets from rendered slips: pypdf against pikepdf (qpdf), measured in one run.

    .venv/bin/python bench/impose.py [--runs 5]

Renders the shipped slips (A5) once, then times, per library: the print pack (slips concatenated, each
page grown by 3 mm of bleed with crop marks) and the A5 2-up imposition (each slip page placed as a Form
XObject on a labels page). pypdf's page merge (``merge_transformed_page``), the obvious way to impose,
is timed too. phieu uses the pikepdf rows (``phieu.publish.packs`` and ``phieu.publish.impose``); the
pypdf versions live only here, for the comparison. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import pikepdf
from phieu import load_catalog
from phieu.publish import impose as phieu_impose
from phieu.publish.packs import assemble_pack
from phieu.render.slip import SlipRenderer
from pypdf import PdfReader, PdfWriter, Transformation
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    EncodedStreamObject,
    FloatObject,
    NameObject,
    RectangleObject,
    StreamObject,
)

ROOT = Path(__file__).resolve().parents[1]
MM = phieu_impose.MM
LAYOUT = phieu_impose.LAYOUTS["A5"]


def _stream(writer: PdfWriter, data: bytes):
    stream = DecodedStreamObject()
    stream.set_data(data)
    return writer._add_object(stream)


def pypdf_pack(slips: list[bytes]) -> bytes:
    """The pack as phieu assembled it with pypdf until this benchmark (content streams kept)."""
    writer = PdfWriter()
    b = phieu_impose.BLEED_MM * MM
    for content in slips:
        for source in PdfReader(io.BytesIO(content)).pages:
            page = writer.add_page(source)
            width, height = float(page.mediabox.width), float(page.mediabox.height)
            sheet = RectangleObject([-b, -b, width + b, height + b])
            page.trimbox = RectangleObject([0, 0, width, height])
            page.mediabox = page.bleedbox = sheet
            contents = page["/Contents"].get_object()
            original = list(contents) if isinstance(contents, ArrayObject) else [page.raw_get("/Contents")]
            marks = phieu_impose.lines([(-1, 0, -3, 0), (0, -1, 0, -3)])  # the drawing is not what is timed
            page[NameObject("/Contents")] = ArrayObject(
                [_stream(writer, b"q\n"), *original, _stream(writer, b"\nQ\n"), _stream(writer, marks)]
            )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _form(writer: PdfWriter, page) -> StreamObject:
    """A slip page as a Form XObject: its content stream as is (compressed) when it has one, else its
    streams joined, its resources cloned."""
    source = page["/Contents"].get_object()
    if isinstance(source, ArrayObject):  # a composed slip: several streams, joined (decoded)
        form = DecodedStreamObject()
        form.set_data(page.get_contents().get_data())
    else:
        form = EncodedStreamObject() if "/Filter" in source else DecodedStreamObject()
        form._data = source._data
        if "/Filter" in source:
            form[NameObject("/Filter")] = source["/Filter"]
    form[NameObject("/Type")] = NameObject("/XObject")
    form[NameObject("/Subtype")] = NameObject("/Form")
    form[NameObject("/BBox")] = ArrayObject([FloatObject(v) for v in page.mediabox])
    form[NameObject("/Resources")] = page["/Resources"].clone(writer)
    return writer._add_object(form)


def pypdf_impose(slips: list[bytes], labels: bytes, merge: bool = False) -> bytes:
    """A5 2-up with pypdf: Form XObjects placed with ``cm``, or (``merge``) pages merged."""
    pages = [page for content in slips for page in PdfReader(io.BytesIO(content)).pages]
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(labels)))
    sides = phieu_impose.plan_sides(LAYOUT, [1] * len(pages))
    for side, sheet in zip(sides, writer.pages, strict=True):
        resources = DictionaryObject()
        ops = []
        for slip, _, col, row in side.slots:
            x0, y0, _, _ = LAYOUT.trim_mm(col, row)
            if merge:
                sheet.merge_transformed_page(pages[slip], Transformation().translate(x0 * MM, y0 * MM))
                continue
            name = f"/P{slip}"
            resources[NameObject(name)] = _form(writer, pages[slip])
            ops.append(f"q 1 0 0 1 {x0 * MM:.3f} {y0 * MM:.3f} cm {name} Do Q".encode())
        if not merge:
            sheet[NameObject("/Resources")][NameObject("/XObject")] = resources
            contents = sheet["/Contents"].get_object()
            original = list(contents) if isinstance(contents, ArrayObject) else [sheet.raw_get("/Contents")]
            wrapped = [_stream(writer, b"q\n"), *original, _stream(writer, b"\nQ\n")]
            sheet[NameObject("/Contents")] = ArrayObject([*wrapped, _stream(writer, b"\n".join(ops))])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def timed(make: Callable[[], bytes], runs: int) -> tuple[float, bytes, bool]:
    """Median seconds of ``runs`` calls, the output, and whether every call gave the same bytes."""
    first = make()
    times, same = [], True
    for _ in range(runs):
        start = time.perf_counter()
        again = make()
        times.append(time.perf_counter() - start)
        same = same and again == first
    return statistics.median(times), first, same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    catalog = load_catalog(ROOT / "tests" / "fixtures" / "single-office" / "procedures")
    renderer = SlipRenderer(catalog, ROOT / "theme", site_url="https://phieu.example.vn/")
    slips = [renderer.slip(p, "A5").content for p in catalog.procedures]
    sides = phieu_impose.plan_sides(LAYOUT, [1] * len(slips))
    width, height = LAYOUT.sheet_mm

    def blank_sides() -> bytes:
        """One blank page per printed side at the sheet's size: what pypdf places the slips onto."""
        pdf = pikepdf.new()
        for _ in sides:
            pdf.add_blank_page(page_size=(width * MM, height * MM))
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()

    labels = blank_sides()
    field = catalog.fields[0]
    rows = [
        ("pack: concatenate, bleed, crop marks", "pypdf", lambda: pypdf_pack(slips)),
        (
            "pack: concatenate, bleed, crop marks",
            "pikepdf",
            lambda: assemble_pack(slips, True, "bench").content,
        ),
        (
            "A5 2-up: page merge",
            "pypdf merge_transformed_page",
            lambda: pypdf_impose(slips, labels, merge=True),
        ),
        ("A5 2-up: Form XObjects", "pypdf", lambda: pypdf_impose(slips, labels)),
        (
            "A5 2-up: Form XObjects, slug lines drawn",
            "pikepdf",
            lambda: phieu_impose.imposed_pack(renderer, field, "A5", slips, None).content,
        ),
    ]
    n = len(slips)
    print(f"{n} shipped A5 slips, {len(sides)} sheets; median of {args.runs} runs")
    print("| operation | library | ms per slip | ms per sheet side | output KiB | same bytes every run |")
    print("|---|---|---:|---:|---:|---|")
    for operation, library, make in rows:
        seconds, output, same = timed(make, args.runs)
        per_side = seconds / len(sides) * 1000 if "2-up" in operation else seconds / n * 1000
        print(
            f"| {operation} | {library} | {seconds / n * 1000:.1f} | {per_side:.1f} | "
            f"{len(output) / 1024:.0f} | {'yes' if same else 'no'} |"
        )


if __name__ == "__main__":
    main()
