"""The offline service worker: citizens waiting at the counter with a weak signal keep the pages they
opened (their checklist ticks already live on the phone, in localStorage).

Pages register it only in a build of the public site with the option on. A preview (``SITE_URL`` other
than the office's address, or ``mkdocs serve``) or a site with the option off publishes a worker that
removes an earlier one and what it kept, so switching it off takes effect on phones that have it.
"""

from __future__ import annotations

from pathlib import Path

from .. import urls
from ..render import templates

#: Name of the offline cache; a new name makes the worker drop the old one.
CACHE_NAME = "phieu-v1"
#: On a weak signal, the kept copy of a page shows after this long (the network copy still refreshes it).
WAIT_MS = 3000
#: Pages and files kept at most (the oldest go first): a citizen's visits, not the whole site.
MAX_ENTRIES = 150

OFFLINE_PAGE = (
    '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Không có mạng</title></head>'
    '<body style="font-family:sans-serif;line-height:1.5;max-width:36rem;margin:2rem auto;padding:0 1rem">'
    "<h1>Không có mạng</h1><p>Trang này chưa được lưu trên điện thoại. Các trang đã mở trước đây vẫn xem "
    "được khi không có mạng.</p><p>Khi có mạng trở lại, hãy tải lại trang.</p></body></html>"
)


def service_worker(theme_dir: Path, *, enabled: bool) -> str:
    """The script published at :data:`urls.SERVICE_WORKER`: the worker, or the one that removes it."""
    return (
        templates.environment(theme_dir / "pages")
        .get_template("sw.js.j2")
        .render(
            enabled=enabled,
            cache=CACHE_NAME,
            never=[urls.ADMIN],
            wait_ms=WAIT_MS,
            max_entries=MAX_ENTRIES,
            offline_page=OFFLINE_PAGE,
        )
    )


def is_preview(site_url: str, public_url: str, *, serving: bool) -> bool:
    """Whether a build is a preview: served by ``mkdocs serve``, or made for another address than the
    office's public one (the pull-request preview)."""
    return serving or site_url.rstrip("/") != public_url.rstrip("/")
