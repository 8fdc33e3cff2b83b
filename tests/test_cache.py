"""The PDF stage: parallel equals serial, and the content-hash cache invalidates exactly what changed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from pathlib import Path

import pytest
from phieu import load_catalog
from phieu.publish import run as publish_run
from phieu.publish.publisher import Publisher

from tests.conftest import ROOT, SINGLE_OFFICE, build, copy_project, tree_digest, use_plugin_options

SITE = "https://phieu.example.vn/"


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(SINGLE_OFFICE)


def keys(pub: Publisher) -> dict[str, str]:
    """Cache key of every published PDF, by its path in the site."""
    return {job.path: job.key for job in pub.plan.jobs if job.path}


def test_parallel_output_equals_serial_byte_for_byte(
    catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(publish_run, "PARALLEL_MIN_JOBS", 1)  # force the pool even for a small catalog
    small = dataclasses.replace(catalog, procedures=catalog.procedures[:6])
    serial = Publisher(small, ROOT / "theme", site_url=SITE, cache_dir=tmp_path / "a", workers=1).render_all()
    parallel = Publisher(
        small, ROOT / "theme", site_url=SITE, cache_dir=tmp_path / "b", workers=2
    ).render_all()
    assert serial.rendered == parallel.rendered == len(serial.artifacts)
    assert serial.files == parallel.files


def test_site_built_with_the_background_pool_equals_the_serial_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # With a pool, PDFs are made on a background thread while MkDocs builds the pages, then written
    # into the site and listed on the printing page at the end: the site must not differ by a byte.
    monkeypatch.setattr(publish_run, "PARALLEL_MIN_JOBS", 1)
    digests = {}
    for workers in (1, 2):
        project = copy_project(tmp_path / f"workers-{workers}")
        use_plugin_options(project, workers=workers)
        assert build(project) == 0
        digests[workers] = tree_digest(project / "site")
    assert digests[1] == digests[2]
    printing = (project / "site" / "in-an" / "index.html").read_text(encoding="utf-8")
    assert "phieu:bang-" not in printing
    pdfs = [path for path in digests[2] if path.startswith("pdf/")]
    assert len(pdfs) == 17 + 2 + 2 + 2 + 2  # slips, posters, table tents, packs, imposed packs
    for path in pdfs:
        assert digests[2][path] in printing, path


def invalidated_by(catalog, edited) -> set[str]:
    """Published PDFs whose cache key changes when ``edited`` replaces the procedure with its code."""
    changed = dataclasses.replace(
        catalog, procedures=tuple(edited if p.code == edited.code else p for p in catalog.procedures)
    )
    before = keys(Publisher(catalog, ROOT / "theme", site_url=SITE))
    after = keys(Publisher(changed, ROOT / "theme", site_url=SITE))
    return {path for path in before if before[path] != after[path]}


def test_a_fee_edit_invalidates_its_slip_and_its_packs_only(catalog):
    target = catalog.procedure("2.000815")
    case = target.cases[0].model_copy(update={"fee": target.cases[0].fee.model_copy(update={"amount": 3000})})
    edited = target.model_copy(update={"cases": [case, *target.cases[1:]]})
    assert invalidated_by(catalog, edited) == {
        "pdf/phieu-2.000815.pdf",
        "pdf/goi-in-chung-thuc-a5.pdf",
        "pdf/binh-trang-chung-thuc-a5x2.pdf",
    }


def test_an_edit_that_changes_the_date_also_reprints_the_field_poster(catalog):
    edited = catalog.procedure("2.000815").model_copy(update={"updated": dt.date(2030, 1, 1)})
    assert invalidated_by(catalog, edited) == {
        "pdf/phieu-2.000815.pdf",
        "pdf/goi-in-chung-thuc-a5.pdf",
        "pdf/binh-trang-chung-thuc-a5x2.pdf",
        "pdf/ap-phich-chung-thuc.pdf",
    }


def test_a_template_change_invalidates_every_pdf(catalog, tmp_path: Path):
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    before = keys(Publisher(catalog, theme, site_url=SITE, cache_dir=tmp_path))
    css = theme / "slip" / "slip.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n/* changed */\n", encoding="utf-8")
    after = keys(Publisher(catalog, theme, site_url=SITE, cache_dir=tmp_path))
    assert all(before[path] != after[path] for path in before)


def test_site_url_change_invalidates_every_pdf(catalog, tmp_path: Path):
    before = keys(Publisher(catalog, ROOT / "theme", site_url=SITE, cache_dir=tmp_path))
    after = keys(
        Publisher(catalog, ROOT / "theme", site_url="https://xem-truoc.invalid/", cache_dir=tmp_path)
    )
    assert all(before[path] != after[path] for path in before)


def test_a_truncated_cache_file_is_rebuilt_not_published(catalog, tmp_path: Path):
    one = dataclasses.replace(catalog, procedures=catalog.procedures[:1], fields=catalog.fields[:1])
    first = Publisher(one, ROOT / "theme", site_url=SITE, cache_dir=tmp_path).render_all()
    assert first.reused == 0
    second = Publisher(one, ROOT / "theme", site_url=SITE, cache_dir=tmp_path).render_all()
    assert second.rendered == 0 and second.files == first.files
    published = {a.content: a.path for a in first.artifacts}
    victim = next(p for p in sorted(tmp_path.rglob("*.pdf")) if p.read_bytes() in published)
    victim.write_bytes(victim.read_bytes()[:100])
    third = Publisher(one, ROOT / "theme", site_url=SITE, cache_dir=tmp_path).render_all()
    assert third.rendered == 1
    assert third.files == first.files  # the damaged entry was rendered again, never published
