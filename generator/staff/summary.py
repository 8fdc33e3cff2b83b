"""The pull-request job summary of ``phieu validate``: every problem in one Markdown table, and what to do.

GitHub shows only the first 10 error annotations of a step; staff read this table instead. Everything in
it that came from a YAML file is escaped, so a value cannot turn into a link, markup or HTML.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import Problem

#: GitHub refuses a step summary over 1 MiB (and then shows nothing); stop well before.
MAX_BYTES = 900_000

# Numeric references, not backslashes: they mean the same in GitHub's Markdown, in Python-Markdown and in
# HTML, and a reference never splits a table cell or starts emphasis, code, a link or a tag.
_ESCAPES = str.maketrans({c: f"&#{ord(c)};" for c in "&<>\"'\\`*_[]|~$"})

WHAT_TO_DO = (
    "**Cách sửa:** mở từng tệp trong bảng trên GitHub (nút bút chì), sửa đúng dòng và cột được chỉ ra, "
    "rồi bấm **Commit changes** để lưu vào chính nhánh của yêu cầu hợp nhất này: các bước kiểm tra tự chạy "
    "lại. Thẻ **Files changed** chỉ đánh dấu 10 lỗi đầu tiên; bảng này có đủ mọi lỗi. Xem thêm mục "
    "“Đọc kết quả kiểm tra” trong trang “Dành cho cán bộ”."
)


def text(value: str) -> str:
    """``value`` as literal text in a Markdown table cell (one line, nothing interpreted)."""
    return " ".join(value.splitlines()).translate(_ESCAPES)


def problems_summary(problems: Sequence[Problem]) -> str:
    """A heading, a table with one row per problem (file, line, column, message), and what to do."""
    head = [
        f"### ❌ Dữ liệu thủ tục có {len(problems)} lỗi",
        "",
        "| Tệp | Dòng | Cột | Lỗi |",
        "|---|---:|---:|---|",
    ]
    tail = ["", WHAT_TO_DO, ""]
    # Room for the line that says how many rows were left out, whatever their number.
    size = sum(len(line.encode()) + 1 for line in [*head, *tail, "", _more(len(problems))])
    rows: list[str] = []
    for problem in problems:
        row = f"| {text(problem.path)} | {problem.line} | {problem.col} | {text(problem.message)} |"
        size += len(row.encode()) + 1
        if size > MAX_BYTES:
            tail[:0] = ["", _more(len(problems) - len(rows))]
            break
        rows.append(row)
    return "\n".join(head + rows + tail)


def _more(count: int) -> str:
    return f"… và {count} lỗi nữa (tóm tắt quá dài): chạy `phieu validate` để xem hết."


def valid_summary(procedures: int, fields: int, offices: int | None = None) -> str:
    """The one line shown when the data has no problem (``offices``: a province's)."""
    where = f", {offices} xã, phường" if offices is not None else ""
    return f"✅ Dữ liệu thủ tục hợp lệ: {procedures} thủ tục, {fields} lĩnh vực{where}."
