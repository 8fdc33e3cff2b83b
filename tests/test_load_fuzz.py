"""Whatever is in a procedure file, the loader either loads it or reports located problems.

It never lets another exception (a traceback in front of staff) escape.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from phieu.errors import DataError
from phieu.load import Catalog, load_catalog
from phieu.model import Procedure

from tests.loader_helpers import PROCEDURE, make_root, write_procedure

FUZZ = settings(max_examples=150, deadline=None)


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_root(tmp_path_factory.mktemp("fuzz"))


def check(root: Path, content: bytes) -> None:
    write_procedure(root, content)
    try:
        catalog = load_catalog(root)
    except DataError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.line >= 1, problem
            assert problem.col >= 1, problem
            assert problem.message.strip(), problem
            assert str(problem).startswith(f"{problem.path}:{problem.line}:{problem.col}: ")
    else:
        assert isinstance(catalog, Catalog)


# --- (1) bytes ---------------------------------------------------------------------------

VALID = PROCEDURE.encode()


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    """The valid procedure with a few random bytes spliced in, so the damage reaches deep."""
    data = VALID
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(data)))
        cut = draw(st.integers(0, 8))
        data = data[:at] + draw(st.binary(max_size=8)) + data[at + cut :]
    return data


@FUZZ
@given(content=st.one_of(st.binary(max_size=600), damaged()))
def test_random_bytes(root: Path, content: bytes) -> None:
    check(root, content)


# --- (2) YAML-ish text ---------------------------------------------------------------------

KEYS = st.one_of(
    st.sampled_from([*sorted(Procedure.model_fields), "documents", "fee", "kind", "id", "originals"]),
    st.text(max_size=12),
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.dates(),
    st.text(max_size=40),
    st.sampled_from(["no", "yes", "1:30", "0123", "1.001193", "~", "null", "2026-02-30", "*x", "&y"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(KEYS, children, max_size=4)),
    max_leaves=30,
)


def base() -> dict[str, Any]:
    data = yaml.safe_load(PROCEDURE)
    assert isinstance(data["updated"], dt.date)
    return data


@st.composite
def documents(draw: st.DrawFn) -> Any:
    """Either a random value, or the valid procedure with a few keys replaced or added."""
    if draw(st.booleans()):
        return draw(VALUES)
    data = base()
    for key, value in draw(st.dictionaries(KEYS, VALUES, min_size=1, max_size=3)).items():
        data[key] = value
    return data


@FUZZ
@given(document=documents(), unicode=st.booleans(), flow=st.sampled_from([None, True, False]))
def test_random_yaml(root: Path, document: Any, unicode: bool, flow: bool | None) -> None:
    text = yaml.safe_dump(document, allow_unicode=unicode, default_flow_style=flow, sort_keys=False)
    check(root, text.encode("utf-8"))
