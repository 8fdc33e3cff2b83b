"""QR codes for paper: vector SVG, checked against the rules for a slip that lives for years.

Rules (ISO/IEC 18004 and field experience with cheap phones): error correction
M, version at most 4 so modules stay large, a 4-module quiet zone, and a
printed width of at least 30 mm on A5 and A4 slips.
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass

import qrcode
import qrcode.constants
import qrcode.main

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
    matrix: tuple[str, ...]
    """Rows of modules including the quiet zone, top first: "1" dark, "0" light."""

    @property
    def svg(self) -> str:
        """Vector image including the quiet zone; its width is set by the caller in mm."""
        size = len(self.matrix)
        path = "".join(
            f"M{x} {y}h{n}v1h-{n}z" for y, row in enumerate(self.matrix) for x, n in dark_runs(row)
        )
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
            f'shape-rendering="crispEdges" role="img" aria-label="Mã QR">'
            f'<rect width="{size}" height="{size}" fill="#fff"/><path fill="#000" d="{path}"/></svg>'
        )

    def module_mm(self, width_mm: float) -> float:
        return width_mm / (self.modules + 2 * QUIET_ZONE)


def make_qr(data: str, *, error_correction: str = ERROR_CORRECTION) -> QrCode:
    """Encode ``data``; raise :class:`RenderError` when it breaks a printing rule."""
    if error_correction not in _LEVELS:
        raise RenderError(f'mức sửa lỗi QR "{error_correction}" không hợp lệ; chỉ dùng M hoặc Q')
    code = qrcode.QRCode(version=None, error_correction=_LEVELS[error_correction], border=QUIET_ZONE)
    code.add_data(data.encode("utf-8"), optimize=0)
    code.best_fit()
    if code.version > MAX_VERSION:
        raise RenderError(
            f"mã QR cho {data!r} cần phiên bản {code.version}, quá mức {MAX_VERSION}: "
            f"đường dẫn dài {len(data.encode())} byte; hãy dùng site_url ngắn hơn"
        )
    symbol = _symbol(code)
    n = code.modules_count
    quiet = "0" * QUIET_ZONE
    blank = ("0" * (n + 2 * QUIET_ZONE),) * QUIET_ZONE
    rows = (quiet + format(row, f"0{n}b") + quiet for row in symbol)
    return QrCode(data, code.version, error_correction, n, (*blank, *rows, *blank))


def dark_runs(row: str) -> list[tuple[int, int]]:
    """(start, length) of each horizontal run of dark modules: one rectangle per run keeps the path short."""
    return [(m.start(), m.end() - m.start()) for m in _DARK.finditer(row)]


_DARK = re.compile("1+")

# --- choosing the mask ------------------------------------------------------------------------------------
# qrcode tries each of the 8 masks by laying the whole symbol out again and scoring it in pure Python (about
# 10 ms a code; a province prints 40,000). Here the symbol is laid out once: each mask is an XOR of row
# bitmasks, and the score (ISO/IEC 18004 penalties N1-N4, computed as qrcode computes them, on the symbol
# with its format information left blank) uses string and integer operations. The chosen mask is qrcode's;
# tests compare the result with qrcode's own make() over many URLs.

_RUNS = re.compile("0{5,}|1{5,}")
_FINDER_LIKE = re.compile("(?=10111010000|00001011101)")
_MASKS = tuple(qrcode.util.mask_func(pattern) for pattern in range(8))


@functools.cache
def _mask_rows(n: int, pattern: int) -> tuple[int, ...]:
    """Each row of an n-module symbol as an integer whose bits (column 0 highest) are the mask's dark cells."""
    test = _MASKS[pattern]
    return tuple(sum(1 << (n - 1 - c) for c in range(n) if test(r, c)) for r in range(n))


def _format_cells(n: int) -> set[tuple[int, int]]:
    """Where the format information and the dark module go (qrcode's setup_type_info)."""
    column = [*range(6), 7, 8, *range(n - 7, n)]
    row = [*range(6), 7, *range(n - 8, n)]
    return {(r, 8) for r in column} | {(8, c) for c in row} | {(n - 8, 8)}


@functools.cache
def _data_rows(version: int, n: int) -> tuple[int, ...]:
    """Each row's data modules as bits: cells free of function patterns and format information."""
    blank = qrcode.main.precomputed_qr_blanks[version]
    fixed = _format_cells(n)
    return tuple(
        sum(1 << (n - 1 - c) for c in range(n) if blank[r][c] is None and (r, c) not in fixed)
        for r in range(n)
    )


def _symbol(code: qrcode.QRCode) -> list[int]:
    """The symbol's rows (bits, column 0 highest) with the best mask and its format information."""
    code.makeImpl(True, 0)  # the symbol with mask 0 and blank format information, as qrcode scores it
    n = code.modules_count
    data = _data_rows(code.version, n)
    rows = [int("".join("1" if dark else "0" for dark in row), 2) for row in code.modules]
    unmasked = [row ^ (cells & mask) for row, cells, mask in zip(rows, data, _mask_rows(n, 0), strict=True)]
    best, best_score = 0, None
    for pattern in range(8):
        masked = [
            row ^ (cells & mask)
            for row, cells, mask in zip(unmasked, data, _mask_rows(n, pattern), strict=True)
        ]
        score = _penalty(masked, n)
        if best_score is None or score < best_score:
            best, best_score, symbol = pattern, score, masked
    for r, c in _format_bits(n, (code.error_correction << 3) | best):
        symbol[r] |= 1 << (n - 1 - c)
    return symbol


def _format_bits(n: int, info: int) -> list[tuple[int, int]]:
    """The dark cells of the format information (both copies) and the dark module (setup_type_info)."""
    bits = qrcode.util.BCH_type_info(info)
    dark = [(n - 8, 8)]
    for i in range(15):
        if (bits >> i) & 1:
            dark.append((i if i < 6 else i + 1 if i < 8 else n - 15 + i, 8))
            dark.append((8, n - i - 1 if i < 8 else 15 - i if i < 9 else 15 - i - 1))
    return dark


def _penalty(rows: list[int], n: int) -> int:
    lines = [format(row, f"0{n}b") for row in rows]
    text = "2".join(lines + ["".join(column) for column in zip(*lines, strict=True)])  # rows, then columns
    runs = _RUNS.findall(text)
    inner = (1 << (n - 1)) - 1
    blocks = 0
    for top, bottom in itertools.pairwise(rows):
        same = ~(top ^ bottom)
        blocks += (same & (same >> 1) & ~(top ^ (top >> 1)) & inner).bit_count()
    finders = len(_FINDER_LIKE.findall(text))
    dark = sum(row.bit_count() for row in rows)
    balance = int(abs(float(dark) / (n**2) * 100 - 50) / 5)
    return sum(map(len, runs)) - 2 * len(runs) + 3 * blocks + 40 * finders + 10 * balance


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
