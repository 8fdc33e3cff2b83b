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
    encoded, level = data.encode("utf-8"), _LEVELS[error_correction]
    version = _version(len(encoded), level)
    if version > MAX_VERSION:
        raise RenderError(
            f"mã QR cho {data!r} cần phiên bản {version}, quá mức {MAX_VERSION}: "
            f"đường dẫn dài {len(encoded)} byte; hãy dùng site_url ngắn hơn"
        )
    symbol = _symbol(encoded, version, level)
    n = len(symbol)
    quiet = "0" * QUIET_ZONE
    blank = ("0" * (n + 2 * QUIET_ZONE),) * QUIET_ZONE
    rows = (quiet + format(row, f"0{n}b") + quiet for row in symbol)
    return QrCode(data, version, error_correction, n, (*blank, *rows, *blank))


def dark_runs(row: str) -> list[tuple[int, int]]:
    """(start, length) of each horizontal run of dark modules: one rectangle per run keeps the path short."""
    return [(m.start(), m.end() - m.start()) for m in _DARK.finditer(row)]


_DARK = re.compile("1+")

# --- laying out the symbol ----------------------------------------------------------------------------
# qrcode lays the whole symbol out in pure Python once per mask it tries (8 times) and scores each one: about
# 10 ms a code, and a province prints 40,000. Here qrcode still picks the version and gives the function
# patterns and block structure; the codewords (byte mode, Reed-Solomon), their placement and the masks are
# integer operations on rows (bits, column 0 highest), and the score is ISO/IEC 18004's penalties N1-N4
# computed as qrcode computes them (on the symbol with its format information left blank). So the chosen
# mask and the symbol are qrcode's: tests compare make_qr with qrcode's own make() over many URLs.

_RUNS = re.compile("0{5,}|1{5,}")
#: A finder-like pattern with light space on one side (N3); neither overlaps itself, so str.count counts all.
_FINDER_LIKE = ("10111010000", "00001011101")
_MASKS = tuple(qrcode.util.mask_func(pattern) for pattern in range(8))
_EXP = [1] * 512
for _i in range(1, 512):
    _EXP[_i] = _EXP[_i - 1] << 1 ^ (0x11D if _EXP[_i - 1] & 0x80 else 0)
_LOG = {value: i for i, value in reversed(list(enumerate(_EXP[:255])))}


def _version(length: int, level: int) -> int:
    """The smallest version holding ``length`` bytes in byte mode (qrcode's best_fit; 41: none does)."""
    limits = qrcode.util.BIT_LIMIT_TABLE[level]
    return next(
        (v for v in range(1, 41) if 4 + (8 if v < 10 else 16) + 8 * length <= limits[v]),
        41,
    )


@functools.cache
def _generator(count: int) -> tuple[int, ...]:
    """Logs of the Reed-Solomon generator polynomial's coefficients after the leading 1."""
    poly = [1]
    for i in range(count):
        poly = [a ^ (_EXP[_LOG[b] + i] if b else 0) for a, b in zip([*poly, 0], [0, *poly], strict=True)]
    return tuple(_LOG[c] for c in poly[1:])


def _codewords(data: bytes, version: int, level: int) -> list[int]:
    """Byte mode (versions 1-9: an 8-bit count), terminator, padding, then each block's Reed-Solomon
    codewords, interleaved (qrcode's create_data)."""
    blocks = qrcode.base.rs_blocks(version, level)
    capacity = sum(block.data_count for block in blocks)
    bits = "0100" + format(len(data), "08b") + "".join(format(byte, "08b") for byte in data)
    bits += "0" * min(capacity * 8 - len(bits), 4)
    bits += "0" * (-len(bits) % 8)
    words = [int(bits[i : i + 8], 2) for i in range(0, len(bits), 8)]
    words += [0xEC if i % 2 == 0 else 0x11 for i in range(capacity - len(words))]
    data_blocks, ec_blocks, offset = [], [], 0
    for block in blocks:
        own = words[offset : offset + block.data_count]
        offset += block.data_count
        generator = _generator(block.total_count - block.data_count)
        remainder = [0] * len(generator)
        for word in own:
            factor = word ^ remainder[0]
            remainder = [*remainder[1:], 0]
            if factor:
                log = _LOG[factor]
                remainder = [r ^ _EXP[g + log] for r, g in zip(remainder, generator, strict=True)]
        data_blocks.append(own)
        ec_blocks.append(remainder)
    return [
        block[i]
        for group in (data_blocks, ec_blocks)
        for i in range(max(map(len, group)))
        for block in group
        if i < len(block)
    ]


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
def _layout(version: int) -> tuple[tuple[int, ...], tuple[int, ...], tuple[tuple[int, int], ...]]:
    """A version's function patterns (rows of bits), its data cells (rows of bits) and where each data bit
    goes, in qrcode's order (map_data): two columns at a time, upwards then downwards, from the right."""
    code = qrcode.QRCode(version=version)
    code.makeImpl(True, 0)  # fills qrcode's blank symbol of this version
    blank = qrcode.main.precomputed_qr_blanks[version]
    n = len(blank)
    fixed = _format_cells(n)
    free = [[blank[r][c] is None and (r, c) not in fixed for c in range(n)] for r in range(n)]
    order = []
    row, step = n - 1, -1
    for col in range(n - 1, 0, -2):
        col -= col <= 6  # the vertical timing pattern
        while 0 <= row < n:
            order += [(row, n - 1 - c) for c in (col, col - 1) if free[row][c]]
            row += step
        row, step = row - step, -step
    return (
        tuple(sum(1 << (n - 1 - c) for c in range(n) if blank[r][c]) for r in range(n)),
        tuple(sum(1 << (n - 1 - c) for c in range(n) if free[r][c]) for r in range(n)),
        tuple(order),
    )


def _symbol(data: bytes, version: int, level: int) -> list[int]:
    """The symbol's rows (bits, column 0 highest) with the best mask and its format information."""
    patterns, cells, order = _layout(version)
    n = len(patterns)
    unmasked = list(patterns)
    words = _codewords(data, version, level)
    for index, (row, shift) in enumerate(order[: len(words) * 8]):
        if words[index >> 3] >> (7 - (index & 7)) & 1:
            unmasked[row] |= 1 << shift
    best, best_score, symbol = 0, None, unmasked
    for pattern in range(8):
        masked = [
            row ^ (free & mask)
            for row, free, mask in zip(unmasked, cells, _mask_rows(n, pattern), strict=True)
        ]
        score = _penalty(masked, n)
        if best_score is None or score < best_score:
            best, best_score, symbol = pattern, score, masked
    for r, c in _format_bits(n, (level << 3) | best):
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
    finders = text.count(_FINDER_LIKE[0]) + text.count(_FINDER_LIKE[1])
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
