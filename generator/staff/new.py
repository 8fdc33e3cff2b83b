"""``phieu new``: start a procedure file that is valid as written, with what staff must fill marked.

Every value staff must write is a ``[Cần cập nhật: …]`` placeholder: the file validates, previews
build, and a production build refuses it until each placeholder is replaced.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
from pathlib import Path

from ..errors import DataError, PhieuError, Problem, display_path
from ..load.catalog import FIELDS_FILE, OFFICES_FOLDER, PROVINCE_FILE, procedure_files, read_procedure
from ..load.reader import FileReader
from ..model import CODE_PATTERN, FieldList
from .fmt import format_file
from .portal import NATIONAL_URL

SKELETON = """\
# yaml-language-server: $schema={schema}
# Thủ tục mới: thay mọi giá trị ghi "Cần cập nhật" bằng nội dung thật, đối chiếu văn bản công bố thủ tục
# và trang của thủ tục trên Cổng Dịch vụ công quốc gia. Tên tệp là mã thủ tục: đừng đổi sau khi đã in phiếu.
code: "{code}"
name: "[Cần cập nhật: tên thủ tục]"
field: {field}
level: commune  # commune: cấp xã, phường; province: cấp tỉnh
who:
  - "[Cần cập nhật: đối tượng thực hiện]"
agency:
  competent: "[Cần cập nhật: cơ quan có thẩm quyền]"
result:
  - "[Cần cập nhật: kết quả thực hiện]"
steps:
  - "[Cần cập nhật: bước 1]"
channels:
  - kind: in_person  # in_person: trực tiếp; post: bưu chính; online: trực tuyến
    time: "[Cần cập nhật: thời hạn giải quyết]"
cases:
  - id: chung
    name: "[Cần cập nhật: tên trường hợp]"
    time: "[Cần cập nhật: thời hạn giải quyết]"
    fee:
      # Số tiền viết liền, ví dụ amount: 50000 (0 là miễn phí). Chỉ ghi verified: true khi đã đối chiếu
      # văn bản quy định mức thu; chưa đối chiếu thì phiếu ghi "Hỏi tại quầy".
      text: "[Cần cập nhật: phí, lệ phí]"
      verified: false
    documents:
      - name: "[Cần cập nhật: tên giấy tờ]"
        action: submit  # submit: nộp; show: chỉ xuất trình, không nộp
        originals: 1  # số bản chính
        copies: 0  # số bản sao
legal_basis:
  - "[Cần cập nhật: văn bản, điều, khoản]"
{national_url}updated: {today}
"""


def new_procedure(code: str, field: str, into: Path, *, today: dt.date | None = None) -> Path:
    """Write ``<into>/<field>/<code>.yml`` and return its path; refuse a taken code or an unknown field."""
    into = Path(into)
    if not re.fullmatch(CODE_PATTERN, code):
        raise PhieuError(f"mã thủ tục '{code}' không đúng mẫu mã quốc gia (ví dụ 1.001193 hoặc 1.012753.H19)")
    field_ids = _field_ids(into)
    if field not in field_ids:
        close = difflib.get_close_matches(field, field_ids, n=1, cutoff=0.6)
        hint = f" (có phải '{close[0]}'?)" if close else ""
        raise PhieuError(
            f"lĩnh vực '{field}' không có trong {display_path(into / FIELDS_FILE)}{hint}; "
            f"các lĩnh vực: {', '.join(field_ids)}"
        )
    taken = _file_with_code(into, code)
    if taken is not None:
        raise PhieuError(
            f"mã thủ tục {code} đã có ở tệp {display_path(taken)}: hãy sửa tệp đó, hoặc chọn mã khác"
        )
    path = into / field / f"{code}.yml"
    schema = (into.resolve().parent / "schema" / "procedure.schema.json").as_posix()
    text = SKELETON.format(
        schema=Path(os.path.relpath(schema, (into / field).resolve())).as_posix(),
        code=code,
        field=field,
        national_url=f"national_url: {NATIONAL_URL.format(code=code)}\n" if "." not in code[2:] else "",
        today=(today or dt.date.today()).isoformat(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8", newline="\n") as out:  # never overwrite
        out.write(text)
    read_procedure(path)  # the skeleton is valid by construction; prove it before saying so
    _, canonical = format_file(path, "procedure")  # in phieu fmt's layout, its comments kept
    path.write_text(canonical, encoding="utf-8", newline="\n")
    return path


def offices_with_offers(into: Path) -> list[Path]:
    """A province's office files that list what the office offers: a new code reaches them only once added
    there (the others offer every procedure). Empty for a single office's folder."""
    folder = Path(into) / OFFICES_FOLDER
    if not (Path(into) / PROVINCE_FILE).is_file() or not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob("*.yml")):
        problems: list[Problem] = []
        located = FileReader(path, problems).read()
        if located is not None and isinstance(located.data, dict) and located.data.get("offers") is not None:
            found.append(path)
    return found


def _field_ids(into: Path) -> list[str]:
    problems: list[Problem] = []
    located = FileReader(into / FIELDS_FILE, problems).read() if (into / FIELDS_FILE).is_file() else None
    if located is None:
        raise DataError(problems or [Problem(display_path(into), 1, 1, f"không tìm thấy {FIELDS_FILE}")])
    try:
        return [f.id for f in FieldList.model_validate(located.data).fields]
    except ValueError as exc:
        raise PhieuError(f"{display_path(into / FIELDS_FILE)} có lỗi: hãy chạy 'phieu validate'") from exc


def _file_with_code(into: Path, code: str) -> Path | None:
    """The file that holds ``code``: named after it, or saying ``code: <code>`` (a copied file)."""
    pattern = re.compile(rf"""^code:\s*["']?{re.escape(code)}["']?\s*(#.*)?$""", re.MULTILINE)
    for path in procedure_files(into):
        if path.stem == code:
            return path
        try:
            if pattern.search(path.read_text(encoding="utf-8", errors="replace")):
                return path
        except OSError:
            continue
    return None
