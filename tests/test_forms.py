"""National forms (procedures/forms/): the shipped forms load and cite their source, a wrong form file is told
where and what, a document may name a form, and each filled sample is an A4 PDF that prints every label and
sample value with the watermark on every page and its fonts embedded.
"""

from __future__ import annotations

import re
import shutil
import textwrap
import unicodedata
from io import BytesIO
from pathlib import Path

import pytest
from phieu.errors import DataError
from phieu.load import load_catalog
from phieu.load.forms import load_forms
from phieu.model import SharedForm
from phieu.publish.forms import form_samples
from phieu.render.forms import WATERMARK, FormRenderer, answers, applies, printed_samples
from pypdf import PdfReader

from tests.conftest import ROOT, SINGLE_OFFICE

SHIPPED = ROOT / "procedures"
THEME = ROOT / "theme"
FORM_IDS = [
    "to-khai-ket-hon",
    "to-khai-khai-sinh",
    "to-khai-khai-tu",
    "to-khai-nhan-cha-me-con",
    "to-khai-thay-doi-cai-chinh",
    "to-khai-xac-nhan-hon-nhan",
]
A4 = (595.28, 841.89)


def shipped() -> dict[str, SharedForm]:
    problems: list = []
    forms = load_forms(SHIPPED, problems)
    assert problems == []
    return forms


def text(value: str) -> str:
    """NFC, one space for any run of white space (a PDF's lines break where the layout broke them)."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", value)).strip()


# --------------------------------------------------------------------------- the shipped forms


def test_the_six_declarations_are_shipped_with_their_source() -> None:
    forms = shipped()
    assert sorted(forms) == FORM_IDS
    for form in forms.values():
        assert "04/2020/TT-BTP" in form.source.basis and "04/2024/TT-BTP" in form.source.basis, form.id
        assert form.source.annex and "Phụ lục" in form.source.annex, form.id
        # Nobody has read the circular's own text yet: every form says so, and says what is unconfirmed.
        assert not form.source.verified and form.source.unconfirmed, form.id
        assert all(unicodedata.is_normalized("NFC", i.label + i.sample) for i in form.inputs)


def test_the_birth_declaration_has_the_2024_layout() -> None:
    """The 2024 form: the requester's date of birth, the parents' ID papers, the marriage-certificate block
    (only when the parents registered their marriage), the copy request; residence only without an ID number."""
    form = shipped()["to-khai-khai-sinh"]
    titles = [s.title for s in form.sections]
    assert titles == [
        "Người yêu cầu",
        "Người được khai sinh",
        "Người mẹ",
        "Người cha",
        "Giấy chứng nhận kết hôn của cha, mẹ",
        "Cam đoan, bản sao và nơi làm tờ khai",
    ]
    by_id = {i.id: i for i in form.inputs}
    assert by_id["ngay-sinh-nguoi-yeu-cau"].kind.value == "date"
    assert by_id["giay-to-me"].note == by_id["giay-to-cha"].note == "3"
    assert by_id["noi-cu-tru-nguoi-yeu-cau"].when is not None
    assert by_id["so-ket-hon"].when is not None and by_id["so-ket-hon"].when.field == "da-ket-hon"
    values = answers(form)
    assert not applies(form, by_id["noi-cu-tru-nguoi-yeu-cau"], values)  # the sample has an ID number
    assert applies(form, by_id["so-ket-hon"], values)
    assert applies(form, by_id["so-ket-hon"], {**values, "da-ket-hon": "Chưa đăng ký kết hôn"}) is False


def test_records_name_the_national_forms() -> None:
    """Every shipped civil-status record that used its own copy of a declaration now names the shared one."""
    named = {
        form_id
        for path in sorted((SHIPPED / "ho-tich").glob("*.yml"))
        for form_id in re.findall(r"\n +form: ([a-z-]+)", path.read_text(encoding="utf-8"))
    }
    assert set(FORM_IDS) <= named


# --------------------------------------------------------------------------- problems, located


GOOD = """\
id: mau-thu
name: Tờ khai thử
source:
  basis: Thông tư thử
  references:
    - nơi đọc
