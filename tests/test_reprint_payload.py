"""Issue 12, part 2: what is printed decides the reprint list.

A slip's version (the hash printed in its footer, compared by ``phieu diff``) must change exactly when the
slip's text changes. Each leaf of a few shipped procedure records is changed to another value the model
accepts; the slip is rendered before and after, and the texts are compared with the version taken out.
The rule for what is printed is not restated here: the rendered slip is the judge. Every leaf is checked
against the text of the HTML the PDF is made from; a sample also against the text pypdf extracts from the PDF.
"""

from __future__ import annotations

import datetime as dt
import functools
import html.parser
import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from phieu import load_catalog
from phieu.load import Catalog
from phieu.model import Document, Procedure
from phieu.render import slip as slip_module
from phieu.render.slip import SlipRenderer
from pydantic import ValidationError
from pypdf import PdfReader

from tests.conftest import ROOT, SINGLE_OFFICE

SITE = "https://phieu.example.vn/"
Path_ = tuple[str | int, ...]


@functools.cache
def catalog() -> Catalog:
    return load_catalog(SINGLE_OFFICE)


@functools.cache
def renderer() -> SlipRenderer:
    return SlipRenderer(catalog(), ROOT / "theme", site_url=SITE)


def leaves(value: Any, path: Path_ = ()) -> Iterator[tuple[Path_, Any]]:
    """Every leaf of a JSON value: scalars, None, and empty lists (which can gain an item)."""
    if isinstance(value, dict) and value:
        for key, item in value.items():
            yield from leaves(item, (*path, key))
    elif isinstance(value, list) and value:
        for index, item in enumerate(value):
            yield from leaves(item, (*path, index))
    else:
        yield path, value


def _situation(p: Procedure) -> tuple[bool, bool]:
    return len(p.cases) > 1, p.in_force


def _kind(path: Path_) -> tuple[str, ...]:
    return tuple("*" if isinstance(step, int) else step for step in path)


@functools.cache
def sample_procedures() -> tuple[Procedure, ...]:
    """Few shipped procedures that together hold every kind of leaf in every printed situation found in
    the data (one case or several, in force or not): chosen greedily, so the set follows the data."""
    kinds = {
        p.code: {(_situation(p), _kind(path)) for path, _ in leaves(p.model_dump(mode="json"))}
        for p in catalog().procedures
    }
    wanted = set().union(*kinds.values())
    chosen: list[str] = []
    covered: set = set()
    while covered != wanted:
        best = max(sorted(kinds), key=lambda code: len(kinds[code] - covered))
        chosen.append(best)
        covered |= kinds[best]
    return tuple(catalog().procedure(code) for code in chosen)


def all_leaves() -> list[tuple[str, Path_]]:
    return [(p.code, path) for p in sample_procedures() for path, _ in leaves(p.model_dump(mode="json"))]


# --- values the model accepts, from its JSON Schema ----------------------------------------------------

SCHEMA = Procedure.model_json_schema()
TEXT = st.text(
    alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyAĐÊÔƠƯáàảãạấầẩẫậếềểễệốồổỗộớờởỡợứừửữựíìỉĩịýúùủũụ0123456789 .,;:()-/&<>\"'",
    min_size=1,
    max_size=30,
)


def _resolve(node: dict) -> dict:
    while "$ref" in node:
        node = SCHEMA["$defs"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _schema_at(path: Path_) -> dict:
    node: dict = SCHEMA
    for step in path:
        node = _resolve(node)
        branches = [_resolve(b) for b in node.get("anyOf", [node])]
        key = "items" if isinstance(step, int) else "properties"
        branch = next(b for b in branches if key in b)
        node = branch["items"] if isinstance(step, int) else branch["properties"][step]
    return node


def strategy(node: dict) -> st.SearchStrategy:
    node = _resolve(node)
    if "anyOf" in node:  # a branch may leave its type to the node around it
        inherited = {key: node[key] for key in ("type",) if key in node}
        return st.one_of([strategy({**inherited, **branch}) for branch in node["anyOf"]])
    if "enum" in node:
        return st.sampled_from(node["enum"])
    if "const" in node:
        return st.just(node["const"])
    kind = node.get("type")
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        low = node.get("minimum", node.get("ge", -(10**6)))
        return st.integers(low, node.get("maximum", node.get("le", 10**9)))
    if kind == "string":
        if node.get("format") == "date":
            return st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31)).map(dt.date.isoformat)
        limit = node.get("maxLength", 1000)
        if "pattern" in node:
            return st.from_regex(node["pattern"], fullmatch=True).filter(lambda s: len(s) <= limit)
        return TEXT
    if kind == "array":
        return st.lists(strategy(node["items"]), min_size=max(1, node.get("minItems", 0)), max_size=2)
    if kind == "object":
        properties = node["properties"]
        required = set(node.get("required", ()))
        return st.fixed_dictionaries(
            {k: strategy(v) for k, v in properties.items() if k in required},
            optional={k: strategy(v) for k, v in properties.items() if k not in required},
        )
    raise AssertionError(f"no strategy for {node}")


