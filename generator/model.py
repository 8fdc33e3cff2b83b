"""The procedure model: typed, immutable records of what the YAML files say.

Field docstrings are in Vietnamese on purpose: they become the descriptions
in the generated JSON Schema, which editors show to staff as they type.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import urllib.parse
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    Strict,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .digest import digest

#: National procedure code, e.g. ``1.001193``; provincial variants add a suffix: ``1.012753.H19``.
CODE_PATTERN = r"^[0-9]\.[0-9]{6}(\.[A-Z0-9]{1,8})?$"
#: Slug used for field, case and form ids; it becomes part of a URL or a file name.
SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
#: Only plain web links may be published.
URL_PATTERN = r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[^\s<>\"'`]*)?$"
#: The public site: a plain web link without a query or a fragment (every page URL is built on it).
SITE_URL_PATTERN = r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[^\s<>\"'`?#]*)?$"

#: Invisible characters that are never text: C0/C1 controls, line separators, byte-order and
#: non-characters, and the bidirectional controls (U+202E prints the rest of a line reversed).
CONTROL_CHARACTERS = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff\ufffe\uffff"
)
_CONTROL = re.compile(f"[{CONTROL_CHARACTERS}]")


def _printable(value: str) -> str:
    """Refuse invisible control characters: they break page front matter and the slip fonts."""
    found = _CONTROL.search(value)
    if found:
        raise PydanticCustomError(
            "control_character",
            "chứa ký tự điều khiển không in được (U+{code}); hãy xóa ký tự này",
            {"code": f"{ord(found.group()):04X}"},
        )
    return value


Text = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000), AfterValidator(_printable)
]
ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), AfterValidator(_printable)
]
Code = Annotated[str, StringConstraints(pattern=CODE_PATTERN)]
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=60)]
Url = Annotated[str, StringConstraints(pattern=URL_PATTERN, max_length=500)]
Bool = Annotated[bool, Strict()]


# --- exact numbers and real dates ------------------------------------------------------------
# The loader hands every plain scalar over as text, so "50.000" (fifty thousand, written the
# Vietnamese way) arrives as a string. Pydantic's lax mode would read it as the float 50.0 and
# print "50 đồng"; these types accept only digits, and say how to write anything else.

_GROUP_SEPARATORS = {".": "dấu chấm", ",": "dấu phẩy", " ": "dấu cách", "\u00a0": "dấu cách"}
_MONEY_UNIT = re.compile(r"\s*(?:đồng|vnđ|vnd|đ|₫)\.?\s*$", re.IGNORECASE)


def number_advice(raw: str) -> str:
    """How to write ``raw`` as a whole number, e.g. "viết 50000, không có dấu chấm"; "" if unclear."""
    text = raw.strip()
    faults: list[str] = []
    unit = _MONEY_UNIT.search(text)
    if unit and unit.start() > 0:
        text = text[: unit.start()]
        faults.append(f"không có chữ '{unit.group().strip()}'")
    value: int | None = None
    for separator, name in _GROUP_SEPARATORS.items():
        if re.fullmatch(rf"[0-9]{{1,3}}(?:{re.escape(separator)}[0-9]{{3}})+", text):
            value = int(text.replace(separator, ""))
            faults.insert(0, f"không có {name}")
            break
    else:
        decimal = re.fullmatch(r"([0-9]+)([.,]0+)", text)
        if decimal:
            value = int(decimal.group(1))
            faults.insert(0, f"không có phần thập phân '{decimal.group(2)}'")
        elif re.fullmatch(r"[0-9]+(?:\.[0-9]+)?[eE][+-]?[0-9]{1,3}", text):
            try:
                number = Decimal(text)
            except InvalidOperation:  # pragma: no cover - the pattern is a valid Decimal
                number = Decimal("NaN")
            if number.is_finite() and number == number.to_integral_value() and number < 10**12:
                value = int(number)
                faults.insert(0, "không viết dạng số mũ 'e'")
        elif re.fullmatch(r"[0-9]+", text):
            value = int(text)
    if value is None:
        return ""
    return ", ".join([f"viết {value}", *faults])


def _whole_number(value: object) -> object:
    """Digits only: 50000. Never 50.000, 50,000, 50.000đ, 5e4, 50000.0 or true."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,12}", value):
        return int(value)
    raw = value if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else repr(value)
    if isinstance(value, str) and re.fullmatch(r"[0-9]{13,}", value):
        raise PydanticCustomError("number_too_large", "số quá lớn ({digits} chữ số)", {"digits": len(value)})
    if isinstance(value, bool):
        raise PydanticCustomError(
            "whole_number", "phải là số, không phải true/false", {"raw": raw, "advice": ""}
        )
    if (
        isinstance(value, str)
        and re.fullmatch(r"[0-9]+[.,][0-9]+", value.strip())
        and not number_advice(value)
    ):
        raise PydanticCustomError(
            "whole_number",
            "phải là số nguyên, không có phần lẻ (nhận được '{raw}')",
            {"raw": raw, "advice": ""},
        )
    if isinstance(value, float) and value.is_integer():
        advice = f"viết {int(value)}, không có phần thập phân"
    else:
        advice = number_advice(value) if isinstance(value, str) else ""
    raise PydanticCustomError(
        "whole_number",
        "phải là số nguyên viết liền các chữ số{advice} (nhận được '{raw}')",
        {"advice": f": {advice}" if advice else "", "raw": raw},
    )


