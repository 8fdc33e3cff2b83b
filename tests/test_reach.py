"""Reach: countable QR codes that lead to their page, link previews (Open Graph, Twitter, JSON-LD) with
a preview image per field, the offline service worker, the optional self-hosted counter, and the
printing page on a phone. Browser checks run in Debian's Chromium and are never skipped."""

from __future__ import annotations

import functools
import http.server
import io
import json
import threading
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from phieu import load_catalog
from phieu.publish.offline import CACHE_NAME
from phieu.render.text import fee_text
from PIL import Image

from tests.conftest import ROOT, SINGLE_OFFICE, QuietHandler, build, copy_project, use_plugin_options

MINI = ROOT / "tests" / "fixtures" / "mini" / "procedures"
ESCAPE = ROOT / "tests" / "hostile" / "escape" / "procedures"
SITE_URL = "https://phieu.example.vn/"


class Head(HTMLParser):
    """The ``<meta>`` tags and JSON-LD scripts of a page, with attribute values unescaped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, list[str]] = {}
        self.jsonld: list[str] = []
        self.scripts: list[dict[str, str | None]] = []
        self._in_jsonld = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and (attrs.get("property") or attrs.get("name")):
            self.meta.setdefault(attrs.get("property") or attrs["name"], []).append(
                attrs.get("content") or ""
            )
        if tag == "script":
            self.scripts.append(attrs)
            self._in_jsonld = attrs.get("type") == "application/ld+json"
            if self._in_jsonld:
                self.jsonld.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_jsonld = False

    def handle_data(self, data):
        if self._in_jsonld:
            self.jsonld[-1] += data


def head_of(html: str) -> Head:
    parser = Head()
    parser.feed(html)
    parser.close()
    return parser


def one_space(value: str) -> str:
    return " ".join(value.split())


# --------------------------------------------------------------------------- countable QR codes


def decode_qr(pdf: Path) -> list[tuple[str, int]]:
    """(text, QR version) of every QR code on a PDF's first page, read like a phone reads paper."""
    import pypdfium2
    import zxingcpp

    document = pypdfium2.PdfDocument(str(pdf))
    try:
        image = document[0].render(scale=150 / 72).to_pil()
    finally:
        document.close()
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert all(r.ec_level == "M" for r in found), [r.ec_level for r in found]
    return [(r.text, int(r.extra["Version"])) for r in found]


def test_every_slip_and_poster_qr_is_countable_and_leads_to_its_page(browser, site: Path, server: str):
    catalog = load_catalog(SINGLE_OFFICE)
    printed = [
        (site / "pdf" / f"phieu-{p.code}.pdf", f"q/{p.code}/", f"p/{p.code}/", p.name)
        for p in catalog.procedures
    ]
    printed += [
        (site / "pdf" / f"ap-phich-{f.id}.pdf", f"q/f/{f.id}/", f"f/{f.id}/", f.name) for f in catalog.fields
    ]
    versions = {}
    context = browser.new_context(
        viewport={"width": 360, "height": 640}, locale="vi-VN", service_workers="block"
    )
    page = context.new_page()
    try:
        for pdf, scan, target, title in printed:
            ((text, version),) = decode_qr(pdf)
            assert text == SITE_URL + scan, pdf.name
            versions[pdf.name] = version
            page.goto(server + scan)  # what a phone opens: the scan page forwards to the page
            page.wait_for_url(server + target)
            assert page.locator("article h1").inner_text() == title, scan
    finally:
        context.close()
    print("\nQR versions (error correction M):", ", ".join(f"{k} V{v}" for k, v in sorted(versions.items())))
    assert max(versions.values()) <= 4, versions


def test_the_longest_possible_code_still_fits_a_small_qr():
    from phieu import urls
    from phieu.render.qr import MAX_VERSION, MIN_MODULE_MM, make_qr
    from phieu.render.slip import QR_WIDTH_MM

    office = load_catalog(SINGLE_OFFICE).office
    longest = "1.012753." + "H" * 8  # the code pattern's longest provincial suffix
    qr = make_qr(urls.absolute(office, urls.scan(longest)))
    assert qr.version <= MAX_VERSION, qr.version
    assert qr.module_mm(QR_WIDTH_MM["A5"]) >= MIN_MODULE_MM
    assert make_qr(urls.absolute(office, urls.field_scan("x" * 20))).version <= MAX_VERSION


# --------------------------------------------------------------------------- link previews


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = copy_project(tmp_path_factory.mktemp("reach-hostile"), procedures=ESCAPE)
    use_plugin_options(project, slips="false")
    assert build(project) == 0
    return project / "site"


