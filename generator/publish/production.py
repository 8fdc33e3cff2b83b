"""What only the public site refuses: sample data left in, and a site address phones cannot open.

The shipped office profile is a sample (``https://phieu.example.vn/``, ``[Cần cập nhật …]``) so that
previews and local builds work out of the box. A production build (``phieu build --production``) must
not publish it: a printed QR code carries the site address for years, and a citizen must never read
"[Cần cập nhật]" where the office's address should be.

A province's folder is checked whole: the province's address (``province.yml``, which every office's
address is built on), and the placeholders of every layer: the province's files, every office's file in
``offices/``, the national forms and every record.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from ..errors import Problem, display_path
from ..load import Project
from ..load.catalog import FEES_FILE, FIELDS_FILE, FORMS_FOLDER, OFFICE_FILE, PROVINCE_FILE

#: The sample data's marks for what staff must fill in: "[Cần cập nhật …]", "[cần xác nhận …]".
PLACEHOLDER = re.compile(r"\[\s*cần(?!\w)[^\]\n]{0,80}\]?", re.IGNORECASE)

#: Names that only resolve inside a home or office network (mDNS RFC 6762, RFC 8375, ICANN's .internal).
_LAN_NAMES = (".local", ".lan", ".home.arpa", ".internal")

_ASK_PUBLIC = "hãy ghi địa chỉ công khai của trang (mã QR in trên phiếu trỏ về đó)"


def production_problems(project: Project, environ: Mapping[str, str]) -> list[Problem]:
    """Every reason ``project`` cannot be published as the public site, each at its place in a file.

    ``environ`` is the build's environment: a ``SITE_URL`` there would replace the site's address.
    """
    root = project.root
    if project.province is not None:
        where, site_url = root / PROVINCE_FILE, project.province.site_url
        files = [where, root / FEES_FILE, root / FIELDS_FILE, *(o.source for o in project.offices)]
    else:
        where, site_url = root / OFFICE_FILE, project.catalogs()[0][1].office.site_url
        files = [where, root / FIELDS_FILE]
    forms = sorted((root / FORMS_FOLDER).glob("*.yml")) if (root / FORMS_FOLDER).is_dir() else []
    problems: list[Problem] = []
    line, col = _value_position(where, "site_url")
    reason = public_host_problem(site_url)
    if reason:
        problems.append(Problem(display_path(where), line, col, reason))
    override = environ.get("SITE_URL")
    if override and override.rstrip("/") != site_url.rstrip("/"):
        message = (
            f"biến môi trường SITE_URL='{override}' sẽ thay site_url khi dựng; bản chính thức chỉ dùng "
            "site_url trong tệp này: hãy bỏ biến SITE_URL"
        )
        problems.append(Problem(display_path(where), line, col, message))
    for path in [*files, *forms, *sorted(project.sources.values())]:
        if path.is_file():
            problems += placeholder_problems(path)
    return sorted(problems)


def public_host_problem(url: str) -> str | None:
    """Why ``url`` cannot be the public site's address, in Vietnamese; None when it can."""
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    labels = host.split(".")
    if "example" in labels or labels[-1] in {"invalid", "test"}:  # reserved names (RFC 2606, RFC 6761)
        return f"site_url '{url}' là địa chỉ mẫu, không có thật: {_ASK_PUBLIC}"
    if labels[-1] == "localhost":
        return f"site_url '{url}' trỏ tới chính máy đang dựng trang ({host}): {_ASK_PUBLIC}"
    address = _ip_address(host)
    if address is not None and not address.is_global:
        return f"site_url '{url}' là địa chỉ mạng nội bộ ({address}), điện thoại không mở được: {_ASK_PUBLIC}"
    if address is None and (len(labels) == 1 or host.endswith(_LAN_NAMES)):
        return (
            f"site_url '{url}' là tên máy trong mạng nội bộ ({host}), điện thoại không mở được: {_ASK_PUBLIC}"
        )
    return None


def placeholder_problems(path: Path) -> list[Problem]:
    """Each "[Cần …]" left in a value of a YAML file (comments may mention them)."""
    text = path.read_text(encoding="utf-8-sig")
    found = list(PLACEHOLDER.finditer(text))
    if not found:
        return []
    spans = _scalar_spans(yaml.compose(text, Loader=yaml.SafeLoader))
    problems = []
    for match in found:
        if any(start <= match.start() < end for start, end in spans):
            line = text.count("\n", 0, match.start()) + 1
            col = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
            message = f"còn chữ giữ chỗ '{match.group()}': hãy thay bằng thông tin thật trước khi đăng trang"
            problems.append(Problem(display_path(path), line, col, message))
    return problems


def _scalar_spans(node: yaml.Node | None) -> list[tuple[int, int]]:
    """Character ranges of every scalar (key or value) under ``node``."""
    if node is None:
        return []
    if isinstance(node, yaml.ScalarNode):
        return [(node.start_mark.index, node.end_mark.index)]
    if isinstance(node, yaml.SequenceNode):
        return [span for item in node.value for span in _scalar_spans(item)]
    return [span for pair in node.value for item in pair for span in _scalar_spans(item)]


def _value_position(path: Path, key: str) -> tuple[int, int]:
    """1-based line and column of a top-level key's value in a YAML mapping (1, 1 if absent)."""
    node = yaml.compose(path.read_text(encoding="utf-8-sig"), Loader=yaml.SafeLoader)
    for key_node, value_node in getattr(node, "value", []):
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return value_node.start_mark.line + 1, value_node.start_mark.column + 1
    return 1, 1


def _ip_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    # Browsers also read "127.1", "2130706433" and "0x7f.0.0.1" as IPv4 addresses (WHATWG URL: a host
    # whose last label is a number); so does inet_aton.
    if re.fullmatch(r"(?:[0-9a-fx]+\.)*(?:0x[0-9a-f]*|[0-9]+)", host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None