WholeNumber = Annotated[int, BeforeValidator(_whole_number)]
Count = Annotated[
    WholeNumber, Field(ge=0, le=20), WithJsonSchema({"type": "integer", "minimum": 0, "maximum": 20})
]

#: Fees are whole đồng: 0 (free) or at least 1,000 (no fee is set below that). The floor is also
#: what lets an editor flag "50.000": YAML reads it as the number 50.
MIN_FEE = 1000


def _plausible_fee(amount: int) -> int:
    if 0 < amount < MIN_FEE:
        raise PydanticCustomError(
            "fee_too_small",
            "{amount} đồng là quá nhỏ: ghi số tiền bằng đồng, viết liền, ví dụ 50000 cho năm mươi nghìn đồng "
            "(0 là miễn phí)",
            {"amount": amount},
        )
    return amount


Amount = Annotated[
    int,
    BeforeValidator(_whole_number),
    Field(ge=0, le=1_000_000_000),
    AfterValidator(_plausible_fee),
    WithJsonSchema(
        {
            "type": "integer",
            "anyOf": [{"const": 0}, {"minimum": MIN_FEE, "maximum": 1_000_000_000}],
            "examples": [0, 8000, 50000],
            "errorMessage": "Ghi số tiền bằng đồng, viết liền các chữ số: 50000 (không viết 50.000, 50,000 hay 50.000đ).",
        }
    ),
]