def test_share_tags_are_present_and_escaped_with_hostile_text(hostile_site: Path):
    catalog = load_catalog(ESCAPE)
    procedure, office = catalog.procedures[0], catalog.office
    html = (hostile_site / "p" / procedure.code / "index.html").read_text(encoding="utf-8")
    head = html.split("</head>", 1)[0]
    tags = head_of(head)
    url = f"{SITE_URL}p/{procedure.code}/"
    assert tags.meta["og:title"] == tags.meta["twitter:title"] == [procedure.name]
    assert tags.meta["og:site_name"] == [office.name]
    assert tags.meta["og:url"] == [url]
    assert tags.meta["og:locale"] == ["vi_VN"]
    assert tags.meta["og:type"] == ["website"]
    assert tags.meta["twitter:card"] == ["summary_large_image"]
    assert tags.meta["og:image"] == tags.meta["twitter:image"] == [f"{SITE_URL}og/{procedure.field}.png"]
    description = tags.meta["og:description"][0]
    assert tags.meta["twitter:description"] == [description]
    assert one_space(procedure.summary) in description
    assert "Lệ phí và thời hạn tùy trường hợp." in description and office.name in description
    assert f'<link rel="canonical" href="{url}">' in head
    # Every hostile value is text: the only scripts in the head are phieu's and Material's, none
    # opened by a YAML value, and the payloads appear only escaped.
    for script in tags.scripts:
        assert set(script) <= {"src", "type", "id", "async", "defer"}, script
        assert not (script.get("src") or "").startswith(("http:", "https:", "//")), script
    assert "<script>alert(" not in head and "<img src=x" not in head
    assert "&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;" in head
    # JSON-LD parses back to the very name, and cannot close its script element.
    assert len(tags.jsonld) == 1
    data = json.loads(tags.jsonld[0])
    assert data["@context"] == "https://schema.org" and data["@type"] == "GovernmentService"
    assert data["name"] == procedure.name and data["identifier"] == procedure.code and data["url"] == url
    assert data["provider"] == {
        "@type": "GovernmentOrganization",
        "name": office.name,
        "address": office.address,
    }
    assert "</script" not in tags.jsonld[0].lower() and "<" not in tags.jsonld[0]


def test_share_tags_on_every_procedure_page_and_jsonld_only_in_force(site: Path):
    catalog = load_catalog(SINGLE_OFFICE)
    for procedure in catalog.procedures:
        tags = head_of((site / "p" / procedure.code / "index.html").read_text(encoding="utf-8"))
        assert tags.meta["og:title"] == [procedure.name], procedure.code
        assert tags.meta["og:url"] == [f"{SITE_URL}p/{procedure.code}/"]
        description = tags.meta["og:description"][0]
        if len(procedure.cases) == 1:  # the fee as the page shows it: never an unverified amount
            case = procedure.cases[0]
            assert f"Lệ phí: {fee_text(case.fee)}" in description and "Thời hạn: " in description, description
        if procedure.in_force:
            (raw,) = tags.jsonld
            data = json.loads(raw)
            assert (
                data["@type"] == "GovernmentService"
                and data["serviceType"] == catalog.field(procedure.field).name
            )
            for offer in data.get("offers", []):  # only fees someone verified
                case = next(c for c in procedure.cases if c.name == offer["name"])
                assert (
                    case.fee.verified
                    and offer["price"] == case.fee.amount
                    and offer["priceCurrency"] == "VND"
                )
        else:
            assert tags.jsonld == [], procedure.code  # an abolished service is not advertised
            assert description.startswith("Thủ tục đã")
    for field in catalog.fields:
        image = Image.open(io.BytesIO((site / "og" / f"{field.id}.png").read_bytes()))
        assert image.format == "PNG" and image.size == (1200, 630)
    # Other pages carry no procedure tags.
    assert "og:title" not in head_of((site / "index.html").read_text(encoding="utf-8")).meta


def test_preview_image_is_not_loaded_by_the_page(page, server):
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(server + "p/1.001193/", wait_until="networkidle")
    assert requests and not [u for u in requests if "/og/" in u], requests


def test_preview_images_come_from_the_cache_on_the_next_build(tmp_path: Path):
    from phieu.publish.share import share_images

    catalog = load_catalog(MINI)
    first = share_images(catalog, tmp_path)
    assert sorted(first) == ["og/chung-thuc.png", "og/ho-tich.png"]
    cached = sorted(tmp_path.rglob("*.png"))
    assert len(cached) == 2
    cached[0].write_bytes(b"broken")  # a corrupt entry is drawn again, never published
    assert share_images(catalog, tmp_path) == first
    assert share_images(catalog, None) == first  # without a cache (--no-cache): the same bytes
    assert len(list(tmp_path.rglob("*.png"))) == 2


