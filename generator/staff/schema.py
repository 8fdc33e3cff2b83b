"""JSON Schemas for editors, generated from the model (never written by hand).

What the model says, plus what guides staff as they type: a Vietnamese title for every key and list
item, examples, snippets for a new procedure, case, document and form field, patterns valid in
JavaScript (VS Code and the staff editor run them there) with a message in Vietnamese, and keys in
model order. The staff editor's form (``editor.py``) is generated from these schemas too.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ..model import (
    CODE_PATTERN,
    CODE_SUFFIX_PATTERN,
    FOOTNOTE_PATTERN,
    SITE_URL_PATTERN,
    SLUG_PATTERN,
    URL_PATTERN,
    FeeTable,
    FieldList,
    Office,
    OfficeProfile,
    Procedure,
    Province,
    SharedForm,
)

#: One schema per kind of data file (``schema/<kind>.schema.json``); the last three are a province's:
#: ``province.yml``, ``fees.yml`` and ``offices/<id>.yml``.
SCHEMAS: dict[str, type[BaseModel]] = {
    "procedure": Procedure,
    "fields": FieldList,
    "office": Office,
    "province": Province,
    "fees": FeeTable,
    "office-profile": OfficeProfile,
    "form": SharedForm,
}

#: A Vietnamese title for each model ("") and each of its keys; "key[]" titles one item of a list of texts.
TITLES: dict[str, dict[str, str]] = {
    "Procedure": {
        "": "Thủ tục hành chính",
        "code": "Mã thủ tục",
        "name": "Tên thủ tục",
        "field": "Lĩnh vực",
        "level": "Cấp thực hiện",
        "status": "Tình trạng hiệu lực",
        "replaced_by": "Thủ tục thay thế",
        "status_note": "Ghi chú về hiệu lực",
        "summary": "Giới thiệu ngắn",
        "who": "Đối tượng thực hiện",
        "who[]": "Đối tượng",
        "agency": "Cơ quan thực hiện",
        "result": "Kết quả thực hiện",
        "result[]": "Kết quả",
        "steps": "Trình tự thực hiện",
        "steps[]": "Bước",
        "channels": "Cách thức thực hiện",
        "cases": "Trường hợp",
        "forms": "Mẫu đơn, tờ khai",
        "requirements": "Yêu cầu, điều kiện",
        "requirements[]": "Yêu cầu",
        "notes": "Lưu ý (chép từ Cổng)",
        "notes[]": "Lưu ý",
        "legal_basis": "Căn cứ pháp lý",
        "legal_basis[]": "Văn bản",
        "national_url": "Trang trên Cổng Dịch vụ công quốc gia",
        "updated": "Ngày cập nhật",
        "verified": "Ngày đối chiếu văn bản",
        "local": "Phần của địa phương",
        "source": "Nguồn trên Cổng (phieu import ghi)",
    },
    "Agency": {
        "": "Cơ quan thực hiện",
        "competent": "Cơ quan có thẩm quyền",
        "authorised": "Cơ quan được ủy quyền",
        "coordinating": "Cơ quan phối hợp",
        "coordinating[]": "Cơ quan",
    },
    "Channel": {
        "": "Cách thức thực hiện",
        "kind": "Cách nộp",
        "time": "Thời hạn giải quyết",
        "fee": "Phí, lệ phí riêng của cách này",
        "url": "Đường dẫn nộp trực tuyến",
        "note": "Mô tả",
    },
    "Case": {
        "": "Trường hợp",
        "id": "Mã trường hợp",
        "name": "Tên trường hợp",
        "documents": "Thành phần hồ sơ",
        "time": "Thời hạn giải quyết",
        "fee": "Phí, lệ phí",
        "note": "Ghi chú",
    },
    "Document": {
        "": "Giấy tờ",
        "name": "Tên giấy tờ",
        "short": "Tên ngắn in trên phiếu",
        "action": "Nộp hay xuất trình",
        "originals": "Số bản chính",
        "copies": "Số bản sao",
        "form": "Mẫu đơn (mã)",
        "note": "Ghi chú cho người dân",
        "optional": "Chỉ cần trong một số trường hợp",
    },
    "Fee": {
        "": "Phí, lệ phí",
        "amount": "Số tiền (đồng)",
        "text": "Mô tả mức thu",
        "verified": "Đã đối chiếu văn bản",
        "varies_by_province": "Mức thu do tỉnh quy định",
        "basis": "Văn bản quy định mức thu",
        "basis[]": "Văn bản",
        "exemptions": "Miễn, giảm",
        "exemptions[]": "Trường hợp miễn, giảm",
    },
    "Form": {
        "": "Mẫu đơn, tờ khai",
        "id": "Mã mẫu",
        "name": "Tên mẫu",
        "number": "Số hiệu mẫu",
        "url": "Đường dẫn tải mẫu trống",
        "fields": "Các ô điền mẫu",
    },
    "FormField": {"": "Ô trên mẫu", "label": "Tên ô", "sample": "Giá trị điền mẫu"},
    "Local": {
        "": "Phần của địa phương",
        "counter": "Quầy tiếp nhận",
        "notes": "Lưu ý của cơ quan",
        "notes[]": "Lưu ý",
        "keywords": "Từ khóa tìm kiếm",
        "keywords[]": "Từ khóa",
        "same_visit": "Không hẹn: thời gian chờ",
    },
    "Source": {
        "": "Nguồn trên Cổng Dịch vụ công quốc gia",
        "portal_id": "Mã bản ghi trên Cổng",
        "code": "Mã thủ tục trên Cổng",
        "kind": "Loại thủ tục",
        "decision": "Quyết định công bố",
        "issuer": "Cơ quan ban hành quyết định",
        "decision_date": "Ngày ban hành quyết định",
        "published": "Ngày Cổng công bố",
        "portal_updated": "Cổng cập nhật lúc",
        "imported": "Ngày nhập",
        "sha256": "Mã SHA-256 của tệp đã nhập",
    },
    "FieldList": {"": "Danh sách lĩnh vực", "fields": "Các lĩnh vực"},
    "FieldInfo": {
        "": "Lĩnh vực",
        "id": "Mã lĩnh vực",
        "name": "Tên lĩnh vực",
        "order": "Thứ tự",
        "description": "Mô tả",
    },
    "Office": {
        "": "Hồ sơ cơ quan",
        "name": "Tên cơ quan",
        "unit": "Bộ phận tiếp nhận",
        "province": "Tỉnh, thành phố",
        "address": "Địa chỉ nộp hồ sơ",
        "hours": "Giờ làm việc",
        "hours[]": "Buổi làm việc",
        "phone": "Số điện thoại",
        "site_url": "Địa chỉ trang web",
        "reception": "Điểm tiếp nhận khác",
        "former": "Xã, phường cũ đã nhập vào",
        "former[]": "Tên xã, phường cũ",
    },
    "ReceptionPoint": {
        "": "Điểm tiếp nhận",
        "name": "Tên điểm tiếp nhận",
        "address": "Địa chỉ",
        "hours": "Giờ tiếp nhận",
        "hours[]": "Buổi tiếp nhận",
        "phone": "Số điện thoại",
    },
    "Province": {
        "": "Hồ sơ tỉnh",
        "name": "Tên tỉnh",
        "publisher": "Cơ quan đăng trang",
        "site_url": "Địa chỉ trang web của tỉnh",
        "publication": "Quyết định công bố danh mục thủ tục",
        "former_site": "Xã, phường có trang cũ ở địa chỉ gốc",
    },
    "Publication": {
        "": "Quyết định công bố danh mục thủ tục",
        "decision": "Số quyết định",
        "date": "Ngày ban hành",
        "title": "Trích yếu",
        "code_suffix": "Đuôi mã thủ tục của tỉnh",
        "url": "Đường dẫn tới văn bản",
    },
    "FeeTable": {
        "": "Bảng lệ phí của tỉnh",
        "resolution": "Nghị quyết của Hội đồng nhân dân tỉnh",
        "in_force": "Ngày có hiệu lực",
        "url": "Đường dẫn tới văn bản",
        "fees": "Mức lệ phí",
    },
    "ProvinceFee": {
        "": "Lệ phí của tỉnh cho một trường hợp",
        "code": "Mã thủ tục",
        "case": "Trường hợp (mã)",
        "fee": "Mức lệ phí",
    },
    "OfficeProfile": {
        "": "Hồ sơ xã, phường",
        "name": "Tên cơ quan",
        "unit": "Bộ phận tiếp nhận",
        "address": "Địa chỉ nộp hồ sơ",
        "hours": "Giờ làm việc",
        "hours[]": "Buổi làm việc",
        "phone": "Số điện thoại",
        "reception": "Điểm tiếp nhận khác",
        "former": "Xã, phường cũ đã nhập vào",
        "former[]": "Tên xã, phường cũ",
        "counters": "Quầy theo lĩnh vực",
        "offers": "Thủ tục giải quyết",
        "offers[]": "Mã thủ tục",
        "procedures": "Phần riêng theo thủ tục",
    },
    "FieldCounter": {"": "Quầy của lĩnh vực", "field": "Lĩnh vực", "counter": "Quầy tiếp nhận"},
    "OfficeProcedure": {
        "": "Phần riêng của thủ tục",
        "code": "Mã thủ tục",
        "counter": "Quầy tiếp nhận riêng",
        "notes": "Lưu ý của cơ quan",
        "notes[]": "Lưu ý",
        "keywords": "Từ khóa tìm kiếm",
        "keywords[]": "Từ khóa",
        "same_visit": "Không hẹn: thời gian chờ",
    },
    "SharedForm": {
        "": "Mẫu tờ khai dùng chung",
        "id": "Mã mẫu",
        "name": "Tên mẫu",
        "title": "Tiêu đề in trên mẫu",
        "source": "Nguồn của mẫu",
        "url": "Đường dẫn tải mẫu trống chính thức",
        "sections": "Các phần của mẫu",
        "signers": "Người ký",
        "signers[]": "Người ký",
        "notes": "Chú thích của mẫu",
        "updated": "Ngày cập nhật",
    },
    "FormSource": {
        "": "Nguồn của mẫu",
        "basis": "Văn bản ban hành mẫu",
        "annex": "Phụ lục",
        "number": "Số hiệu mẫu",
        "verified": "Đã đối chiếu với văn bản gốc",
        "references": "Nơi đã đọc nội dung mẫu",
        "references[]": "Nơi đã đọc",
        "unconfirmed": "Điều chưa đối chiếu được",
        "unconfirmed[]": "Điều chưa đối chiếu",
    },
    "FormSection": {
        "": "Phần của mẫu",
        "title": "Tên phần (trên điện thoại)",
        "lead": "Câu dẫn, lời cam đoan",
        "lead[]": "Đoạn",
        "inputs": "Các ô",
        "beside": "In thành cột bên cạnh phần trước",
    },
    "FormInput": {
        "": "Ô trên mẫu",
        "id": "Mã ô",
        "label": "Tên ô như in trên mẫu",
        "kind": "Kiểu ô",
        "options": "Các lựa chọn",
        "options[]": "Lựa chọn",
        "note": "Số chú thích",
        "help": "Hướng dẫn của cơ quan",
        "sample": "Giá trị điền mẫu",
        "when": "Chỉ điền khi",
        "after": "Chữ in sau ô",
        "inline": "In cùng dòng với ô trước",
        "printed": "In trên tờ khai",
    },
    "InputCondition": {"": "Chỉ điền khi", "field": "Ô chọn ở phía trên", "equals": "Có giá trị"},
    "FormNote": {"": "Chú thích", "mark": "Số chú thích", "text": "Lời chú thích"},
    "InputKind": {"": "Kiểu ô"},
    "Level": {"": "Cấp thực hiện"},
    "Status": {"": "Tình trạng hiệu lực"},
    "ChannelKind": {"": "Cách nộp"},
    "Action": {"": "Nộp hay xuất trình"},
    "SourceKind": {"": "Loại thủ tục"},
}

#: What a value that does not match a pattern should look like.
PATTERN_MESSAGES: dict[str, str] = {
    CODE_PATTERN: "Mã thủ tục dạng 1.001193 (thủ tục của tỉnh có thêm hậu tố, ví dụ 1.012753.H19).",
    SLUG_PATTERN: "Chỉ chữ thường không dấu, chữ số và dấu gạch ngang giữa các từ, ví dụ dung-han.",
    URL_PATTERN: "Đường dẫn bắt đầu bằng http:// hoặc https://, không có dấu cách.",
    SITE_URL_PATTERN: "Đường dẫn bắt đầu bằng http:// hoặc https://, không có dấu cách, không có phần ? hay #.",
    CODE_SUFFIX_PATTERN: "Đuôi mã của tỉnh: các phần bắt đầu bằng dấu chấm, chữ in hoa và số, ví dụ .000.00.00.H20.",
    r"^[0-9a-f]{64}$": "64 ký tự 0–9, a–f (phieu import ghi, đừng sửa).",
    FOOTNOTE_PATTERN: "Số chú thích như in trên mẫu, chỉ chữ số: 1 cho chú thích (1).",
    r"^[0-9 +().\-\[\]A-Za-zÀ-ỹ:]{3,60}$": "Số điện thoại: chữ số, dấu cách và + ( ) . - (3 đến 60 ký tự).",
}

#: Example values shown by editors, by model and key.
EXAMPLES: dict[tuple[str, str], list[Any]] = {
    ("Procedure", "code"): ["1.001193", "1.012753.H19"],
    ("Procedure", "field"): ["ho-tich", "chung-thuc"],
    ("Procedure", "updated"): ["2026-11-29"],
    ("Case", "id"): ["dung-han", "qua-han", "chung"],
    ("Case", "time"): ["Ngay trong ngày làm việc", "03 ngày làm việc"],
    ("Document", "name"): ["Tờ khai đăng ký khai sinh", "Giấy chứng sinh do cơ sở y tế cấp"],
    ("Document", "short"): ["Giấy chứng sinh", "Nếu nhờ người khác làm thay: văn bản ủy quyền"],
    ("Fee", "text"): ["Miễn lệ phí", "8.000 đồng/bản trích lục"],
    ("Form", "id"): ["to-khai-khai-sinh"],
    ("FormField", "label"): ["Họ, chữ đệm, tên người yêu cầu"],
    ("FormField", "sample"): ["NGUYỄN VĂN AN"],
    ("Local", "same_visit"): ["30–45 phút"],
    ("FieldInfo", "id"): ["ho-tich"],
    ("Province", "name"): ["Tỉnh Đồng Tháp"],
    ("Province", "publisher"): ["Sở Tư pháp tỉnh Đồng Tháp"],
    ("Province", "former_site"): ["phuong-cao-lanh"],
    ("Publication", "code_suffix"): [".000.00.00.H20"],
    ("FeeTable", "resolution"): ["Nghị quyết số 26/2025/NQ-HĐND của Hội đồng nhân dân tỉnh Đồng Tháp"],
    ("ProvinceFee", "code"): ["1.004746"],
    ("ProvinceFee", "case"): ["dang-ky-lai-ket-hon"],
    ("OfficeProfile", "name"): ["Ủy ban nhân dân phường Cao Lãnh"],
    ("FieldCounter", "field"): ["ho-tich"],
    ("FieldCounter", "counter"): ["Quầy số 2 - Hộ tịch"],
    ("OfficeProcedure", "same_visit"): ["30–45 phút"],
}

_NEW_DOCUMENT = {"name": "$1", "action": "submit", "originals": 1, "copies": 0}

#: Snippets VS Code offers where a new item starts (``defaultSnippets``): the keys a valid item needs.
SNIPPETS: dict[str, list[dict[str, Any]]] = {
    "Procedure": [
        {
            "label": "Thủ tục mới",
            "description": "Các khóa bắt buộc của một thủ tục; điền nội dung thật.",
            "body": {
                "code": "$1",
                "name": "$2",
                "field": "$3",
                "level": "commune",
                "who": ["$4"],
                "agency": {"competent": "$5"},
                "result": ["$6"],
                "steps": ["$7"],
                "channels": [{"kind": "in_person", "time": "$8"}],
                "cases": [
                    {
                        "id": "chung",
                        "name": "$9",
                        "documents": [_NEW_DOCUMENT],
                        "time": "$10",
                        "fee": {"text": "$11"},
                    }
                ],
                "legal_basis": ["$12"],
                "updated": "$13",
            },
        }
    ],
    "Case": [
        {
            "label": "Trường hợp mới",
            "description": "Mã, tên, hồ sơ, thời hạn và phí của một trường hợp.",
            "body": {
                "id": "$1",
                "name": "$2",
                "documents": [_NEW_DOCUMENT],
                "time": "$3",
                "fee": {"text": "$4"},
            },
        }
    ],
    "Document": [
        {"label": "Giấy tờ nộp", "description": "Một giấy tờ cần nộp (bản chính).", "body": _NEW_DOCUMENT},
        {
            "label": "Giấy tờ xuất trình",
            "description": "Chỉ xuất trình để đối chiếu, không nộp.",
            "body": {**_NEW_DOCUMENT, "action": "show"},
        },
    ],
    "ProvinceFee": [
        {
            "label": "Lệ phí của tỉnh",
            "description": "Mã thủ tục, mã trường hợp, mức thu (amount: số tiền viết liền) và căn cứ (điều, khoản).",
            "body": {
                "code": "$1",
                "case": "$2",
                "fee": {"text": "$3", "verified": False, "basis": ["$4"]},
            },
        }
    ],
    "FieldCounter": [
        {
            "label": "Quầy của lĩnh vực",
            "description": "Mã lĩnh vực và tên quầy.",
            "body": {"field": "$1", "counter": "$2"},
        }
    ],
    "OfficeProcedure": [
        {
            "label": "Phần riêng của một thủ tục",
            "description": "Mã thủ tục và từ khóa người dân hay dùng.",
            "body": {"code": "$1", "keywords": ["$2"]},
        }
    ],
    "FormField": [
        {
            "label": "Ô điền mẫu",
            "description": "Tên ô và giá trị điền mẫu.",
            "body": {"label": "$1", "sample": "$2"},
        }
    ],
}


def js_pattern(pattern: str) -> str:
    """``pattern`` as JavaScript reads it with the ``u`` flag: no escaped quotes (Python allows them)."""
    return re.sub(r"\\([\"'`])", r"\1", pattern)


def json_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The schema of ``model`` with its editor guidance, keys in model order."""
    schema = model.model_json_schema()
    for name, definition in [(model.__name__, schema), *schema.get("$defs", {}).items()]:
        _decorate(name, definition, [])
    _patterns(schema)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def missing_titles() -> list[str]:
    """Models and keys without a Vietnamese title in :data:`TITLES` (they show their key name instead)."""
    missing: list[str] = []
    for model in SCHEMAS.values():
        schema = model.model_json_schema()
        for name, definition in [(model.__name__, schema), *schema.get("$defs", {}).items()]:
            _decorate(name, definition, missing)
    return sorted(set(missing))