def _real_date(value: object) -> object:
    """A date written YEAR-MONTH-DAY that exists on the calendar: 2026-11-29, never 2026-11-31."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        iso = re.fullmatch(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", value)
        if iso:
            year, month, day = (int(part) for part in iso.groups())
            if not 1 <= month <= 12:
                raise PydanticCustomError("date_not_real", f"tháng {month} không có: tháng chỉ từ 01 đến 12")
            last = calendar.monthrange(year, month)[1] if year >= 1 else 0
            if not 1 <= day <= last:
                why = f" (tháng {month}/{year:04d} chỉ có {last} ngày)" if last else ""
                raise PydanticCustomError(
                    "date_not_real", f"ngày {day:02d}/{month:02d}/{year:04d} không có trên lịch{why}"
                )
            return dt.date(year, month, day)
    hint = ""
    if isinstance(value, str):
        written = re.fullmatch(r"([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})", value.strip())
        if written:
            day, month, year = (int(part) for part in written.groups())
            try:  # suggest the ISO form only of a day that exists (30/02 or 02/30 have none)
                hint = f" (viết {dt.date(year, month, day).isoformat()})"
            except ValueError:
                hint = ""
    raw = value if isinstance(value, str) else repr(value)
    raise PydanticCustomError(
        "date_format",
        "phải là ngày dạng NĂM-THÁNG-NGÀY, ví dụ 2025-07-01; nhận được '{raw}'{hint}",
        {"raw": raw, "hint": hint},
    )


Date = Annotated[dt.date, BeforeValidator(_real_date)]


# --- the public address ----------------------------------------------------------------------


def site_url_problem(url: str) -> str | None:
    """What is wrong with ``url`` as the site's public address (every QR code is built on it), or None.

    A query, a fragment or credentials are refused: they would be printed in every QR code. Whether the
    host is public is a deployment question, checked by ``phieu build --production``
    (:func:`phieu.publish.production.public_host_problem`): a preview may use a private host.
    """
    generic = f"'{url}' không phải đường dẫn http:// hoặc https:// hợp lệ"
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return generic
    if parts.scheme not in ("http", "https") or not url.lower().startswith(("http://", "https://")):
        return generic
    if "@" in parts.netloc:
        return (
            f"địa chỉ trang web '{url}' không được chứa tên đăng nhập hay mật khẩu (phần trước dấu '@'): "
            "mã QR in trên phiếu sẽ mang theo chúng"
        )
    if "?" in url:
        return (
            f"địa chỉ trang web '{url}' không được có phần '?…': mã QR phải trỏ thẳng tới trang; "
            "hãy bỏ từ dấu '?' trở đi"
        )
    if "#" in url:
        return f"địa chỉ trang web '{url}' không được có phần '#…'; hãy bỏ từ dấu '#' trở đi"
    if not re.fullmatch(SITE_URL_PATTERN, url) or len(url) > 500:
        return generic
    return None


def _site_url(value: str) -> str:
    problem = site_url_problem(value)
    if problem:
        raise PydanticCustomError("site_url", "{problem}", {"problem": problem})
    return value


SiteUrl = Annotated[
    str,
    AfterValidator(_site_url),
    WithJsonSchema({"type": "string", "maxLength": 500, "pattern": SITE_URL_PATTERN}),
]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class _Choice(StrEnum):
    """A closed list of values; editors show each with its Vietnamese label (``CHOICE_LABELS``)."""

    @classmethod
    def label(cls, value: str) -> str:
        return CHOICE_LABELS[cls.__name__][value]

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: GetJsonSchemaHandler) -> dict[str, Any]:
        schema = handler.resolve_ref_schema(handler(core_schema))
        # VS Code and the YAML extension show these next to each value as staff type.
        schema["enumDescriptions"] = [cls.label(v) for v in schema["enum"]]
        return schema


class Level(_Choice):
    """Cấp thực hiện."""

    province = "province"
    commune = "commune"
    district = "district"


class Status(_Choice):
    """Tình trạng hiệu lực."""

    in_force = "in_force"
    abolished = "abolished"
    replaced = "replaced"


class ChannelKind(_Choice):
    """Cách thức thực hiện."""

    in_person = "in_person"
    post = "post"
    online = "online"


class Action(_Choice):
    """Người dân làm gì với giấy tờ: submit (nộp) hoặc show (xuất trình, không nộp)."""

    submit = "submit"
    show = "show"


#: What each allowed value means, in the words staff use; shown by editors and in error messages.
CHOICE_LABELS: dict[str, dict[str, str]] = {
    "Level": {"province": "cấp tỉnh", "commune": "cấp xã, phường", "district": "cấp huyện, chỉ cho hồ sơ cũ"},
    "Status": {"in_force": "còn hiệu lực", "abolished": "đã bãi bỏ", "replaced": "được thay thế"},
    "ChannelKind": {"in_person": "nộp trực tiếp", "post": "qua bưu chính", "online": "nộp trực tuyến"},
    "Action": {"submit": "nộp", "show": "xuất trình, không nộp"},
    "SourceKind": {"national": "do bộ, ngành công bố", "provincial": "đặc thù của tỉnh"},
}


class Fee(_Record):
    """Phí, lệ phí của một trường hợp hoặc một cách thức nộp."""

    amount: Amount | None = None
    """Số tiền bằng đồng, viết liền các chữ số: 50000 (không viết 50.000). 0 là miễn phí. Bỏ trống nếu chưa rõ."""
    text: Text | None = None
    """Mô tả, ví dụ "8.000 đồng/bản trích lục". Văn bản chép từ Cổng có thể dài; nên viết gọn khi xác minh."""
    verified: Bool = False
    """true khi cán bộ đã đối chiếu số tiền với văn bản hiện hành. Phí chưa xác minh không hiện cho người dân."""
    varies_by_province: Bool = False
    """true khi mức thu do HĐND cấp tỉnh quy định (khác nhau giữa các tỉnh)."""
    basis: list[Text] = []
    """Văn bản quy định mức thu."""
    exemptions: list[Text] = []
    """Các trường hợp được miễn, giảm."""

    @property
    def shown(self) -> bool:
        """Whether a citizen may see the amount: only verified amounts are published."""
        return self.verified and (self.amount is not None or self.text is not None)


class Document(_Record):
    """Một giấy tờ trong thành phần hồ sơ. Luôn ghi đủ action, originals và copies."""

    name: Text
    """Tên giấy tờ đầy đủ (như văn bản công bố). Trang web hiện tên này."""
    short: ShortText | None = None
    """Tên ngắn, dễ hiểu để in trên phiếu thay cho tên đầy đủ và ghi chú, ví dụ "Giấy chứng sinh".
    Nếu giấy tờ chỉ cần trong một số trường hợp, ghi luôn điều kiện: "Nếu nhờ người khác làm thay: văn bản
    ủy quyền". Bỏ trống thì phiếu in tên đầy đủ và ghi chú. Cán bộ viết; phieu import để trống và không ghi đè."""
    action: Action
    """submit: nộp giấy tờ này (cần ít nhất 1 bản chính hoặc bản sao); show: chỉ xuất trình để đối chiếu, không nộp."""
    originals: Count
    """Số bản chính (0 đến 20). Với show: số bản chính cần xuất trình, thường là 1."""
    copies: Count
    """Số bản sao (0 đến 20). Với show: thường là 0."""
    form: Slug | None = None
    """Mã mẫu đơn (id trong mục forms) nếu giấy tờ này là một tờ khai."""
    note: Text | None = None
    """Ghi chú cho người dân."""
    optional: Bool = False
    """true nếu chỉ cần trong một số trường hợp."""

    @model_validator(mode="after")
    def _submits_something(self) -> Document:
        if self.action is Action.submit and self.originals + self.copies == 0:
            raise PydanticCustomError(
                "nothing_submitted",
                "giấy tờ cần nộp (action: submit) phải có ít nhất 1 bản chính hoặc 1 bản sao",
            )
        return self


