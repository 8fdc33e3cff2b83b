"""The fill-in page of a national form, in headless Chromium (Debian's, never skipped): a citizen fills the
birth declaration in and prints it, and nothing typed leaves the phone (every request is intercepted and
read); nothing is kept unless remembered; "Xóa hết" clears it; conditional fields, dates, the keyboard, 360 px,
no JavaScript; axe-core and the page weight; the links from procedure pages and the printing page.
"""

from __future__ import annotations

import gzip
import re
import unicodedata
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from urllib.parse import unquote

import pytest
from pypdf import PdfReader

from tests.conftest import GzipHandler, serve
from tests.test_a11y import FIRST_VISIT_BUDGET, Recorder, print_weight, run_axe

OFFICE = "phuong-cao-lanh/"
BIRTH = OFFICE + "mau/to-khai-khai-sinh/"
KEY = re.compile(r"^phieu:mau:to-khai-khai-sinh:")
#: What the test types: unusual enough that finding it anywhere in a request can only mean it leaked.
TYPED = {
    "#o-kinh-gui": "Ủy ban nhân dân phường Cao Lãnh, tỉnh Đồng Tháp",
    "#o-ho-ten-nguoi-yeu-cau": "QUÁCH THỊ XUYẾN",
    "#o-ngay-sinh-nguoi-yeu-cau": "7/3/1991",
    "#o-giay-to-nguoi-yeu-cau": "Thẻ căn cước số 087191777333",
    "#o-ho-ten": "LÝ GIA KHƯƠNG",
    "#o-noi-sinh": "Trạm Y tế xã Tân Khánh Trung",
}
SECRETS = ["QUÁCH THỊ XUYẾN", "087191777333", "LÝ GIA KHƯƠNG", "Tân Khánh Trung", "07/03/1991", "7/3/1991"]


@pytest.fixture(scope="module")
def site_url(province: Path) -> Iterator[str]:
    with serve(province / "site") as url:
        yield url


