"""Arbitrary text in every text field: it loads and renders as escaped text, or is a located error.

No full MkDocs build per example: the procedure page is rendered with PageRenderer directly.
"""

from __future__ import annotations

import copy
import itertools
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from phieu.errors import DataError
from phieu.load import load_catalog
from phieu.render.pages import PageRenderer

from tests.conftest import ROOT, SINGLE_OFFICE
from tests.loader_helpers import PROCEDURE, make_root

#: Every text field of a procedure, as a path into the YAML document.
PROCEDURE_TEXTS: list[tuple[str | int, ...]] = [
    ("name",),
    ("summary",),
    ("who", 0),
    ("agency", "competent"),
    ("agency", "authorised"),
    ("agency", "coordinating", 0),
    ("result", 0),
    ("steps", 0),
    ("channels", 0, "time"),
    ("channels", 0, "note"),
    ("cases", 0, "name"),
    ("cases", 0, "time"),
    ("cases", 0, "note"),
    ("cases", 0, "fee", "text"),
    ("cases", 0, "fee", "exemptions", 0),
    ("cases", 0, "documents", 0, "name"),
    ("cases", 0, "documents", 0, "note"),
    ("forms", 0, "name"),
    ("forms", 0, "number"),
    ("forms", 0, "fields", 0, "label"),
    ("forms", 0, "fields", 0, "sample"),
    ("requirements", 0),
    ("legal_basis", 0),
    ("local", "counter"),
    ("local", "notes", 0),
]
OFFICE_TEXTS = [("name",), ("unit",), ("address",), ("hours", 0)]
FIELD_TEXTS = [("fields", 0, "name")]


class _NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump(document: Any) -> bytes:
    return yaml.dump(document, Dumper=_NoAliases, allow_unicode=True, sort_keys=False).encode("utf-8")


def put(document: Any, path: tuple[str | int, ...], value: str) -> None:
    for part, following in itertools.pairwise(path):
        empty: Any = [] if isinstance(following, int) else {}
        if isinstance(part, str):
            document = document.setdefault(part, empty)
        else:
            while len(document) <= part:
                document.append(empty)
            document = document[part]
    last = path[-1]
    if isinstance(last, int):
        while len(document) <= last:
            document.append(None)
    document[last] = value


def get(document: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        document = getattr(document, part) if isinstance(part, str) else document[part]
    return document


BASE_PROCEDURE = yaml.safe_load(PROCEDURE)
BASE_PROCEDURE["agency"]["coordinating"] = ["x"]
BASE_PROCEDURE["cases"][0]["fee"]["exemptions"] = ["x"]
BASE_OFFICE = yaml.safe_load((SINGLE_OFFICE / "office.yml").read_text(encoding="utf-8"))
BASE_FIELDS = yaml.safe_load((SINGLE_OFFICE / "fields.yml").read_text(encoding="utf-8"))

#: Text with the characters that matter most, mixed with arbitrary Unicode (YAML cannot hold surrogates).
HOSTILE_CHARS = st.sampled_from(
    list("<>&'\"\n\r\t {}%#*_`[]()!:-|\\/=\x00\x1b\x7f\x85\xa0\u2028\u2029\ufeffé")
)
TEXT = st.one_of(
    st.text(),
    st.text(alphabet=HOSTILE_CHARS),
    st.lists(
        st.one_of(
            st.sampled_from(["<script>", "</li>", "<!--", "{{ x }}", "{%", "&amp;", "**", "javascript:"]),
            st.text(max_size=5),
        ),
        max_size=8,
    ).map("".join),
).filter(lambda s: not any(0xD800 <= ord(c) <= 0xDFFF for c in s))


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: Counter[str] = Counter()

    def handle_starttag(self, tag, attrs):
        self.tags[tag] += 1
        self.tags.update(f"{tag}@{name}" for name, _ in attrs)


def tags(markup: str) -> Counter[str]:
    parser = _Tags()
    parser.feed(markup)
    parser.close()
    return parser.tags


def one_line_per_line(markup: str) -> str:
    """The line treatment ``pages._document`` gives a body: blank lines dropped."""
    return "\n".join(line for line in markup.splitlines() if line.strip())


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_root(tmp_path_factory.mktemp("hostile-fuzz"))


def write(root: Path, text: str) -> None:
    procedure, office, fields = (copy.deepcopy(d) for d in (BASE_PROCEDURE, BASE_OFFICE, BASE_FIELDS))
    for path in PROCEDURE_TEXTS:
        put(procedure, path, text)
    for path in OFFICE_TEXTS:
        put(office, path, text)
    for path in FIELD_TEXTS:
        put(fields, path, text)
    (root / "ho-tich" / "1.001193.yml").write_bytes(dump(procedure))
    (root / "office.yml").write_bytes(dump(office))
    (root / "fields.yml").write_bytes(dump(fields))


def render(root: Path) -> tuple[Any, str, str]:
    catalog = load_catalog(root)
    page = PageRenderer(catalog, ROOT / "theme").procedure(catalog.procedures[0])
    front, body = page.markdown.split("\n---\n\n", 1)
    return catalog, front, body


@pytest.fixture(scope="module")
def baseline(root: Path) -> Counter[str]:
    write(root, "x")
    _, _, body = render(root)
    return tags(body)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXT)
def test_any_text_in_every_field_is_escaped_or_a_located_error(root: Path, baseline: Counter[str], text: str):
    write(root, text)
    try:
        catalog, front, body = render(root)
    except DataError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.line >= 1 and problem.col >= 1, problem
            assert "\n" not in str(problem) and "\r" not in str(problem), problem
        return
    # No new element or attribute: the structure is the one plain text gives.
    assert tags(body) == baseline
    procedure = catalog.procedures[0]
    for path in PROCEDURE_TEXTS:
        value = get(procedure, path)
        assert one_line_per_line(str(escape(value))) in body, (path, value)
    for path in OFFICE_TEXTS:
        value = get(catalog.office, path)
        assert one_line_per_line(str(escape(value))) in body, (path, value)
    assert one_line_per_line(str(escape(catalog.fields[0].name))) in body
    # The front matter reads back (as MkDocs reads it) to the escaped title.
    meta = yaml.safe_load(front.removeprefix("---\n"))
    assert meta["title"] == str(escape(procedure.name)).replace("&#39;", "&#x27;").replace("&#34;", "&quot;")