class Case(_Record):
    """Một trường hợp (trường hợp thực hiện) với hồ sơ, thời hạn và phí riêng."""

    id: Slug
    """Mã ngắn, dùng trong đường dẫn, ví dụ "dung-han"."""
    name: Text
    """Tên trường hợp, ví dụ "Đăng ký khai sinh đúng hạn"."""
    documents: Annotated[list[Document], Field(min_length=1, max_length=60)]
    """Thành phần hồ sơ."""
    time: Text
    """Thời hạn giải quyết, ví dụ "Ngay trong ngày làm việc"."""
    fee: Fee
    """Phí, lệ phí."""
    note: Text | None = None
    """Ghi chú."""


class Channel(_Record):
    """Một cách thức thực hiện (nộp trực tiếp, qua bưu chính, trực tuyến)."""

    kind: ChannelKind
    """in_person (trực tiếp), post (bưu chính) hoặc online (trực tuyến)."""
    time: Text
    """Thời hạn giải quyết theo cách thức này."""
    fee: Fee | None = None
    """Phí, lệ phí riêng của cách thức này (nếu khác)."""
    url: Url | None = None
    """Đường dẫn nộp trực tuyến."""
    note: Text | None = None
    """Mô tả."""


class FormField(_Record):
    """Một ô trên mẫu đơn, kèm giá trị điền mẫu."""

    label: ShortText
    """Tên ô trên mẫu, ví dụ "Họ, chữ đệm, tên"."""
    sample: ShortText
    """Giá trị điền mẫu."""


class Form(_Record):
    """Mẫu đơn, tờ khai và bản điền mẫu."""

    id: Slug
    """Mã ngắn, để giấy tờ tham chiếu tới."""
    name: ShortText
    """Tên mẫu."""
    number: ShortText | None = None
    """Số hiệu mẫu theo văn bản, ví dụ "Mẫu kèm theo Thông tư 04/2024/TT-BTP"."""
    url: Url | None = None
    """Đường dẫn tải mẫu trống."""
    fields: Annotated[list[FormField], Field(min_length=1, max_length=80)]
    """Các ô của mẫu với giá trị điền mẫu."""


# --- national forms (procedures/forms/<id>.yml) ----------------------------------------------------
# A civil-status declaration is a national text shared by several procedures: one file per form, laid out
# as the official form is (sections in order, each input with its label, footnote and sample), so that a
# filled sample can be printed like the form and a citizen can fill it in on the phone.

#: A footnote's mark as the form prints it, "1" for "(1)".
FOOTNOTE_PATTERN = r"^[0-9]{1,2}$"
Footnote = Annotated[str, StringConstraints(pattern=FOOTNOTE_PATTERN)]


class InputKind(_Choice):
    """Kiểu ô trên mẫu."""

    text = "text"
    long = "long"
    date = "date"
    year = "year"
    number = "number"
    choice = "choice"


CHOICE_LABELS["InputKind"] = {
    "text": "một dòng chữ",
    "long": "nhiều dòng chữ",
    "date": "ngày, dạng 05/10/2026",
    "year": "năm, dạng 1996",
    "number": "số lượng, dạng 02",
    "choice": "chọn một trong các lựa chọn (options)",
}


class InputCondition(_Record):
    """Ô chỉ cần điền khi một ô chọn (kind: choice) ở phía trên có giá trị đã nêu."""

    field: Slug
    """Mã (id) của ô chọn ở phía trên, ví dụ "co-so-dinh-danh"."""
    equals: ShortText
    """Giá trị của ô chọn đó khi ô này cần điền, ví dụ "Không"."""