def _decorate(name: str, definition: dict[str, Any], missing: list[str]) -> None:
    titles = TITLES.get(name, {})
    if "" not in titles:
        missing.append(name)
    definition["title"] = titles.get("", name)
    for key, prop in definition.get("properties", {}).items():
        if key not in titles:
            missing.append(f"{name}.{key}")
        prop["title"] = titles.get(key, key)
        if f"{key}[]" in titles:
            for branch in [prop, *prop.get("anyOf", ())]:
                if branch.get("type") == "array" and branch["items"].get("type") == "string":
                    branch["items"]["title"] = titles[f"{key}[]"]
        if (name, key) in EXAMPLES:
            prop["examples"] = EXAMPLES[(name, key)]
    if name in SNIPPETS:
        definition["defaultSnippets"] = SNIPPETS[name]


def _patterns(value: Any) -> None:
    """Every ``pattern``: valid in JavaScript, with the message editors show when a value does not match."""
    if isinstance(value, dict):
        if isinstance(value.get("pattern"), str):
            raw = value["pattern"]
            value["pattern"] = js_pattern(raw)
            value["patternErrorMessage"] = PATTERN_MESSAGES[raw]
        for item in value.values():
            _patterns(item)
    elif isinstance(value, list):
        for item in value:
            _patterns(item)


def schema_text(model: type[BaseModel]) -> str:
    return json.dumps(json_schema(model), ensure_ascii=False, indent=2) + "\n"


def write_schemas(folder: Path) -> list[Path]:
    """Write one ``<name>.schema.json`` per model into ``folder``; return the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, model in SCHEMAS.items():
        path = folder / f"{name}.schema.json"
        path.write_text(schema_text(model), encoding="utf-8")
        written.append(path)
    return written
