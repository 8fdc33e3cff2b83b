"""A document states what the citizen does with it (hand it in or only show it) and how many of each.

Nothing is inferred from missing keys: the wording printed on pages and slips follows ``action``.
"""

from __future__ import annotations

import pytest
from phieu.model import Document
from phieu.render.text import copies_text


@pytest.mark.parametrize(
    ("action", "originals", "copies", "wording"),
    [
        ("submit", 1, 0, "1 bản chính"),
        ("submit", 0, 2, "2 bản sao"),
        ("submit", 1, 2, "1 bản chính, 2 bản sao"),
        ("show", 1, 0, "Xuất trình 1 bản chính, không nộp"),
        ("show", 1, 1, "Xuất trình 1 bản chính, 1 bản sao, không nộp"),
        ("show", 0, 0, "Xuất trình, không nộp"),
    ],
)
def test_count_wording(action: str, originals: int, copies: int, wording: str) -> None:
    doc = Document(name="Căn cước", action=action, originals=originals, copies=copies)
    assert copies_text(doc) == wording
