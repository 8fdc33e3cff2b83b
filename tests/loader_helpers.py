"""Shared helpers for the loader tests: a minimal valid procedures folder to break."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from phieu.errors import DataError
from phieu.load import Catalog, load_catalog

REPO = Path(__file__).resolve().parent.parent
SHIPPED = REPO / "procedures"
#: A single office's folder (office.yml beside the records), the layout most loader tests break.
SINGLE_OFFICE = REPO / "tests" / "fixtures" / "single-office" / "procedures"

#: The smallest procedure the model accepts, with one form referenced by one document.
#: Tests assert literal line:col positions in it, so keep its layout stable.
PROCEDURE = """\
code: "1.001193"
name: Đăng ký khai sinh
field: ho-tich
level: commune
who:
  - Cha hoặc mẹ của trẻ
agency:
  competent: Ủy ban nhân dân cấp xã
result:
  - Giấy khai sinh
steps:
  - Nộp hồ sơ tại Bộ phận Một cửa.
channels:
  - kind: in_person
    time: Ngay trong ngày làm việc
cases:
  - id: dung-han
    name: Đăng ký khai sinh đúng hạn
    time: Ngay trong ngày làm việc
    fee:
      amount: 0
      verified: true
    documents:
      - name: Tờ khai đăng ký khai sinh
        action: submit
        originals: 1
        copies: 0
        form: to-khai-khai-sinh
forms:
  - id: to-khai-khai-sinh
    name: Tờ khai đăng ký khai sinh
    fields:
      - label: Họ, chữ đệm, tên
        sample: NGUYỄN VĂN AN
legal_basis:
  - Luật Hộ tịch số 60/2014/QH13
updated: 2026-11-29
"""

#: Where the minimal procedure lives, relative to the working directory the tests chdir into.
PROC_PATH = "procedures/ho-tich/1.001193.yml"


def make_root(base: Path) -> Path:
    """A valid procedures folder under ``base``: the shipped office and fields, one procedure."""
    root = base / "procedures"
    root.mkdir()
    for name in ("office.yml", "fields.yml"):
        shutil.copyfile(SINGLE_OFFICE / name, root / name)
    write_procedure(root, PROCEDURE)
    return root


def write_procedure(
    root: Path, content: str | bytes, name: str = "1.001193.yml", folder: str = "ho-tich"
) -> Path:
    """Write one procedure file (text is written as UTF-8 bytes, untouched)."""
    path = root / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def edit(text: str, old: str, new: str) -> str:
    """Replace exactly one occurrence of ``old`` in ``text``."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def problems(root: Path) -> list[str]:
    """Load ``root`` expecting a DataError; return each problem as ``path:line:col: message``."""
    with pytest.raises(DataError) as info:
        load_catalog(root)
    return [str(p) for p in info.value.problems]


def load_ok(root: Path) -> Catalog:
    return load_catalog(root)