class FormInput(_Record):
    """Một ô trên mẫu: tên ô như in trên mẫu, chú thích của mẫu, giá trị điền mẫu."""

    id: Slug
    """Mã ngắn, duy nhất trong mẫu, ví dụ "ho-ten-me"."""
    label: ShortText
    """Tên ô đúng như in trên mẫu, ví dụ "Họ, chữ đệm, tên người mẹ"."""
    kind: InputKind = InputKind.text
    """text (một dòng), long (nhiều dòng), date (ngày), year (năm), number (số lượng) hoặc choice (chọn)."""
    options: list[ShortText] = []
    """Các lựa chọn của ô choice, ví dụ ["Có", "Không"]."""
    note: Footnote | None = None
    """Số chú thích của mẫu gắn với ô này, ví dụ "2" cho chú thích (2)."""
    help: Text | None = None
    """Hướng dẫn thêm của cơ quan, bằng lời dễ hiểu (không phải chú thích của mẫu)."""
    sample: ShortText
    """Giá trị điền mẫu; ngày viết 05/10/2026."""
    when: InputCondition | None = None
    """Chỉ cần điền khi ô chọn ở phía trên có giá trị đã nêu."""
    after: ShortText | None = None
    """Chữ in sau ô, ví dụ "bản" trong "Số lượng: … bản"."""
    inline: Bool = False
    """true: in cùng dòng với ô trước, như "Giới tính … Dân tộc … Quốc tịch …" trên mẫu."""
    printed: Bool = True
    """false: câu hỏi chỉ để biết ô nào cần điền, không in trên tờ khai."""


class FormSection(_Record):
    """Một phần của mẫu, theo thứ tự trên mẫu (người yêu cầu, người được khai sinh, người mẹ…)."""

    title: ShortText
    """Tên phần hiện trên điện thoại, ví dụ "Người mẹ" (mẫu giấy không in tên phần)."""
    lead: list[Text] = []
    """Câu dẫn, lời cam đoan in trên mẫu trước các ô của phần này, mỗi đoạn một mục, ví dụ
    "Đề nghị cơ quan đăng ký khai sinh cho người dưới đây:"."""
    inputs: Annotated[list[FormInput], Field(min_length=1, max_length=40)]
    """Các ô của phần này, theo thứ tự trên mẫu."""
    beside: Bool = False
    """true: in thành cột bên cạnh phần trước (ví dụ cột "Bên nam" cạnh cột "Bên nữ"); hai phần có cùng các ô."""


class FormNote(_Record):
    """Một chú thích in cuối mẫu."""

    mark: Footnote
    """Số chú thích, ví dụ "1"."""
    text: Text
    """Lời chú thích, chép đúng như văn bản (nguồn ghi trong source)."""


class FormSource(_Record):
    """Mẫu lấy từ đâu, và phần nào chưa đối chiếu được với văn bản gốc."""

    basis: Text
    """Văn bản ban hành mẫu, ví dụ "Thông tư số 04/2020/TT-BTP, được sửa đổi, bổ sung bởi Thông tư số 04/2024/TT-BTP"."""
    annex: ShortText | None = None
    """Phụ lục chứa mẫu, ví dụ "Phụ lục 5"."""
    number: ShortText | None = None
    """Số hiệu mẫu, nếu văn bản đánh số."""
    verified: Bool = False
    """true khi cán bộ đã đối chiếu từng chữ của mẫu với văn bản gốc."""
    references: Annotated[list[Text], Field(min_length=1)]
    """Nơi đã đọc nội dung mẫu (trang, đường dẫn), để người sau đối chiếu lại."""
    unconfirmed: list[Text] = []
    """Những điều chưa đối chiếu được với văn bản gốc."""


class SharedForm(_Record):
    """Một mẫu tờ khai dùng chung cho nhiều thủ tục (procedures/forms/<id>.yml)."""

    id: Slug
    """Mã mẫu, trùng tên tệp, ví dụ "to-khai-khai-sinh". Giấy tờ trong thủ tục tham chiếu bằng form: <id>."""
    name: ShortText
    """Tên mẫu, ví dụ "Tờ khai đăng ký khai sinh"."""
    title: ShortText | None = None
    """Tiêu đề in trên mẫu nếu khác tên viết hoa, ví dụ "TỜ KHAI ĐĂNG KÝ VIỆC THAY ĐỔI, CẢI CHÍNH…"."""
    source: FormSource
    """Văn bản ban hành mẫu và mức độ đã đối chiếu."""
    url: Url | None = None
    """Đường dẫn tải mẫu trống chính thức, nếu có."""
    sections: Annotated[list[FormSection], Field(min_length=1, max_length=12)]
    """Các phần của mẫu, theo thứ tự trên mẫu."""
    signers: Annotated[list[ShortText], Field(min_length=1, max_length=2)] = ["Người yêu cầu"]
    """Người ký cuối mẫu, ví dụ ["Bên nữ", "Bên nam"]."""
    notes: list[FormNote] = []
    """Chú thích in cuối mẫu, theo thứ tự số."""
    updated: Date
    """Ngày cập nhật nội dung gần nhất."""

    @property
    def heading(self) -> str:
        return self.title or self.name.upper()

    @property
    def inputs(self) -> list[FormInput]:
        return [i for s in self.sections for i in s.inputs]

    @cached_property
    def content_hash(self) -> str:
        return digest(self.model_dump(mode="json"))