# --------------------------------------------------------------------------- the self-hosted counter


def _html_files(site: Path) -> dict[str, str]:
    return {str(p.relative_to(site)): p.read_text(encoding="utf-8") for p in sorted(site.rglob("*.html"))}


def test_goatcounter_is_off_by_default_and_adds_only_its_script(tmp_path: Path):
    off = copy_project(tmp_path / "off", procedures=MINI)
    on = copy_project(tmp_path / "on", procedures=MINI)
    use_plugin_options(off, slips="false")
    use_plugin_options(on, slips="false", goatcounter="https://thongke.example.vn/count")
    assert build(off) == 0 and build(on) == 0
    without, with_counter = _html_files(off / "site"), _html_files(on / "site")
    assert sorted(without) == sorted(with_counter)
    script = '<script data-goatcounter="https://thongke.example.vn/count" async src="https://thongke.example.vn/count.js"></script>'
    counted = 0
    for name, html in with_counter.items():
        counted += html.count(script)
        assert html.replace("\n  " + script, "", 1) == without[name], name
    assert counted >= 10  # every Material page (redirect and scan pages have no counter)
    for path in (off / "site").rglob("*"):  # the staff guide may mention it; nothing loads it
        if path.is_file() and path.suffix in {".html", ".js", ".json", ".xml"}:
            text = path.read_text(encoding="utf-8", errors="replace")
            assert "data-goatcounter" not in text and "count.js" not in text, path


@pytest.mark.parametrize(
    "value",
    ["http://thongke.example.vn/count", "https://thongke.example.vn/count?x=1", "https://u:p@host/count"],
)
def test_goatcounter_refuses_an_unsafe_address(tmp_path: Path, value: str, capsys):
    project = copy_project(tmp_path / "p", procedures=MINI)
    use_plugin_options(project, slips="false", goatcounter=value)
    assert build(project) == 1
    assert f"goatcounter: '{value}' không hợp lệ" in capsys.readouterr().err


# --------------------------------------------------------------------------- offline