def values_for(path: Path_) -> st.SearchStrategy:
    if path == ("field",):  # a cross-reference: the slip needs a field that exists
        return st.sampled_from([f.id for f in catalog().fields])
    return strategy(_schema_at(path))


def replaced(value: Any, path: Path_, new: Any) -> Any:
    if not path:
        return new
    head, *rest = path
    if isinstance(value, list):
        return [replaced(v, tuple(rest), new) if i == head else v for i, v in enumerate(value)]
    return {k: replaced(v, tuple(rest), new) if k == head else v for k, v in value.items()}


def mutated(original: Procedure, path: Path_, new: Any) -> Procedure | None:
    """The record with one leaf replaced, if the model accepts it and it is really different."""
    dump = original.model_dump(mode="json")
    try:
        changed = Procedure.model_validate(replaced(dump, path, new))
    except ValidationError:
        return None
    return None if changed.model_dump(mode="json") == dump else changed


# --- the slip's text ---------------------------------------------------------------------------------


class _BodyText(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, _attrs) -> None:
        self.inside = self.inside or tag == "body"

    def handle_data(self, data: str) -> None:
        if self.inside:
            self.parts.append(data)


def _without(text: str, version: str) -> str:
    text = " ".join(text.split())
    assert version in text, f"version {version} not found in the slip's text"
    return text.replace(version, "")


def html_text(p: Procedure) -> tuple[str, str]:
    """(the slip's HTML body text with the version taken out, the version)."""
    context = renderer().slip_context(p, "A5")
    parser = _BodyText()
    parser.feed(renderer().slip_html([p], "A5", p.name))
    return _without(" ".join(parser.parts), context["version"]), context["version"]


def pdf_text(p: Procedure) -> tuple[str, str]:
    """(the text pypdf extracts from the slip's PDF with the version taken out, the version)."""
    version = renderer().slip_context(p, "A5")["version"]
    reader = PdfReader(io.BytesIO(renderer().slip(p, "A5").content))
    return _without(" ".join(page.extract_text() or "" for page in reader.pages), version), version


@functools.cache
def _original_html(code: str) -> tuple[str, str]:
    return html_text(catalog().procedure(code))


@functools.cache
def _original_pdf(code: str) -> tuple[str, str]:
    return pdf_text(catalog().procedure(code))


@pytest.fixture(autouse=True, scope="module")
def _qr_once():
    """Drawing a QR code is most of an HTML slip's cost; the URL rarely changes here, so draw each once."""
    original = slip_module.make_qr
    slip_module.make_qr = functools.lru_cache(maxsize=64)(original)
    yield
    slip_module.make_qr = original


PROPERTY = settings(
    max_examples=4, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow]
)


@pytest.mark.parametrize(
    ("code", "path"), all_leaves(), ids=lambda v: v if isinstance(v, str) else ".".join(map(str, v))
)
@PROPERTY
@given(data=st.data())
def test_version_changes_exactly_when_the_slip_text_does(code: str, path: Path_, data) -> None:
    original = catalog().procedure(code)
    changed = mutated(original, path, data.draw(values_for(path), label="new value"))
    assume(changed is not None)
    before, old_version = _original_html(code)
    after, new_version = html_text(changed)
    assert (old_version != new_version) == (before != after), (
        f"{'.'.join(map(str, path))}: version {old_version} → {new_version}, "
        f"text {'changed' if before != after else 'unchanged'}"
    )


def pdf_sample() -> list[tuple[str, Path_]]:
    """Every 25th leaf, so each part of the record appears; the PDF costs ~0.3 s a slip."""
    return all_leaves()[::25]


@pytest.mark.parametrize(
    "code,path", pdf_sample(), ids=lambda v: v if isinstance(v, str) else ".".join(map(str, v))
)
@settings(max_examples=1, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(data=st.data())
def test_printed_pdf_agrees(code: str, path: Path_, data) -> None:
    original = catalog().procedure(code)
    changed = mutated(original, path, data.draw(values_for(path), label="new value"))
    assume(changed is not None)
    before, old_version = _original_pdf(code)
    after, new_version = pdf_text(changed)
    assert (old_version != new_version) == (before != after), (
        f"{'.'.join(map(str, path))}: version {old_version} → {new_version}, "
        f"PDF text {'changed' if before != after else 'unchanged'}"
    )


def test_the_property_covers_a_printed_and_an_unprinted_change() -> None:
    """The comparison can fail both ways: a document's note is printed (unless a short name replaces the
    name and the note), the legal basis is not."""

    def printed_note(d: Document) -> bool:
        return bool(d.note) and not d.short

    p = next(p for p in sample_procedures() if any(printed_note(d) for c in p.cases for d in c.documents))
    ci, di = next(
        (ci, di) for ci, c in enumerate(p.cases) for di, d in enumerate(c.documents) if printed_note(d)
    )
    note = mutated(p, ("cases", ci, "documents", di, "note"), "Ghi chú mới")
    basis = mutated(p, ("legal_basis", 0), "Luật mới")
    assert note is not None and basis is not None
    (before, v0), (after_note, v1), (after_basis, v2) = html_text(p), html_text(note), html_text(basis)
    assert before != after_note and v0 != v1
    assert before == after_basis and v0 == v2
    assert re.search(r"Ghi chú mới", after_note)
