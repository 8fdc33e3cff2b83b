"""The data we ship: it loads, it covers what the seed asks for, and its schemas are current."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from phieu.load import Catalog, load_catalog
from phieu.model import Status
from phieu.staff.schema import SCHEMAS, schema_text

from tests.loader_helpers import REPO, SHIPPED

YAML_FILES = sorted(SHIPPED.rglob("*.y*ml"))
SCHEMA_COMMENT = re.compile(r"# yaml-language-server: \$schema=(\S+)\n")

#: The civil-status procedures named in the seed (DOMAIN.md), as a phrase each name must contain.
CIVIL_STATUS = {
    "confirmation of marital status": "xác nhận tình trạng hôn nhân",
    "birth registration": "đăng ký khai sinh",
    "birth re-registration": "đăng ký lại khai sinh",
    "marriage registration": "đăng ký kết hôn",
    "marriage re-registration": "đăng ký lại kết hôn",
    "death registration": "đăng ký khai tử",
    "death re-registration": "đăng ký lại khai tử",
    "civil-status excerpt": "trích lục hộ tịch",
    "change, correction, addition": "thay đổi, cải chính, bổ sung thông tin hộ tịch",
    "recognition of father, mother or child": "nhận cha, mẹ, con",
    "adoption": "nuôi con nuôi",
    "guardianship": "đăng ký giám hộ",
    "termination of guardianship": "chấm dứt giám hộ",
}


@cache
def catalog() -> Catalog:
    return load_catalog(SHIPPED)


def normalised(name: str) -> str:
    """Lower case, NFC, single spaces, without the filler word "việc" ("đăng ký việc kết hôn")."""
    text = unicodedata.normalize("NFC", name).casefold()
    text = re.sub(r"\bviệc\s+", "", text)
    return " ".join(text.split())


def test_shipped_data_loads() -> None:
    assert catalog().procedures
    assert {f.id for f in catalog().fields} >= {"ho-tich", "chung-thuc"}


@pytest.mark.parametrize("phrase", CIVIL_STATUS.values(), ids=CIVIL_STATUS.keys())
def test_civil_status_procedure_present(phrase: str) -> None:
    found = [p for p in catalog().procedures if phrase in normalised(p.name)]
    assert found, f"no procedure named like '{phrase}'"
    current = [p for p in found if p.in_force and p.field == "ho-tich" and p.level == "commune"]
    assert current, f"'{phrase}' is only in {[(p.code, p.field, p.level, p.status) for p in found]}"


def test_authentication_field_has_procedures() -> None:
    assert len(catalog().in_field("chung-thuc")) >= 3


def test_some_procedure_has_several_cases() -> None:
    assert any(len(p.cases) > 1 for p in catalog().procedures)


def test_some_procedure_is_no_longer_in_force() -> None:
    assert any(p.status in {Status.abolished, Status.replaced} for p in catalog().procedures)


def schema_for(path: Path) -> str:
    if path.parent == SHIPPED and path.stem in {"office", "fields"}:
        return f"{path.stem}.schema.json"
    return "procedure.schema.json"


@pytest.mark.parametrize("path", YAML_FILES, ids=[str(p.relative_to(SHIPPED)) for p in YAML_FILES])
def test_first_line_points_editors_at_the_schema(path: Path) -> None:
    first = path.read_text(encoding="utf-8").split("\n", 1)[0] + "\n"
    match = SCHEMA_COMMENT.fullmatch(first)
    assert match, f"first line should be '# yaml-language-server: $schema=...', not {first!r}"
    target = (path.parent / match.group(1)).resolve()
    assert target.is_file(), f"{match.group(1)} does not exist"
    assert target == (REPO / "schema" / schema_for(path)).resolve()


@pytest.mark.parametrize("path", YAML_FILES, ids=[str(p.relative_to(SHIPPED)) for p in YAML_FILES])
def test_file_is_nfc(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    bad = [
        f"{number}: {line!r}"
        for number, line in enumerate(text.splitlines(), 1)
        if not unicodedata.is_normalized("NFC", line)
    ]
    assert not bad, f"not NFC (save as NFC): {bad}"


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings(key)
            yield from strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings(item)


def test_every_loaded_text_is_nfc() -> None:
    data = catalog()
    records = [data.office, *data.fields, *data.procedures]
    texts = [text for record in records for text in strings(record.model_dump(mode="json"))]
    assert texts
    assert [t for t in texts if not unicodedata.is_normalized("NFC", t)] == []


@pytest.mark.parametrize("name", SCHEMAS)
def test_committed_schema_is_current(name: str) -> None:
    path = REPO / "schema" / f"{name}.schema.json"
    assert path.is_file(), f"{path.relative_to(REPO)} is missing: run `make schema`"
    assert path.read_text(encoding="utf-8") == schema_text(SCHEMAS[name]), (
        f"{path.relative_to(REPO)} is stale: the model changed; run `make schema` and commit it"
    )
