"""Notices for whoever runs a build that are not about the site itself.

MkDocs counts every warning logged under its own ``mkdocs`` logger, and ``--strict`` fails the build on
them. A missing HarfBuzz subsetter (slower PDFs) or a PDF cache that cannot be written (PDFs made again
next time) leaves the site exactly as it would be, so they are logged here, outside that hierarchy:
shown by ``phieu build`` like MkDocs' own messages (by Python's last-resort handler elsewhere), never
counted as a failure.
"""

from __future__ import annotations

import logging

NOTICE_LOGGER = "phieu.notice"

notice = logging.getLogger(NOTICE_LOGGER)

_told: set[str] = set()


def tell_once(message: str) -> None:
    """A notice, once per process (``mkdocs serve`` rebuilds many times)."""
    if message not in _told:
        _told.add(message)
        notice.warning(message)
