"""QR codes for paper: vector SVG, checked against the rules for a slip that lives for years.

Rules (ISO/IEC 18004 and field experience with cheap phones): error correction
M, version at most 4 so modules stay large, a 4-module quiet zone, and a
printed width of at least 30 mm on A5 and A4 slips.
"""

from __future__ import annotations

from dataclasses import dataclass

import qrcode
import qrcode.constants

from ..errors import RenderError

MAX_VERSION = 4
QUIET_ZONE = 4
MIN_WIDTH_MM = 30.0
#: Smallest module a cheap phone reads at desk distance (20–40 cm).
MIN_MODULE_MM = 0.8
ERROR_CORRECTION = "M"
_LEVELS = {"M": qrcode.constants.ERROR_CORRECT_M, "Q": qrcode.constants.ERROR_CORRECT_Q}


@dataclass(frozen=True)
class QrCode:
    """An encoded URL, ready to print."""

    data: str
    """The encoded text (an absolute URL)."""
    version: int
    """QR version, 1–40; slips allow at most 4."""
    error_correction: str
    """"M" or "Q"."""
    modules: int
    """Modules per side, without the quiet zone."""
    svg: str
    """Vector image including the quiet zone; its width is set by the caller in mm."""

    def module_mm(self, width_mm: float) -> float:
        return width_mm / (self.modules + 2 * QUIET_ZONE)


def make_qr(data: str, *, error_correction: str = ERROR_CORRECTION) -> QrCode:
    """Encode ``data``; raise :class:`RenderError` when it breaks a printing rule."""
    if error_correction not in _LEVELS:
        raise RenderError(f'mức sửa lỗi QR "{error_correction}" không hợp lệ; chỉ dùng M hoặc Q')
    code = qrcode.QRCode(version=None, error_correction=_LEVELS[error_correction], border=QUIET_ZONE)
    code.add_data(data.encode("utf-8"), optimize=0)
    code.make(fit=True)
    if code.version > MAX_VERSION:
        raise RenderError(
            f"mã QR cho {data!r} cần phiên bản {code.version}, quá mức {MAX_VERSION}: "
            f"đường dẫn dài {len(data.encode())} byte; hãy dùng site_url ngắn hơn"
        )
    matrix = code.get_matrix()  # includes the quiet zone
    size = len(matrix)
    if size != code.modules_count + 2 * QUIET_ZONE:  # pragma: no cover - library contract
        raise RenderError("mã QR thiếu vùng trắng 4 mô-đun")
    path = "".join(f"M{x} {y}h{n}v1h-{n}z" for y, row in enumerate(matrix) for x, n in _dark_runs(row))
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'shape-rendering="crispEdges" role="img" aria-label="Mã QR">'
        f'<rect width="{size}" height="{size}" fill="#fff"/><path fill="#000" d="{path}"/></svg>'
    )
    return QrCode(data, code.version, error_correction, code.modules_count, svg)


def _dark_runs(row: list[bool]) -> list[tuple[int, int]]:
    """(start, length) of each horizontal run of dark modules: one rectangle per run keeps the path short."""
    runs: list[tuple[int, int]] = []
    start = None
    for x, dark in enumerate([*row, False]):
        if dark and start is None:
            start = x
        elif not dark and start is not None:
            runs.append((start, x - start))
            start = None
    return runs


def check_print_width(qr: QrCode, width_mm: float, paper: str) -> None:
    """Refuse a QR printed too small for desk distance on A5 and A4: the code and each of its modules."""
    if paper not in {"A5", "A4"}:
        return
    if width_mm < MIN_WIDTH_MM:
        raise RenderError(f"mã QR trên khổ {paper} rộng {width_mm} mm, cần ít nhất {MIN_WIDTH_MM:g} mm")
    if qr.module_mm(width_mm) < MIN_MODULE_MM:
        raise RenderError(
            f"mã QR trên khổ {paper} có ô {qr.module_mm(width_mm):.2f} mm, cần ít nhất {MIN_MODULE_MM:g} mm: "
            "hãy dùng site_url ngắn hơn"
        )