@pytest.fixture()
def phone(browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
    page = context.new_page()
    yield page
    context.close()


def text(value: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", value))


def stored(page) -> dict:
    return page.evaluate(
        "() => Object.fromEntries(Object.keys(localStorage).filter(k => k.startsWith('phieu:mau:'))"
        ".map(k => [k, localStorage.getItem(k)]))"
    )


def fill_birth(page) -> None:
    for selector, value in TYPED.items():
        page.fill(selector, value)
    page.check("input[name=co-so-dinh-danh][value='Không']")
    page.fill("#o-noi-cu-tru-nguoi-yeu-cau", "Ấp Tân Khánh Trung")
    page.check("input[name=cap-ban-sao][value='Có']")
    page.fill("#o-so-ban-sao", "02")


def test_fill_print_and_nothing_leaves_the_phone(phone, site_url: str) -> None:
    requests: list[str] = []

    def record(route) -> None:
        request = route.request
        body = request.post_data_buffer or b""
        requests.append(
            " ".join([unquote(request.url), repr(request.headers), body.decode("utf-8", "replace")])
        )
        route.continue_()

    phone.route("**/*", record)
    phone.goto(site_url + BIRTH)
    assert phone.locator("article form, article [action]").count() == 0  # nothing here can be submitted
    fill_birth(phone)
    phone.keyboard.press("Tab")
    phone.evaluate("() => { window.print = () => { window.__printed = (window.__printed || 0) + 1; }; }")
    phone.click("[data-print]")
    assert phone.evaluate("window.__printed") == 1
    assert phone.input_value("#o-ngay-sinh-nguoi-yeu-cau") == "07/03/1991"  # tidied to dd/mm/yyyy
    pdf = phone.pdf(format="A4", prefer_css_page_size=True)
    phone.wait_for_timeout(300)

    reader = PdfReader(BytesIO(pdf))
    printed = text(" ".join(p.extract_text() for p in reader.pages))
    for value in ["QUÁCH THỊ XUYẾN", "Thẻ căn cước số 087191777333", "LÝ GIA KHƯƠNG", "07/03/1991"]:
        assert text(value) in printed, value
    assert "TỜ KHAI ĐĂNG KÝ KHAI SINH" in printed and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in printed
    assert "(Ký, ghi rõ họ, chữ đệm, tên)" in printed
    assert "Ví dụ" not in printed and "NGUYỄN VĂN AN" not in printed  # no placeholder on paper
    assert "số định danh cá nhân không?" not in printed  # questions for the phone only
    assert all(abs(float(p.mediabox.width) - 595.28) < 1 for p in reader.pages)

    assert requests, "the recorder saw no request at all"
    leaked = [r for r in requests if any(s in unicodedata.normalize("NFC", r) for s in SECRETS)]
    assert leaked == []
    assert stored(phone) == {}  # not remembered: nothing stored
    phone.reload()
    assert all(phone.input_value(selector) == "" for selector in TYPED)
    assert not phone.is_checked("input[name=co-so-dinh-danh][value='Không']")


def test_remember_keeps_it_on_this_phone_and_xoa_het_clears_it(phone, site_url: str) -> None:
    phone.goto(site_url + BIRTH)
    phone.check("[data-remember]")
    fill_birth(phone)
    saved = stored(phone)
    assert len(saved) == 1 and KEY.match(next(iter(saved)))
    assert "QUÁCH THỊ XUYẾN" in next(iter(saved.values()))
    phone.reload()
    assert phone.input_value("#o-ho-ten-nguoi-yeu-cau") == "QUÁCH THỊ XUYẾN"
    assert phone.is_checked("[data-remember]") and phone.is_checked("input[name=cap-ban-sao][value='Có']")
    phone.click("[data-clear]")
    assert all(phone.input_value(selector) == "" for selector in TYPED)
    assert not phone.is_checked("[data-remember]") and stored(phone) == {}
    assert "Đã xóa hết" in phone.inner_text("[data-status]")
    phone.reload()
    assert phone.input_value("#o-ho-ten-nguoi-yeu-cau") == "" and stored(phone) == {}


def test_unticking_remember_forgets(phone, site_url: str) -> None:
    phone.goto(site_url + BIRTH)
    phone.check("[data-remember]")
    phone.fill("#o-ho-ten", "LÝ GIA KHƯƠNG")
    assert stored(phone)
    phone.uncheck("[data-remember]")
    assert stored(phone) == {}
    phone.reload()
    assert phone.input_value("#o-ho-ten") == ""


def test_conditional_fields_and_dates(phone, site_url: str) -> None:
    phone.goto(site_url + BIRTH)
    residence = phone.locator("#o-noi-cu-tru-nguoi-yeu-cau")
    number = phone.locator("#o-so-ket-hon")
    assert not residence.is_visible() and not number.is_visible()
    phone.check("input[name=co-so-dinh-danh][value='Không']")
    phone.check("input[name=da-ket-hon][value='Đã đăng ký kết hôn']")
    assert residence.is_visible() and number.is_visible()
    phone.check("input[name=co-so-dinh-danh][value='Có']")
    assert not residence.is_visible()
    day = phone.locator("#o-ngay-sinh")
    day.fill("31/02/2026")
    day.press("Tab")
    assert phone.inner_text("#e-ngay-sinh") == "Ngày 31/02/2026 không có trên lịch."
    assert day.get_attribute("aria-invalid") == "true"
    day.fill("hôm qua")
    day.press("Tab")
    assert "ngày/tháng/năm" in phone.inner_text("#e-ngay-sinh")
    day.fill("5/10/2026")
    day.press("Tab")
    assert day.input_value() == "05/10/2026" and phone.inner_text("#e-ngay-sinh") == ""
    assert day.get_attribute("aria-invalid") is None


def test_keyboard_only(phone, site_url: str) -> None:
    phone.goto(site_url + BIRTH)
    phone.locator("#o-kinh-gui").focus()
    phone.keyboard.type("Ủy ban nhân dân phường Cao Lãnh")
    seen_radio = False
    for _ in range(12):
        phone.keyboard.press("Tab")
        focused = phone.evaluate(
            "() => { const e = document.activeElement; const box = e.nextElementSibling;"
            " return {type: e.type, name: e.name, outline: box ? getComputedStyle(box).outlineStyle : ''}; }"
        )
        if focused["type"] == "radio":
            seen_radio = True
            assert focused["outline"] != "none", focused  # a visible focus on the drawn box
            phone.keyboard.press("Space")
            break
    assert seen_radio, "Tab never reached the first question"
    assert phone.evaluate("document.querySelector('input[name=co-so-dinh-danh]:checked') !== null")


def test_fits_360_px(phone, site_url: str) -> None:
    phone.goto(site_url + BIRTH)
    width = phone.evaluate("document.scrollingElement.scrollWidth")
    assert width <= 360, width
    box = phone.locator("#o-ho-ten").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360


def test_without_javascript_it_is_a_printable_blank_form(browser, site_url: str) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(site_url + BIRTH)
        assert page.locator("[data-tools]").is_hidden()  # the buttons need the script
        assert page.locator("#o-noi-cu-tru-nguoi-yeu-cau").is_visible()  # every field shows
        page.fill("#o-ho-ten", "LÝ GIA KHƯƠNG")
        page.press("#o-ho-ten", "Enter")  # no form: Enter submits nothing
        assert page.url == site_url + BIRTH
        reader = PdfReader(BytesIO(page.pdf(format="A4", prefer_css_page_size=True)))
        printed = text(" ".join(p.extract_text() for p in reader.pages))
        assert "TỜ KHAI ĐĂNG KÝ KHAI SINH" in printed and "Họ, chữ đệm, tên người mẹ" in printed
        assert "Ví dụ" not in printed and "Gõ thông tin" not in printed
    finally:
        context.close()


def test_axe_and_weight(browser, province: Path) -> None:
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="vi-VN", service_workers="block"
    )
    page = context.new_page()
    try:
        with serve(province / "site", GzipHandler) as url:
            rec = Recorder(context, page)
            page.goto(url + BIRTH, wait_until="networkidle")
            page.wait_for_timeout(500)  # late events (the favicon) would change the recorder while it weighs
            raw, gz, rows = rec.weigh()
            worker = (province / "site" / OFFICE / "sw.js").read_bytes()
            gz += len(gzip.compress(worker, 6))
            print_weight("first visit /" + BIRTH, raw, gz, rows)
            page.check("input[name=co-so-dinh-danh][value='Không']")
            violations = run_axe(page)
    finally:
        context.close()
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    print("\naxe-core on the form page:", [(v["id"], v["impact"]) for v in violations] or "0 violations")
    assert serious == []
    assert gz <= FIRST_VISIT_BUDGET, gz


def test_procedure_pages_and_the_printing_page_link_the_forms(phone, site_url: str, province: Path) -> None:
    site = province / "site" / OFFICE
    phone.goto(site_url + OFFICE + "p/1.001193/")
    item = phone.locator(
        "ul.phieu-checklist li", has=phone.locator("a[href*='mau/to-khai-khai-sinh/']")
    ).first
    assert "Tờ khai đăng ký khai sinh" in item.inner_text()
    with phone.expect_navigation():
        item.locator("a[href*='mau/to-khai-khai-sinh/']").click()
    assert (
        phone.url.endswith(BIRTH) and phone.locator("article h1").inner_text() == "Tờ khai đăng ký khai sinh"
    )
    for form_id in (
        "to-khai-khai-sinh",
        "to-khai-ket-hon",
        "to-khai-khai-tu",
        "to-khai-nhan-cha-me-con",
        "to-khai-thay-doi-cai-chinh",
        "to-khai-xac-nhan-hon-nhan",
    ):
        assert (site / "mau" / form_id / "index.html").is_file()
        assert (site / "pdf" / f"mau-{form_id}.pdf").read_bytes().startswith(b"%PDF")
    printing = (site / "in-an" / "index.html").read_text(encoding="utf-8")
    assert printing.count("pdf/mau-") == 6 and "Mẫu điền sẵn: Tờ khai đăng ký kết hôn" in printing
