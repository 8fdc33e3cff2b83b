"""The URL ledger: a URL that was ever published must keep working.

``published-urls.txt`` (project root, committed) lists every public URL path
the site has published, one per line, relative to the site root with a
leading ``/``: ``/p/1.001193/``, ``/f/ho-tich/``, ``/pdf/phieu-1.001193.pdf``.
Lines starting with ``#`` are comments. The file is append-only: ``phieu
ledger update`` adds the URLs of a built site that are not listed yet, and
nothing ever removes a line.

A build fails when a listed URL would no longer resolve, i.e. when the built
site has neither a page (``<path>index.html``) nor a file at that path.

Renamed codes and field ids are declared in ``redirects.yml``: see :mod:`phieu.publish.redirects`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from .. import urls
from ..errors import PhieuError, display_path
from ..publish import redirects

LEDGER_FILE = "published-urls.txt"

LEDGER_HEADER = """\
# Sổ địa chỉ đã công bố (published-urls.txt): mọi địa chỉ công khai mà trang web đã từng có.
# Địa chỉ trên phiếu giấy và mã QR sống nhiều năm, nên mỗi địa chỉ ở đây phải luôn mở được.
# Không xóa, không sửa dòng nào. `phieu ledger update` (chạy khi triển khai) tự thêm địa chỉ mới.
"""


# --- the ledger -------------------------------------------------------------------------------


def read_ledger(path: Path) -> list[str]:
    """URL paths listed in the ledger, in file order (empty when the file does not exist)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    out: list[str] = []
    for line in lines:
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


def published_urls(site_dir: Path) -> list[str]:
    """The permanent public URLs of a built site: pages, field pages, the pages printed QR codes open
    (``q/``), PDFs and the entry pages; in a province's site, also its list of offices and every office's
    own site in its folder (``/<office>/p/1.001193/``, ``/<office>/pdf/…``).

    Redirect pages count too: once a redirect is published, it must stay.
    """
    found = set(_site_urls(site_dir, "/"))
    if (site_dir / urls.OFFICES / "index.html").is_file():
        found.add("/" + urls.OFFICES)
    for folder in sorted(site_dir.iterdir()) if site_dir.is_dir() else ():
        # An office's site: a folder of its own with its A–Z list (the root's reserved folders never are).
        if folder.name not in urls.RESERVED_OFFICE_IDS and (folder / urls.AZ / "index.html").is_file():
            found.update(_site_urls(folder, f"/{folder.name}/"))
    return sorted(found)


def _site_urls(site_dir: Path, prefix: str) -> set[str]:
    """One site's URLs (a single office's, a province's root or one of its offices), under ``prefix``."""
    found: set[str] = set()
    if (site_dir / "index.html").is_file():
        found.add(prefix)
    for entry in (urls.AZ, urls.PRINTING):
        if (site_dir / entry / "index.html").is_file():
            found.add(prefix + entry)
    for folder in (urls.PROCEDURES, urls.FIELDS, urls.SCANS, urls.SCANS + urls.FIELDS):
        if (site_dir / folder).is_dir():
            for page in (site_dir / folder).glob("*/index.html"):
                found.add(f"{prefix}{folder}{page.parent.name}/")
    if (site_dir / urls.PDFS).is_dir():
        for pdf in (site_dir / urls.PDFS).glob("*.pdf"):
            if (
                pdf.name != Path(urls.REPRINT_PACK).name
            ):  # built only by phieu build --reprint: never permanent
                found.add(f"{prefix}{urls.PDFS}{pdf.name}")
    return found


def resolves(site_dir: Path, url: str) -> bool:
    """Whether ``url`` (a ledger path) is a page, a redirect page or a file in the built site."""
    relative = url.lstrip("/")
    if ".." in relative.split("/") or "\\" in relative:
        return False
    if relative == "" or relative.endswith("/"):
        return (site_dir / relative / "index.html").is_file()
    target = site_dir / relative
    return target.is_file() or (site_dir / relative / "index.html").is_file()


def missing_urls(ledger: Iterable[str], site_dir: Path, *, pdfs: bool = True) -> list[str]:
    """Ledger URLs that the built site no longer serves (PDFs skipped when slips are off)."""
    seen: set[str] = set()
    missing = []
    for url in ledger:
        if url in seen or (not pdfs and url.startswith("/" + urls.PDFS)):
            continue
        seen.add(url)
        if not resolves(site_dir, url):
            missing.append(url)
    return missing


def update_ledger(path: Path, site_dir: Path) -> list[str]:
    """Append the site's URLs that the ledger lacks (sorted); return them. Never removes a line."""
    if not site_dir.is_dir():
        raise PhieuError(f"không có thư mục trang đã dựng: {site_dir} (chạy 'phieu build' trước)")
    known = set(read_ledger(path))
    new = [url for url in published_urls(site_dir) if url not in known]
    if not new:
        return []
    existing = path.read_text(encoding="utf-8") if path.exists() else LEDGER_HEADER
    if existing and not existing.endswith("\n"):
        existing += "\n"
    path.write_text(existing + "".join(f"{url}\n" for url in new), encoding="utf-8")
    return new


_HINTS = {
    "page": "trang thủ tục {}",
    "field": "trang lĩnh vực {}",
    "scan": "mã QR trên phiếu của thủ tục {}",
    "field-scan": "mã QR trên áp phích lĩnh vực {}",
    "slip": "phiếu in của thủ tục {}",
    "poster": "áp phích lĩnh vực {}",
    "pack": "gói in {}",
    "tent": "bảng để bàn lĩnh vực {}",
    "imposed": "tờ in bình trang {}",
}


def _hint(url: str) -> str:
    found = urls.parse(url)
    if found:
        return _HINTS[found[0]].format(found[1])
    office, _, rest = url.lstrip("/").partition("/")  # an office's site inside its province's
    found = urls.parse("/" + rest) if rest and office not in urls.RESERVED_OFFICE_IDS else None
    return f"{_HINTS[found[0]].format(found[1])} của xã, phường {office}" if found else "trang"


def missing_message(missing: list[str], ledger_path: Path) -> str:
    """What staff read when the build breaks a published URL: every URL, and what to do."""
    lines = [
        f"{len(missing)} địa chỉ đã công bố trong {display_path(ledger_path)} không còn mở được "
        "(có thể đã in trên phiếu giấy hoặc mã QR):",
        *(f"  {url}  ({_hint(url)})" for url in missing),
        "Địa chỉ đã in không được phép mất. Hãy làm một trong ba việc:",
        "  1. Nếu lỡ xóa hoặc đổi tên tệp thủ tục: khôi phục tệp trong procedures/ (giữ nguyên mã).",
        "  2. Nếu thủ tục bị bãi bỏ hoặc thay thế: giữ tệp, ghi 'status: abolished' (hoặc "
        "'status: replaced' và 'replaced_by: <mã mới>'); trang vẫn còn, kèm thông báo "
        "cho người dân.",
        f"  3. Nếu thủ tục đổi mã: thêm dòng '\"<mã cũ>\": \"<mã mới>\"' vào mục 'procedures:' của "
        f"{redirects.REDIRECTS_FILE} (đổi mã lĩnh vực: mục 'fields:'); trang cũ sẽ tự chuyển tới trang mới.",
        "Không xóa dòng nào trong sổ địa chỉ. Xem hướng dẫn: trang 'Dành cho cán bộ' (docs/can-bo.md).",
    ]
    return "\n".join(lines)