class Agency(_Record):
    """Cơ quan thực hiện."""

    competent: Text
    """Cơ quan có thẩm quyền quyết định."""
    authorised: Text | None = None
    """Cơ quan được ủy quyền (nếu có)."""
    coordinating: list[Text] = []
    """Cơ quan phối hợp."""


class Local(_Record):
    """Phần bổ sung của địa phương, tách khỏi dữ liệu sao từ Cổng dịch vụ công quốc gia."""

    counter: ShortText | None = None
    """Quầy tiếp nhận, ví dụ "Quầy số 2 - Hộ tịch"."""
    notes: list[Text] = []
    """Lưu ý của cán bộ cho người dân."""
    keywords: list[ShortText] = []
    """Từ khóa tìm kiếm thêm (cách gọi thường dùng)."""
    same_visit: ShortText | None = None
    """Không hẹn: trả kết quả ngay trong lần đến, người dân chờ tại chỗ. Ghi thời gian chờ thường lệ, ví dụ "30–45 phút"; bỏ trống nếu hẹn ngày trả. Là cam kết của cơ quan, không phải thời hạn luật định."""


class SourceKind(_Choice):
    """Loại thủ tục trên Cổng."""

    national = "national"
    provincial = "provincial"


class Source(_Record):
    """Bản ghi trên Cổng Dịch vụ công quốc gia mà thủ tục này được nhập từ đó (phieu import ghi)."""

    portal_id: ShortText | None = None
    """Mã bản ghi trên Cổng (id)."""
    code: ShortText
    """Mã thủ tục trên Cổng."""
    kind: SourceKind | None = None
    """national: do bộ, ngành công bố; provincial: thủ tục đặc thù do tỉnh công bố."""
    decision: ShortText | None = None
    """Số quyết định công bố thủ tục, ví dụ "163/QĐ-BTP"."""
    issuer: ShortText | None = None
    """Cơ quan ban hành quyết định công bố."""
    decision_date: dt.date | None = None
    """Ngày ban hành quyết định công bố."""
    published: dt.date | None = None
    """Ngày Cổng công bố thủ tục."""
    portal_updated: dt.datetime | None = None
    """Thời điểm Cổng cập nhật bản ghi lần cuối."""
    imported: dt.date
    """Ngày nhập từ Cổng."""
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    """SHA-256 của tệp JSON đã nhập."""


class Procedure(_Record):
    """Một thủ tục hành chính (Nghị định 63/2010/NĐ-CP, Điều 8)."""

    code: Code
    """Mã thủ tục quốc gia, ví dụ "1.001193". Không đổi: là khóa của đường dẫn và mã QR."""
    name: Text
    """Tên thủ tục, đúng như Cổng Dịch vụ công quốc gia công bố (bỏ chữ "Thủ tục" ở đầu)."""
    field: Slug
    """Mã lĩnh vực (id trong fields.yml)."""
    level: Level
    """Cấp thực hiện: commune (xã, phường) hoặc province (tỉnh). district chỉ cho hồ sơ lịch sử."""
    status: Status = Status.in_force
    """in_force (còn hiệu lực), abolished (bãi bỏ) hoặc replaced (được thay thế)."""
    replaced_by: Code | None = None
    """Mã thủ tục thay thế, khi status là replaced."""
    status_note: Text | None = None
    """Giải thích về hiệu lực, ví dụ văn bản bãi bỏ."""
    summary: Text | None = None
    """Một câu giới thiệu thủ tục cho người dân."""
    who: Annotated[list[ShortText], Field(min_length=1)]
    """Đối tượng thực hiện."""
    agency: Agency
    """Cơ quan thực hiện."""
    result: Annotated[list[Text], Field(min_length=1)]
    """Kết quả thực hiện."""
    steps: Annotated[list[Text], Field(min_length=1, max_length=40)]
    """Trình tự thực hiện, theo thứ tự."""
    channels: Annotated[list[Channel], Field(min_length=1, max_length=5)]
    """Cách thức thực hiện."""
    cases: Annotated[list[Case], Field(min_length=1, max_length=10)]
    """Các trường hợp, mỗi trường hợp có hồ sơ, thời hạn và phí riêng."""
    forms: list[Form] = []
    """Mẫu đơn, tờ khai kèm bản điền mẫu."""
    requirements: list[Text] = []
    """Yêu cầu, điều kiện."""
    notes: list[Text] = []
    """Lưu ý chép từ Cổng Dịch vụ công quốc gia (trang thủ tục hiện, phiếu in không hiện).
    Lưu ý riêng của cơ quan ghi trong local.notes."""
    legal_basis: Annotated[list[Text], Field(min_length=1)]
    """Căn cứ pháp lý."""
    national_url: Url | None = None
    """Trang của thủ tục trên Cổng dịch vụ công quốc gia."""
    updated: Date
    """Ngày cập nhật nội dung gần nhất."""
    verified: Date | None = None
    """Ngày cán bộ đối chiếu với văn bản hiện hành."""
    local: Local = Local()
    """Phần bổ sung của địa phương."""
    source: Source | None = None
    """Nguồn: bản ghi trên Cổng Dịch vụ công quốc gia đã nhập bằng phieu import. Do phieu ghi; đừng sửa tay."""

    @property
    def in_force(self) -> bool:
        return self.status is Status.in_force

    @property
    def keywords(self) -> list[str]:
        return self.local.keywords

    @cached_property
    def content_hash(self) -> str:
        """SHA-256 of the record's whole content, independent of YAML formatting."""
        return digest(self.model_dump(mode="json"))


