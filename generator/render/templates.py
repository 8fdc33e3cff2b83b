"""The one Jinja environment factory: autoescaped, strict about undefined names, with phieu's filters."""

from __future__ import annotations

import re
from pathlib import Path

import jinja2

from . import text


def environment(folder: Path) -> jinja2.Environment:
    """Templates from ``folder``; every value is HTML-escaped unless a template says otherwise."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        fee=text.fee_text,
        copies=text.copies_text,
        date_vi=text.date_vi,
        optional_mark=lambda doc: text.optional_mark(doc.name, doc.optional),
        tel=_tel,
    )
    return env


def _tel(phone: str) -> str:
    """A phone number as a ``tel:`` link's target, or "" when it is not one (a placeholder)."""
    if "[" in phone:
        return ""
    digits = re.sub(r"[^0-9+]", "", phone)
    return digits if sum(c.isdigit() for c in digits) >= 3 else ""