sections:
  - title: Người yêu cầu
    inputs:
      - id: co-giay-to
        label: Có giấy tờ không?
        kind: choice
        options:
          - Có
          - Không
        sample: Có
        printed: false
      - id: noi-cu-tru
        label: Nơi cư trú
        note: "1"
        sample: Số 1, phường Cao Lãnh
        when:
          field: co-giay-to
          equals: Không
      - id: ngay
        label: ngày
        kind: date
        sample: 05/10/2026
        inline: true
notes:
  - mark: "1"
    text: Ghi nơi cư trú.
updated: 2026-11-29
"""


def problems_of(tmp_path: Path, content: str, name: str = "mau-thu.yml") -> list[str]:
    folder = tmp_path / "forms"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(textwrap.dedent(content), encoding="utf-8")
    problems: list = []
    load_forms(tmp_path, problems, display_root=tmp_path)
    return [str(p) for p in problems]


def test_a_good_form_loads(tmp_path: Path) -> None:
    assert problems_of(tmp_path, GOOD) == []


P = "forms/mau-thu.yml"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "id: mau-thu",
            "id: mau-khac",
            [
                f"{P}:1:5: mã mẫu 'mau-khac' khác tên tệp 'mau-thu.yml': đổi id: thành \"mau-thu\", hoặc đổi tên tệp thành 'mau-khac.yml'"
            ],
        ),
        (
            "field: co-giay-to",
            "field: co-giay",
            [f"{P}:23:18: không có ô 'co-giay' trong mẫu (có phải 'co-giay-to'?)"],
        ),
        (
            "equals: Không",
            "equals: Chưa",
            [f"{P}:24:19: 'Chưa' không có trong các lựa chọn của ô 'co-giay-to': Có, Không"],
        ),
        (
            'note: "1"',
            'note: "2"',
            [
                f"{P}:20:15: chú thích (2) không có trong mục notes",
                f'{P}:31:11: chú thích (1) không gắn với ô nào (ghi note: "1" ở ô đó)',
            ],
        ),
        (
            "sample: 05/10/2026",
            "sample: 31/02/2026",
            [
                f"{P}:28:17: giá trị mẫu của ô ngày phải là một ngày có thật, dạng 05/10/2026 (nhận được '31/02/2026')"
            ],
        ),
        (
            "sample: Có\n",
            "sample: Vâng\n",
            [f"{P}:16:17: giá trị mẫu 'Vâng' không có trong các lựa chọn: Có, Không"],
        ),
        ("id: ngay", "id: noi-cu-tru", [f"{P}:25:13: mã ô 'noi-cu-tru' bị trùng (đã có ở dòng 18)"]),
    ],
    ids=["file-name", "unknown-field", "unknown-option", "footnote", "date", "choice-sample", "duplicate-id"],
)
def test_form_problems_are_located(tmp_path: Path, old: str, new: str, expected: list[str]) -> None:
    assert old in GOOD
    assert problems_of(tmp_path, GOOD.replace(old, new, 1)) == expected


def test_a_condition_must_name_a_choice_above(tmp_path: Path) -> None:
    content = GOOD.replace("field: co-giay-to", "field: ngay")
    assert problems_of(tmp_path, content) == [f"{P}:23:18: ô 'ngay' phải đứng phía trên ô này"]


def test_columns_must_match(tmp_path: Path) -> None:
    content = GOOD.replace(
        "notes:",
        textwrap.dedent(
            """\
              - title: Bên nam
                beside: true
                inputs:
                  - id: ho-ten-nam
                    label: Họ, chữ đệm, tên
                    sample: TRẦN MINH KHOA
            notes:"""
        ),
    )
    assert problems_of(tmp_path, content) == [
        f"{P}:33:7: phần in thành cột (beside: true) phải có đúng các ô (label) như phần trước, cùng thứ tự"
    ]


def _office_with_forms(tmp_path: Path) -> Path:
    root = tmp_path / "procedures"
    shutil.copytree(SINGLE_OFFICE, root)
    shutil.copytree(SHIPPED / "forms", root / "forms")
    return root


def test_a_record_keeping_its_own_copy_of_a_national_form_is_told(tmp_path: Path) -> None:
    root = _office_with_forms(tmp_path)
    with pytest.raises(DataError) as caught:
        load_catalog(root, display_root=tmp_path)
    messages = [str(p) for p in caught.value.problems]
    assert (
        "procedures/ho-tich/1.001193.yml:124:9: mẫu đơn 'to-khai-khai-sinh' là mẫu dùng chung "
        "(forms/to-khai-khai-sinh.yml): bỏ mục này khỏi forms của thủ tục, giấy tờ vẫn ghi form: to-khai-khai-sinh"
    ) in messages


def test_a_document_may_name_a_national_form_and_a_typo_is_told(tmp_path: Path) -> None:
    root = _office_with_forms(tmp_path)
    record = root / "ho-tich" / "1.001193.yml"
    content = record.read_text(encoding="utf-8")
    content = content[: content.index("\nforms:\n")] + content[content.index("\nlegal_basis:") :]
    record.write_text(content, encoding="utf-8")
    for other in ("1.000656", "1.000894", "1.001022", "1.004859", "1.004873"):
        path = root / "ho-tich" / f"{other}.yml"
        text_ = path.read_text(encoding="utf-8")
        path.write_text(
            text_[: text_.index("\nforms:\n")] + text_[text_.index("\nlegal_basis:") :], encoding="utf-8"
        )
    catalog = load_catalog(root, display_root=tmp_path)
    assert sorted(catalog.forms) == FORM_IDS
    record.write_text(content.replace("form: to-khai-khai-sinh", "form: to-khai-khai-sin"), encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_catalog(root, display_root=tmp_path)
    assert [str(p) for p in caught.value.problems] == [
        "procedures/ho-tich/1.001193.yml:96:15: mẫu đơn 'to-khai-khai-sin' không có trong mục forms của thủ tục "
        "hay thư mục forms/ (có phải 'to-khai-khai-sinh'?)"
    ]


# --------------------------------------------------------------------------- filled samples


@pytest.fixture(scope="module")
def samples() -> dict[str, bytes]:
    renderer = FormRenderer(THEME)
    return {form_id: renderer.sample(form).content for form_id, form in shipped().items()}


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_sample_prints_every_label_and_sample_value_with_the_watermark(samples, form_id: str) -> None:
    form = shipped()[form_id]
    reader = PdfReader(BytesIO(samples[form_id]))
    pages = [text(page.extract_text()) for page in reader.pages]
    assert 1 <= len(pages) <= 2
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(width - A4[0]) < 1 and abs(height - A4[1]) < 1
    assert all(WATERMARK in page for page in pages), "the watermark is on every page"
    whole = " ".join(pages)
    labels = [i.label for i in form.inputs if i.printed]
    assert [label for label in labels if text(label) not in whole] == []
    assert [value for value in printed_samples(form) if text(value) not in whole] == []
    assert text(form.heading) in whole
    assert all(text(f"({n.mark}) {n.text}") in whole for n in form.notes)
    # A question asked only on the phone is not on paper; nor is an answer that does not apply to the sample.
    asked = [i.label for i in form.inputs if not i.printed]
    assert [label for label in asked if text(label) in whole] == []


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_sample_embeds_its_fonts(samples, form_id: str) -> None:
    reader = PdfReader(BytesIO(samples[form_id]))
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = (
                font.get("/FontDescriptor") or font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            )
            descriptor = descriptor.get_object()
            fonts[font["/BaseFont"]] = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    assert fonts and all(fonts.values()), fonts


def test_samples_are_cached_by_what_they_print(tmp_path: Path) -> None:
    forms = {k: v for k, v in shipped().items() if k == "to-khai-ket-hon"}
    first = form_samples(forms, THEME, tmp_path)
    again = form_samples(forms, THEME, tmp_path)
    assert [a.reused for a in first] == [False] and [a.reused for a in again] == [True]
    assert first[0].content == again[0].content and first[0].path == "pdf/mau-to-khai-ket-hon.pdf"
    changed = {k: v.model_copy(update={"name": v.name + " (sửa)"}) for k, v in forms.items()}
    assert [a.reused for a in form_samples(changed, THEME, tmp_path)] == [False]