class FieldInfo(_Record):
    """Một lĩnh vực (ví dụ Hộ tịch)."""

    id: Slug
    """Mã ngắn, dùng trong đường dẫn, ví dụ "ho-tich"."""
    name: ShortText
    """Tên lĩnh vực."""
    order: Annotated[
        WholeNumber,
        Field(ge=0, le=10_000),
        WithJsonSchema({"type": "integer", "minimum": 0, "maximum": 10_000}),
    ]
    """Thứ tự hiển thị."""
    description: Text | None = None
    """Mô tả ngắn."""


class FieldList(_Record):
    """Danh sách lĩnh vực."""

    fields: Annotated[list[FieldInfo], Field(min_length=1, max_length=500)]
    """Các lĩnh vực."""


Phone = Annotated[str, StringConstraints(pattern=r"^[0-9 +().\-\[\]A-Za-zÀ-ỹ:]{3,60}$")]


class ReceptionPoint(_Record):
    """Một điểm tiếp nhận hồ sơ khác của cơ quan (phường, xã sau sáp nhập thường giữ nhiều điểm)."""

    name: ShortText
    """Tên điểm, ví dụ "Tổ tiếp nhận hồ sơ số 2 (trụ sở UBND xã Mỹ Trà cũ)"."""
    address: ShortText
    """Địa chỉ của điểm tiếp nhận."""
    hours: list[ShortText] = []
    """Giờ tiếp nhận tại điểm này; bỏ trống nếu giống giờ làm việc của cơ quan."""
    phone: Phone | None = None
    """Số điện thoại của điểm này, nếu khác số của cơ quan."""


class Office(_Record):
    """Hồ sơ cơ quan: UBND xã/phường phát hành phiếu."""

    name: ShortText
    """Tên cơ quan, ví dụ "Ủy ban nhân dân phường Cao Lãnh"."""
    unit: ShortText
    """Bộ phận tiếp nhận hồ sơ."""
    province: ShortText
    """Tỉnh, thành phố."""
    address: ShortText
    """Địa chỉ nộp hồ sơ."""
    hours: Annotated[list[ShortText], Field(min_length=1)]
    """Giờ làm việc."""
    phone: Phone
    """Số điện thoại."""
    site_url: SiteUrl
    """Địa chỉ gốc của trang web công khai (mã QR trỏ về đây)."""
    reception: list[ReceptionPoint] = []
    """Các điểm tiếp nhận khác ngoài trụ sở (nếu có)."""
    former: list[ShortText] = []
    """Tên các xã, phường cũ đã nhập vào cơ quan này (người dân thường nhớ tên cũ)."""


def code_is_valid(code: str) -> bool:
    return re.fullmatch(CODE_PATTERN, code) is not None


# The province layer: a province project keeps national records (the files above, without ``local``), one
# province profile with its fee table, and one file per commune or ward. See ``load/project.py``.

CODE_SUFFIX_PATTERN = r"^(\.[0-9A-Z]{1,10}){1,6}$"


class Publication(_Record):
    """Quyết định của Ủy ban nhân dân tỉnh công bố danh mục thủ tục hành chính."""

    decision: ShortText
    """Số quyết định, ví dụ "Quyết định số 947/QĐ-UBND"."""
    date: Date
    """Ngày ban hành."""
    title: Text | None = None
    """Trích yếu của quyết định."""
    code_suffix: Annotated[str, StringConstraints(pattern=CODE_SUFFIX_PATTERN)] | None = None
    """Phần đuôi mã thủ tục của tỉnh trên Cổng, ví dụ ".000.00.00.H20"; bỏ trống nếu chưa đối chiếu."""
    url: Url | None = None
    """Đường dẫn tới văn bản."""


