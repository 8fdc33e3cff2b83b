"""Counting without tracking: the pages printed QR codes open, and the optional self-hosted counter.

A slip's QR code opens ``q/<code>/`` and a poster's ``q/f/<field>/``: a tiny static page that forwards
to the procedure or field page (meta refresh, a link and a canonical link, like a redirect page). The
office's own web server log then tells a scan from a visit; ``phieu stats`` reads it. Nothing is
stored on the phone and nothing is sent anywhere else.

An office that prefers a dashboard may point the pages at its own GoatCounter instance (no cookies);
it is off by default, and then no page carries a trace of it.
"""

from __future__ import annotations

import html
from pathlib import Path
from urllib.parse import urlsplit

from .. import urls
from ..errors import PhieuError
from ..load import Catalog
from ..render import templates
from .redirects import Redirects, redirect_page, resolve


def scan_pages(catalog: Catalog, redirects: Redirects, site_url: str, theme_dir: Path) -> dict[str, str]:
    """The page each printed QR code opens, by site path: one per procedure and per field, and one per
    renamed code or field id (a QR code printed before the rename keeps working)."""
    env = templates.environment(theme_dir / "pages")
    out: dict[str, str] = {}
    codes = {p.code: p.code for p in catalog.procedures}
    codes.update({old: resolve(redirects.procedures, old) for old in redirects.procedures})
    for code, target in sorted(codes.items()):
        name = catalog.procedure(target).name
        here = urls.scan(code)
        out[here + "index.html"] = redirect_page(env, here, urls.page(target), site_url, name)
    fields = {f.id: f.id for f in catalog.fields}
    fields.update({old: resolve(redirects.fields, old) for old in redirects.fields})
    for field_id, target in sorted(fields.items()):
        name = catalog.field(target).name
        here = urls.field_scan(field_id)
        out[here + "index.html"] = redirect_page(env, here, urls.field(target), site_url, name)
    return out


def goatcounter_script(endpoint: str) -> str:
    """The script tag of a self-hosted GoatCounter: its ``count.js`` from the same host as ``endpoint``.

    ``endpoint`` is the instance's count URL, e.g. ``https://thongke.example.vn/count``.
    """
    parts = urlsplit(endpoint)
    if parts.scheme != "https" or not parts.hostname or parts.query or parts.fragment or parts.username:
        raise PhieuError(
            f"goatcounter: '{endpoint}' không hợp lệ; ghi địa chỉ đếm của máy chủ GoatCounter của cơ quan, "
            "dạng https://thongke.example.vn/count"
        )
    script = f"https://{parts.netloc}/count.js"
    return f'<script data-goatcounter="{html.escape(endpoint)}" async src="{html.escape(script)}"></script>'
