"""``phieu stats`` on access logs with known counts: scans, landings, visits, follow-ups, bots, repeats,
non-200 responses, renamed codes, gzipped rotated files, the month split, --from/--to, and no address
or user agent in what it writes."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import re
from pathlib import Path

import pytest
from phieu.cli import main

from tests.conftest import ROOT, copy_project

MINI = ROOT / "tests" / "fixtures" / "mini" / "procedures"
ICT = dt.timezone(dt.timedelta(hours=7))
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

ANDROID = "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36"
IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
ZALO = "Mozilla/5.0 (Linux; Android 12; Redmi Note 11) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36 Zalo android/12100630 ZaloTheme/light"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
FACEBOOK = "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"

A, B, C, D, E, F, G = (
    "203.0.113.5",  # A and B share an address (the office Wi-Fi): told apart by their browsers
    "203.0.113.5",
    "198.51.100.7",
    "198.51.100.23",
    "192.0.2.44",
    "2001:db8::1",
    "192.0.2.99",
)
ADDRESSES = {A, C, D, E, F, G, "192.0.2.200", "192.0.2.201"}
AGENTS = {"A": ANDROID, "B": IPHONE, "C": ANDROID, "D": ZALO, "E": IPHONE, "F": ANDROID, "G": IPHONE}


def at(day: int, hour: int, minute: int = 0, second: int = 0, month: int = 3) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, second, tzinfo=ICT)


def line(address: str, when: dt.datetime, path: str, *, status: int = 200, agent: str = ANDROID) -> str:
    stamp = f"{when.day:02d}/{MONTHS[when.month - 1]}/{when.year}:{when:%H:%M:%S} +0700"
    return f'{address} - - [{stamp}] "GET {path} HTTP/1.1" {status} 5120 "-" "{agent}"\n'


def march() -> list[str]:
    return [
        # A scans slip 1.000001, lands on its page (not a visit), scans again 3 s later (a repeat),
        # and opens the slip's PDF five minutes later: a scan that went on.
        line(A, at(2, 8, 0, 0), "/q/1.000001/", agent=ANDROID),
        line(A, at(2, 8, 0, 2), "/p/1.000001/", agent=ANDROID),
        line(A, at(2, 8, 0, 5), "/q/1.000001/", agent=ANDROID),
        line(A, at(2, 8, 5, 0), "/pdf/phieu-1.000001.pdf", agent=ANDROID),
        # B: same address, another phone; scans the same slip, lands, goes no further.
        line(B, at(2, 8, 0, 3), "/q/1.000001/", agent=IPHONE),
        line(B, at(2, 8, 0, 4), "/p/1.000001/?utm=x", agent=IPHONE),
        # G scans a slip printed before its code was renamed (redirects.yml: 1.000009 → 1.000001).
        line(G, at(3, 9, 0), "/q/1.000009/", agent=IPHONE),
        # C scans 1.000002 and opens its PDF 40 minutes later: too late to count as going on.
        line(C, at(4, 9, 0), "/q/1.000002/", agent=ANDROID),
        line(C, at(4, 9, 40), "/pdf/phieu-1.000002.pdf", agent=ANDROID),
        # C later opens another procedure's page: a visit, not from a scan.
        line(C, at(4, 10, 0), "/p/1.000005/", agent=ANDROID),
        # D scans the civil-status poster in Zalo, then opens a procedure from the field page: a visit.
        line(D, at(5, 11, 0), "/q/f/ho-tich/", agent=ZALO),
        line(D, at(5, 11, 0, 1), "/f/ho-tich/", agent=ZALO),
        line(D, at(5, 11, 1), "/p/1.000002/", agent=ZALO),
        # E opens a page from a bookmark: a visit. Then a 404 while the site was deploying, and a 304.
        line(E, at(6, 12, 0), "/p/1.000001/", agent=IPHONE),
        line(E, at(6, 12, 5), "/q/1.000001/", status=404, agent=IPHONE),
        line(E, at(7, 12, 5), "/p/1.000001/", status=304, agent=IPHONE),
        # F (IPv6) scans the abolished procedure's slip, the last second of March.
        line(F, at(31, 23, 59, 59), "/q/1.000003/", agent=ANDROID),
        # Robots and link previews.
        line("192.0.2.200", at(8, 3, 0), "/q/1.000001/", agent=GOOGLEBOT),
        line("192.0.2.201", at(8, 3, 1), "/p/1.000001/", agent=FACEBOOK),
        line("192.0.2.201", at(8, 3, 2), "/p/1.000002/", agent="-"),
        # Not ours to count: another file, an unknown code, a request that is not GET.
        line(C, at(9, 9, 0), "/assets/phieu.css"),
        line(C, at(9, 9, 0), "/q/9.999999/"),
        line(C, at(9, 9, 1), "/q/1.000001/").replace('"GET ', '"HEAD '),
        "this is not a log line\n",
    ]


def april() -> list[str]:
    return [
        line(A, at(1, 0, 30, month=4), "/q/1.000001/", agent=ANDROID),
        line(D, at(2, 10, 0, month=4), "/q/f/chung-thuc/", agent=ZALO),
    ]


@pytest.fixture
def logs(tmp_path: Path) -> list[Path]:
    """Rotated logs as logrotate leaves them: the newest plain, older ones gzipped, lines shuffled."""
    folder = tmp_path / "logs"
    folder.mkdir()
    lines = march()
    current = folder / "access.log"
    current.write_text("".join(april()), encoding="utf-8")
    previous = folder / "access.log.1"
    previous.write_text("".join(lines[12:]), encoding="utf-8")
    older = folder / "access.log.2.gz"
    older.write_bytes(gzip.compress("".join(reversed(lines[:12])).encode()))
    return [current, previous, older]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    project = copy_project(tmp_path / "project", MINI)
    (project / "redirects.yml").write_text('procedures:\n  "1.000009": "1.000001"\n', encoding="utf-8")
    return project


def run(project: Path, logs: list[Path], *extra: str) -> tuple[list[list[str]], str, Path]:
    out = project / "report"
    code = main(["stats", *map(str, logs), "-f", str(project / "mkdocs.yml"), "-o", str(out), *extra])
    assert code == 0
    raw = (out / "thong-ke.csv").read_bytes()
    assert raw.startswith("\ufeff".encode())
    table = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    return table, (out / "thong-ke.html").read_text(encoding="utf-8"), out


HEADER = [
    "Tháng",
    "Lĩnh vực",
    "Mã thủ tục",
    "Tên thủ tục",
    "Lượt quét phiếu",
    "Lượt quét áp phích, bảng để bàn",
    "Lượt xem trang không qua mã QR",
    "Lượt quét rồi mở PDF hoặc mẫu",
    "Tỉ lệ mở tiếp (%)",
]
MARCH_ROWS = [
    ["2026-03", "Tất cả lĩnh vực", "", "", "5", "1", "3", "1", "20"],
    ["2026-03", "Hộ tịch", "", "Cả lĩnh vực", "4", "1", "2", "1", "25"],
    ["2026-03", "Hộ tịch", "1.000001", "Thủ tục một trường hợp", "3", "0", "1", "1", "33"],
    ["2026-03", "Hộ tịch", "1.000002", "Thủ tục nhiều trường hợp", "1", "0", "1", "0", "0"],
    ["2026-03", "Chứng thực", "", "Cả lĩnh vực", "1", "0", "1", "0", "0"],
    ["2026-03", "Chứng thực", "1.000003", "Thủ tục đã bãi bỏ", "1", "0", "0", "0", "0"],
    [
        "2026-03",
        "Chứng thực",
        "1.000005",
        "Thủ tục rất dài để kiểm tra phiếu nhiều trang",
        "0",
        "0",
        "1",
        "0",
        "",
    ],
]
APRIL_ROWS = [
    ["2026-04", "Tất cả lĩnh vực", "", "", "1", "1", "0", "0", "0"],
    ["2026-04", "Hộ tịch", "", "Cả lĩnh vực", "1", "0", "0", "0", "0"],
    ["2026-04", "Hộ tịch", "1.000001", "Thủ tục một trường hợp", "1", "0", "0", "0", "0"],
    ["2026-04", "Chứng thực", "", "Cả lĩnh vực", "0", "1", "0", "0", ""],
]


def test_exact_figures_per_month(project, logs, capsys):
    table, html, _ = run(project, logs)
    assert table[0] == HEADER
    assert table[1:] == MARCH_ROWS + APRIL_ROWS
    printed = capsys.readouterr().out
    assert (
        "Tháng 3/2026: 5 lượt quét phiếu, 1 lượt quét áp phích và bảng để bàn, 3 lượt xem trang không qua mã QR"
        in printed
    )
    # Two robots and a link preview; a 404 and a 304; one repeat; one line that is not a log line.
    assert "Không tính: 3 lượt của máy tự động, 2 lượt có mã phản hồi khác 200, 1 lượt lặp lại" in printed
    assert "Bỏ qua 1 trong 26 dòng không đúng định dạng combined" in printed
    assert "Tháng 3/2026" in html and "Tháng 4/2026" in html


def test_no_address_or_browser_in_the_output(project, logs):
    _, html, out = run(project, logs)
    written = html + (out / "thong-ke.csv").read_text(encoding="utf-8-sig")
    for address in ADDRESSES:
        assert address not in written, address
    for agent in (*AGENTS.values(), GOOGLEBOT, FACEBOOK):
        assert agent not in written
    assert not re.search(r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b", written)
    assert "Android" not in written and "iPhone" not in written


@pytest.mark.parametrize(
    ("extra", "rows", "outside"),
    [
        (["--from", "2026-04-01"], APRIL_ROWS, 14),
        (["--to", "2026-03-31"], MARCH_ROWS, 2),
        (["--from", "2026-03-31", "--to", "2026-03-31"], None, 15),
    ],
    ids=["from", "to", "one-day"],
)
def test_from_and_to_dates(project, logs, capsys, extra, rows, outside):
    table, _, _ = run(project, logs, *extra)
    if rows is None:  # only F's scan of the abolished procedure, at 23:59:59 local time
        rows = [
            ["2026-03", "Tất cả lĩnh vực", "", "", "1", "0", "0", "0", "0"],
            ["2026-03", "Chứng thực", "", "Cả lĩnh vực", "1", "0", "0", "0", "0"],
            ["2026-03", "Chứng thực", "1.000003", "Thủ tục đã bãi bỏ", "1", "0", "0", "0", "0"],
        ]
    assert table[1:] == rows
    assert f"{outside} lượt ngoài khoảng ngày đã chọn" in capsys.readouterr().out


def test_report_page_has_a_chart_and_loads_nothing(project, logs):
    _, html, _ = run(project, logs)
    assert html.count("<svg") == 3  # months, and scans per procedure in each month
    assert 'aria-label="Biểu đồ: lượt quét mã QR và lượt xem trang theo tháng"' in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "<script" not in html


def test_hostile_names_are_escaped_in_the_report(project, tmp_path):
    log = tmp_path / "hostile.log"
    log.write_text(line(C, at(10, 9, 0), "/q/1.000004/"), encoding="utf-8")
    table, html, _ = run(project, [log])
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;tên&#39;)&lt;/script&gt;" in html
    assert table[-1][3] == "<script>alert('tên')</script> *đậm* [x](javascript:alert(1))"


def test_errors_are_messages_not_tracebacks(project, logs, tmp_path, capsys):
    config = ["-f", str(project / "mkdocs.yml"), "-o", str(tmp_path / "out")]
    assert main(["stats", str(tmp_path / "missing.log"), *config]) == 1
    assert "phieu: không đọc được tệp nhật ký" in capsys.readouterr().err
    assert main(["stats", *map(str, logs), "--from", "2026-04-02", "--to", "2026-04-01", *config]) == 1
    assert "phieu: --from 2026-04-02 sau --to 2026-04-01: hãy đổi lại hai ngày" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["stats", *map(str, logs), "--from", "1/4/2026", *config])
    assert exit_info.value.code == 2
    assert (
        "ngày '1/4/2026' không hợp lệ: ghi dạng năm-tháng-ngày, ví dụ 2026-03-01" in capsys.readouterr().err
    )