class Province(_Record):
    """Hồ sơ tỉnh (procedures/province.yml): phần dùng chung cho mọi xã, phường của tỉnh."""

    name: ShortText
    """Tên tỉnh, ví dụ "Tỉnh Đồng Tháp"."""
    publisher: ShortText
    """Cơ quan đăng trang, ví dụ "Sở Tư pháp tỉnh Đồng Tháp"."""
    site_url: SiteUrl
    """Địa chỉ gốc của trang web của tỉnh; trang của mỗi xã, phường nằm dưới địa chỉ này."""
    publication: Publication | None = None
    """Quyết định công bố danh mục thủ tục của tỉnh."""
    former_site: Slug | None = None
    """Mã xã, phường có trang cũ ở địa chỉ gốc (trước khi trang dùng cho cả tỉnh): địa chỉ cũ trên phiếu đã in chuyển tới trang của xã, phường đó."""


class ProvinceFee(_Record):
    """Lệ phí do Hội đồng nhân dân tỉnh quy định cho một trường hợp của một thủ tục."""

    code: Code
    """Mã thủ tục, ví dụ "1.001193"."""
    case: Slug
    """Mã trường hợp trong hồ sơ thủ tục (khóa id trong mục cases)."""
    fee: Fee
    """Mức lệ phí của tỉnh; ghi căn cứ (điều, khoản của nghị quyết) trong basis."""


class FeeTable(_Record):
    """Bảng lệ phí của tỉnh (procedures/fees.yml)."""

    resolution: ShortText
    """Nghị quyết của Hội đồng nhân dân tỉnh, ví dụ "Nghị quyết số 26/2025/NQ-HĐND"."""
    in_force: Date | None = None
    """Ngày nghị quyết có hiệu lực."""
    url: Url | None = None
    """Đường dẫn tới văn bản."""
    fees: list[ProvinceFee] = []
    """Mức lệ phí theo từng thủ tục, từng trường hợp."""


class FieldCounter(_Record):
    """Quầy tiếp nhận hồ sơ của một lĩnh vực."""

    field: Slug
    """Mã lĩnh vực, ví dụ "ho-tich"."""
    counter: ShortText
    """Tên quầy, ví dụ "Quầy số 2 - Hộ tịch"."""


class OfficeProcedure(_Record):
    """Phần riêng của xã, phường cho một thủ tục (như phần local của hồ sơ một cơ quan)."""

    code: Code
    """Mã thủ tục."""
    counter: ShortText | None = None
    """Quầy tiếp nhận riêng của thủ tục này; bỏ trống để dùng quầy của lĩnh vực (mục counters)."""
    notes: list[Text] = []
    """Lưu ý của cán bộ cho người dân."""
    keywords: list[ShortText] = []
    """Từ khóa tìm kiếm thêm (cách gọi thường dùng)."""
    same_visit: ShortText | None = None
    """Không hẹn: trả kết quả ngay trong lần đến, người dân chờ tại chỗ. Ghi thời gian chờ thường lệ, ví dụ "30–45 phút"; bỏ trống nếu hẹn ngày trả. Là cam kết của cơ quan, không phải thời hạn luật định."""


class OfficeProfile(_Record):
    """Hồ sơ một xã, phường trong tỉnh (procedures/offices/<mã>.yml); tên tệp là mã dùng trong đường dẫn."""

    name: ShortText
    """Tên cơ quan, ví dụ "Ủy ban nhân dân phường Cao Lãnh"."""
    unit: ShortText
    """Bộ phận tiếp nhận hồ sơ."""
    address: ShortText
    """Địa chỉ nộp hồ sơ (trụ sở chính)."""
    hours: Annotated[list[ShortText], Field(min_length=1)]
    """Giờ làm việc."""
    phone: Phone
    """Số điện thoại."""
    reception: list[ReceptionPoint] = []
    """Các điểm tiếp nhận khác ngoài trụ sở (nếu có)."""
    former: list[ShortText] = []
    """Tên các xã, phường cũ đã nhập vào (người dân tìm theo tên cũ)."""
    counters: list[FieldCounter] = []
    """Quầy tiếp nhận theo lĩnh vực."""
    offers: Annotated[list[Code], Field(min_length=1)] | None = None
    """Mã các thủ tục xã, phường này giải quyết; bỏ khóa này nếu giải quyết mọi thủ tục trong dữ liệu."""
    procedures: list[OfficeProcedure] = []
    """Lưu ý, từ khóa, quầy riêng, thời gian chờ của xã, phường cho từng thủ tục."""