class Server:
    """A site served on a port that survives a restart, so a test can cut the network and bring it back."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = 0
        self.httpd: http.server.ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> None:
        handler = functools.partial(QuietHandler, directory=str(self.directory))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None


@pytest.fixture
def offline_project(tmp_path: Path):
    project = copy_project(tmp_path / "offline", procedures=MINI)
    use_plugin_options(project, slips="false")
    assert build(project) == 0
    server = Server(project / "site")
    server.start()
    yield project, server
    server.stop()


NEW_NAME = "Thủ tục nhiều trường hợp (bản sửa mới)"
KEPT_JS = f"""async () => {{
    const cache = await caches.open({json.dumps(CACHE_NAME)});
    return (await cache.keys()).map((r) => r.url);
}}"""


def wait_kept(page, wanted: list[str], timeout: float = 15) -> list[str]:
    """Wait until the service worker controls the page and has kept every URL in ``wanted``."""
    deadline = time.monotonic() + timeout
    kept: list[str] = []
    while time.monotonic() < deadline:
        if page.evaluate("!!navigator.serviceWorker.controller"):
            kept = page.evaluate(KEPT_JS)
            if all(url in kept for url in wanted):
                return kept
        page.wait_for_timeout(200)
    raise AssertionError(f"not kept: {sorted(set(wanted) - set(kept))}; kept {kept}")


def test_offline_page_and_ticks_then_the_new_version_online(browser, offline_project):
    project, server = offline_project
    context = browser.new_context(viewport={"width": 360, "height": 640}, locale="vi-VN")
    page = context.new_page()
    try:
        url = server.url + "p/1.000002/"
        page.goto(url)
        assert page.locator('meta[name="phieu-sw"]').count() == 1
        # What the page needs offline: itself, its stylesheets and scripts (phieu.js restores the ticks).
        # The favicon may arrive after the page handed its list to the worker: not waited for.
        files = page.evaluate(
            "performance.getEntriesByType('resource').map(e => e.name)"
            " .filter(u => u.startsWith(location.origin) && /[.](css|js)$/.test(new URL(u).pathname))"
        )
        assert any(f.endswith("/assets/phieu.js") for f in files) and len(files) >= 4, files
        wait_kept(page, [url, *files])
        box = page.locator("ul.phieu-checklist input[type=checkbox]").first
        box.check()
        value = box.get_attribute("value")

        # No network at all: the browser is offline and the server is gone.
        context.set_offline(True)
        server.stop()
        response = page.reload()
        assert response is not None and response.from_service_worker
        assert page.locator("article h1").inner_text() == "Thủ tục nhiều trường hợp"
        assert page.locator(f"ul.phieu-checklist input[type=checkbox][value='{value}']").first.is_checked()
        assert page.evaluate("getComputedStyle(document.querySelector('.md-header')).position") != "static"

        # A page never opened says so, in Vietnamese, instead of the browser's error.
        page.goto(server.url + "p/1.000005/")
        assert page.locator("h1").inner_text() == "Không có mạng"

        # The office changes the page; the phone is online again: the new version shows.
        source = project / "procedures" / "1.000002.yml"
        text = source.read_text(encoding="utf-8")
        assert "\nname: Thủ tục nhiều trường hợp\n" in text
        source.write_text(
            text.replace("\nname: Thủ tục nhiều trường hợp\n", f"\nname: {NEW_NAME}\n"), encoding="utf-8"
        )
        assert build(project) == 0
        server.start()
        context.set_offline(False)
        page.goto(url)
        assert page.locator("article h1").inner_text() == NEW_NAME
        # ... and the kept copy is the new one.
        context.set_offline(True)
        server.stop()
        page.reload()
        assert page.locator("article h1").inner_text() == NEW_NAME
    finally:
        context.close()


def test_service_worker_never_keeps_staff_pages_and_can_be_switched_off(browser, offline_project):
    project, server = offline_project
    admin = project / "site" / "admin"
    admin.mkdir(exist_ok=True)  # the build publishes the staff editor there; a light stand-in here
    (admin / "index.html").write_text(
        '<!doctype html><html lang="vi"><title>Quản trị</title><h1>Quản trị</h1></html>', encoding="utf-8"
    )
    context = browser.new_context(viewport={"width": 360, "height": 640}, locale="vi-VN")
    page = context.new_page()
    try:
        page.goto(server.url)
        wait_kept(page, [server.url])
        page.goto(server.url + "admin/")
        page.goto(server.url + "tra-cuu/")
        wait_kept(page, [server.url + "tra-cuu/"])
        kept = page.evaluate(KEPT_JS)
        assert not [u for u in kept if "/admin/" in u], kept

        # Switched off: pages stop registering it, and the worker on the phone removes itself and its copies.
        config = project / "mkdocs.yml"
        options = config.read_text(encoding="utf-8")
        assert "      slips: false\n" in options
        config.write_text(
            options.replace("      slips: false\n", "      slips: false\n      service_worker: false\n")
        )
        assert build(project) == 0
        page.goto(server.url)
        assert page.locator('meta[name="phieu-sw"]').count() == 0
        page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r && r.update())")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            left = page.evaluate(
                "async () => [(await navigator.serviceWorker.getRegistrations()).length, (await caches.keys()).length]"
            )
            if left == [0, 0]:
                break
            page.wait_for_timeout(200)
        assert left == [0, 0], left
    finally:
        context.close()


def test_previews_do_not_register_the_service_worker(tmp_path: Path):
    project = copy_project(tmp_path / "preview", procedures=MINI)
    use_plugin_options(project, slips="false")
    assert build(project, SITE_URL="https://xem-truoc.invalid/") == 0
    site = project / "site"
    assert not [p for p in site.rglob("*.html") if 'name="phieu-sw"' in p.read_text(encoding="utf-8")]
    worker = (site / "sw.js").read_text(encoding="utf-8")
    assert "unregister()" in worker and "respondWith" not in worker


# --------------------------------------------------------------------------- the printing page on a phone


def test_printing_page_is_cards_at_360_px_and_a_table_on_paper(page, server):
    page.goto(server + "in-an/")
    got = page.evaluate(
        """() => ({
            scroll: document.documentElement.scrollWidth,
            wraps: [...document.querySelectorAll(".phieu-files")].map((w) => [w.scrollWidth, w.clientWidth]),
            rows: [...document.querySelectorAll(".phieu-files tbody tr")].map((r) => getComputedStyle(r).display),
            head: getComputedStyle(document.querySelector(".phieu-files thead")).position,
            label: getComputedStyle(document.querySelector(".phieu-files td[data-label]"), "::before").content,
        })"""
    )
    assert got["scroll"] <= 360, got
    assert got["wraps"] and all(scroll <= client for scroll, client in got["wraps"]), got["wraps"]
    assert set(got["rows"]) == {"block"}, got["rows"]
    assert got["head"] == "absolute"  # headers stay for screen readers, hidden on screen
    assert got["label"].startswith('"Khổ')
    page.emulate_media(media="print")
    table = page.evaluate(
        """() => [...document.querySelectorAll(".phieu-files table, .phieu-files tbody tr, .phieu-files thead")]
              .map((e) => getComputedStyle(e).display)"""
    )
    assert table[0] == "table" and "block" not in table, table
