"""``phieu stats``: how many citizens used the slips, read from the office's own web server logs.

Reads nginx or Apache access logs in the "combined" format, plain or gzipped, rotated files in any
order, and counts per month:

- **scans** of each slip's QR code (``q/<code>/``) and of each field's poster or table tent
  (``q/f/<field>/``);
- **visits** to each procedure page that did not come straight from a scan (a page opened within a
  minute after a scan of the same procedure by the same phone is that scan's landing);
- the **share of slip scans after which the same phone went on** (within 30 minutes) to open the
  procedure's PDF or a page under the procedure's own address (such as a sample form).

Not counted: bots and link previews (by user agent), responses other than 200, and the same request
repeated by the same phone within 10 seconds. In a province, each office is counted apart under its own
folder (``/<office>/q/…``), from one reading of the logs; the province's own pages (its home, the national
pages ``/p/<code>/``) are not an office's and are not counted. A phone is its address and user agent, held only in
memory and only as a keyed hash whose key is drawn afresh for each run: no address reaches the output.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import io
import re
import secrets
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .. import urls
from ..errors import PhieuError, os_reason
from ..load import Catalog
from ..publish.redirects import Redirects, resolve
from ..render import templates

DUPLICATE_S = 10
"""A request repeated by the same phone for the same address within this many seconds counts once."""
LANDING_S = 60
"""A page opened this soon after a scan of the same procedure by the same phone is the scan's landing."""
FOLLOW_S = 30 * 60
"""A scan "went on" when the same phone opened the PDF or a sample form within this long."""

#: User agents of robots, link previews and scripts. Phones' own browsers and in-app browsers (Zalo,
#: Facebook) do not match; an empty user agent does.
BOTS = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|facebookexternalhit|facebot|meta-externalagent|whatsapp|telegram"
    r"|discord|skype|preview|curl/|wget/|python|go-http-client|java/|okhttp|libwww|httpclient|headless"
    r"|lighthouse|pingdom|uptime|monitor|^-?$",
    re.IGNORECASE,
)

_LINE = re.compile(
    r'^(?P<address>\S+) \S+ \S+ \[(?P<time>[^\]]+)\] "(?P<request>(?:[^"\\]|\\.)*)" (?P<status>\d{3}) \S+ '
    r'"(?P<referer>(?:[^"\\]|\\.)*)" "(?P<agent>(?:[^"\\]|\\.)*)"'
)
_TIME = re.compile(r"^(\d{2})/([A-Za-z]{3})/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$")
_MONTHS = {
    m: i
    for i, m in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1
    )
}

CSV_FILE = "thong-ke.csv"
HTML_FILE = "thong-ke.html"
CSV_HEADER = (
    "Tháng",
    "Lĩnh vực",
    "Mã thủ tục",
    "Tên thủ tục",
    "Lượt quét phiếu",
    "Lượt quét áp phích, bảng để bàn",
    "Lượt xem trang không qua mã QR",
    "Lượt quét rồi mở PDF hoặc mẫu",
    "Tỉ lệ mở tiếp (%)",
)
WHOLE_FIELD = "Cả lĩnh vực"
ALL_FIELDS = "Tất cả lĩnh vực"


@dataclass(frozen=True)
class Hit:
    """One counted request: when, which phone (a keyed hash), and what it opened."""

    time: dt.datetime
    phone: bytes
    kind: str
    """``scan``, ``field-scan``, ``page`` or ``follow`` (the PDF or a page under the procedure)."""
    key: str
    """The procedure code (``scan``, ``page``, ``follow``) or the field id (``field-scan``)."""
    path: str
    office: str | None = None
    """The office of a province whose site the request opened (None for a single office)."""


@dataclass
class Tally:
    """Counts of one procedure, one field or everything, in one month."""

    scans: int = 0
    poster_scans: int = 0
    visits: int = 0
    followed: int = 0

    @property
    def share(self) -> int | None:
        """Percent of slip scans that went on to the PDF or a sample form (None without scans)."""
        return round(100 * self.followed / self.scans) if self.scans else None

    def add(self, other: Tally) -> None:
        self.scans += other.scans
        self.poster_scans += other.poster_scans
        self.visits += other.visits
        self.followed += other.followed


@dataclass
class Skipped:
    """What was read and not counted, for the report's footnote."""

    lines: int = 0
    unreadable: int = 0
    first_unreadable: str | None = None
    bots: int = 0
    not_ok: int = 0
    duplicates: int = 0
    outside: int = 0
    """Outside the --from/--to dates."""


@dataclass
class Report:
    months: dict[str, dict[str, Tally]] = field(default_factory=dict)
    """Month (``2026-03``) → procedure code → counts."""
    fields: dict[str, dict[str, Tally]] = field(default_factory=dict)
    """Month → field id → counts (slip scans of its procedures, poster scans, visits)."""
    skipped: Skipped = field(default_factory=Skipped)
    since: dt.date | None = None
    until: dt.date | None = None

    def total(self, month: str) -> Tally:
        total = Tally()
        for tally in self.fields.get(month, {}).values():
            total.add(tally)
        return total


# --------------------------------------------------------------------------- reading


def read_lines(path: Path) -> Iterator[str]:
    """Lines of a log file, gunzipped when it is gzip (by its first bytes, not by its name)."""
    try:
        with path.open("rb") as raw:
            gzipped = raw.read(2) == b"\x1f\x8b"
            raw.seek(0)
            with (
                gzip.open(raw, "rb") if gzipped else raw as handle,
                io.TextIOWrapper(handle, encoding="utf-8", errors="replace") as text,
            ):
                yield from text
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise PhieuError(f"không đọc được tệp nhật ký {path}: {os_reason(exc)}") from exc


def _time(value: str) -> dt.datetime | None:
    match = _TIME.match(value)
    if not match or match[2] not in _MONTHS:
        return None
    day, _, year, hour, minute, second, sign, off_h, off_m = match.groups()
    offset = dt.timedelta(hours=int(off_h), minutes=int(off_m)) * (1 if sign == "+" else -1)
    try:
        return dt.datetime(
            int(year),
            _MONTHS[match[2]],
            int(day),
            int(hour),
            int(minute),
            int(second),
            tzinfo=dt.timezone(offset),
        )
    except ValueError:
        return None


class _Classifier:
    """Turns a request path into what it counts as, with renamed codes and fields followed."""

    def __init__(self, catalog: Catalog, redirects: Redirects):
        self.codes = {p.code: p.code for p in catalog.procedures}
        self.codes.update(_renamed(redirects.procedures, self.codes))
        self.fields = {f.id: f.id for f in catalog.fields}
        self.fields.update(_renamed(redirects.fields, self.fields))
        self.prefix = urlsplit(catalog.office.site_url).path.rstrip("/") + "/"

    def __call__(self, target: str) -> tuple[str, str] | None:
        path = unquote(urlsplit(target).path)
        if not path.startswith(self.prefix):
            return None
        path = path.removeprefix(self.prefix)
        found = urls.parse(path)
        if found is not None:
            kind, key = found
            if kind in ("scan", "page", "slip") and key in self.codes:
                return {"slip": "follow"}.get(kind, kind), self.codes[key]
            if kind == "field-scan" and key in self.fields:
                return kind, self.fields[key]
            return None
        # A page or file under a procedure's own address (a sample form) also counts as going on.
        head, _, rest = path.removeprefix(urls.PROCEDURES).partition("/")
        if path.startswith(urls.PROCEDURES) and rest and head in self.codes:
            return "follow", self.codes[head]
        return None


def _renamed(mapping: dict[str, str], known: dict[str, str]) -> dict[str, str]:
    """Old names that lead to a known one, each with where it leads."""
    return {old: resolve(mapping, old) for old in mapping if resolve(mapping, old) in known}


def read_hits(
    logs: Iterable[Path],
    catalogs: Mapping[str | None, Catalog],
    redirects: Redirects,
    skipped: Skipped,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> list[Hit]:
    """Every request worth counting, oldest first, before duplicates are removed, each with its office."""
    classifiers = [(office, _Classifier(catalog, redirects)) for office, catalog in catalogs.items()]
    # The deepest folder first: an office's site is inside its province's.
    classifiers.sort(key=lambda item: -len(item[1].prefix))

    def classify(target: str) -> tuple[str, str, str | None] | None:
        for office, classifier in classifiers:
            found = classifier(target)
            if found is not None:
                return found[0], found[1], office
        return None

    key = secrets.token_bytes(16)  # a fresh key per run: the hashes cannot be matched across runs
    hits: list[Hit] = []
    for path in logs:
        for number, line in enumerate(read_lines(path), 1):
            skipped.lines += 1
            match = _LINE.match(line)
            when = match and _time(match["time"])
            request = match["request"].split(" ") if match else []
            if not match or when is None or len(request) != 3:
                skipped.unreadable += 1
                skipped.first_unreadable = skipped.first_unreadable or f"{path}:{number}"
                continue
            method, target, _ = request
            found = classify(target) if method == "GET" else None
            if found is None:
                continue
            agent = match["agent"]
            if BOTS.search(agent):
                skipped.bots += 1
                continue
            if match["status"] != "200":
                skipped.not_ok += 1
                continue
            day = when.date()
            if (since and day < since) or (until and day > until):
                skipped.outside += 1
                continue
            phone = hashlib.blake2b(f"{match['address']}\n{agent}".encode(), key=key, digest_size=12).digest()
            hits.append(Hit(when, phone, found[0], found[1], urlsplit(target).path, found[2]))
    hits.sort(key=lambda h: h.time)
    return hits


def without_duplicates(hits: list[Hit], skipped: Skipped) -> list[Hit]:
    """Drop a request that repeats the same phone's previous request for the same address within
    :data:`DUPLICATE_S` seconds (a double scan, a reload, a camera app opening the link twice)."""
    last: dict[tuple[bytes, str], dt.datetime] = {}
    kept = []
    for hit in hits:
        previous = last.get((hit.phone, hit.path))
        last[(hit.phone, hit.path)] = hit.time
        if previous is not None and (hit.time - previous).total_seconds() < DUPLICATE_S:
            skipped.duplicates += 1
            continue
        kept.append(hit)
    return kept


# --------------------------------------------------------------------------- counting


def count(
    logs: Iterable[Path],
    catalog: Catalog,
    redirects: Redirects,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> Report:
    """Read ``logs`` and count scans, visits and follow-ups per month."""
    return count_offices(logs, {None: catalog}, redirects, since, until)[None]


def count_offices(
    logs: Iterable[Path],
    catalogs: Mapping[str | None, Catalog],
    redirects: Redirects,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> dict[str | None, Report]:
    """Read ``logs`` once and count each office's scans, visits and follow-ups per month (a province's
    offices, by id; ``{None: catalog}`` for a single office). What was not counted is told once, in every
    report: it is the logs' and not an office's."""
    if since and until and since > until:
        raise PhieuError(f"--from {since.isoformat()} sau --to {until.isoformat()}: hãy đổi lại hai ngày")
    skipped = Skipped()
    hits = without_duplicates(read_hits(logs, catalogs, redirects, skipped, since, until), skipped)
    reports = {}
    for office, catalog in catalogs.items():
        report = Report(skipped=skipped, since=since, until=until)
        _tally(report, [h for h in hits if h.office == office], catalog)
        reports[office] = report
    return reports


def _tally(report: Report, hits: list[Hit], catalog: Catalog) -> None:
    """Add one office's hits (duplicates removed) to its report."""
    scans: dict[tuple[bytes, str], list[Hit]] = defaultdict(list)
    follows: dict[tuple[bytes, str], list[dt.datetime]] = defaultdict(list)
    for hit in hits:
        if hit.kind == "follow":
            follows[(hit.phone, hit.key)].append(hit.time)
    for hit in hits:
        month = hit.time.strftime("%Y-%m")
        by_code = report.months.setdefault(month, {})
        by_field = report.fields.setdefault(month, {})
        if hit.kind == "field-scan":
            by_field.setdefault(hit.key, Tally()).poster_scans += 1
            continue
        tally = by_code.setdefault(hit.key, Tally())
        field_tally = by_field.setdefault(catalog.procedure(hit.key).field, Tally())
        if hit.kind == "scan":
            tally.scans += 1
            field_tally.scans += 1
            scans[(hit.phone, hit.key)].append(hit)
            later = follows.get((hit.phone, hit.key), [])
            if any(0 < (t - hit.time).total_seconds() <= FOLLOW_S for t in later):
                tally.followed += 1
                field_tally.followed += 1
        elif hit.kind == "page":
            recent = scans.get((hit.phone, hit.key), [])
            if not any(0 <= (hit.time - s.time).total_seconds() <= LANDING_S for s in recent):
                tally.visits += 1
                field_tally.visits += 1
    for month in list(report.months):  # a month with only follow-ups has nothing to show
        report.months[month] = {c: t for c, t in report.months[month].items() if t.scans or t.visits}


# --------------------------------------------------------------------------- output


def rows(report: Report, catalog: Catalog) -> list[list[str]]:
    """The CSV rows: per month, all fields, then each field and its procedures by scans."""
    out = []
    for month in sorted(report.fields):
        out.append(_row(month, ALL_FIELDS, "", "", report.total(month)))
        for info in catalog.fields:
            tally = report.fields[month].get(info.id)
            if tally is None:
                continue
            out.append(_row(month, info.name, "", WHOLE_FIELD, tally))
            listed = [
                (code, t)
                for code, t in report.months.get(month, {}).items()
                if catalog.procedure(code).field == info.id
            ]
            for code, t in sorted(listed, key=lambda item: (-item[1].scans, -item[1].visits, item[0])):
                out.append(_row(month, info.name, code, catalog.procedure(code).name, t))
    return out


def _row(month: str, field_name: str, code: str, name: str, tally: Tally) -> list[str]:
    share = "" if tally.share is None else str(tally.share)
    numbers = (tally.scans, tally.poster_scans, tally.visits, tally.followed)
    return [month, field_name, code, name, *map(str, numbers), share]


def summary(report: Report, *, skipped: bool = True) -> list[str]:
    """What ``phieu stats`` prints: a line per month, then (``skipped``) what was not counted."""
    lines = []
    for month in sorted(report.fields):
        t = report.total(month)
        share = "" if t.share is None else f", {t.share}% lượt quét phiếu có mở tiếp PDF hoặc mẫu"
        lines.append(
            f"{month_label(month)}: {number(t.scans)} lượt quét phiếu, {number(t.poster_scans)} lượt quét "
            f"áp phích và bảng để bàn, {number(t.visits)} lượt xem trang không qua mã QR{share}."
        )
    if not lines:
        lines.append("Không có lượt quét hay lượt xem trang nào được tính.")
    return lines + (skipped_lines(report.skipped) if skipped else [])


def skipped_lines(k: Skipped) -> list[str]:
    """What was read and not counted."""
    lines = [
        f"Không tính: {number(k.bots)} lượt của máy tự động, {number(k.not_ok)} lượt có mã phản hồi khác 200, "
        f"{number(k.duplicates)} lượt lặp lại trong {DUPLICATE_S} giây"
        + (f", {number(k.outside)} lượt ngoài khoảng ngày đã chọn" if k.outside else "")
        + "."
    ]
    if k.unreadable:
        lines.append(
            f"Bỏ qua {number(k.unreadable)} trong {number(k.lines)} dòng không đúng định dạng combined "
            f"của nginx/Apache (dòng đầu tiên: {k.first_unreadable})."
        )
    return lines


def write_csv(report: Report, catalog: Catalog, path: Path) -> None:
    """UTF-8 with a byte-order mark, so that Excel shows the diacritics."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    writer.writerows(rows(report, catalog))
    path.write_text("\ufeff" + buffer.getvalue(), encoding="utf-8")


def write_html(report: Report, catalog: Catalog, path: Path) -> None:
    env = templates.environment(Path(__file__).parent)
    env.filters.update(n=number, month_label=month_label)
    months = sorted(report.fields)
    html = env.get_template("stats.html.j2").render(
        office=catalog.office,
        months=months,
        totals={m: report.total(m) for m in months},
        monthly_chart=monthly_chart(report, months) if months else None,
        sections=[_section(report, catalog, m) for m in months],
        skipped=report.skipped,
        since=report.since,
        until=report.until,
        duplicate_s=DUPLICATE_S,
        landing_s=LANDING_S,
        follow_min=FOLLOW_S // 60,
    )
    path.write_text(html, encoding="utf-8")


def _section(report: Report, catalog: Catalog, month: str) -> dict:
    by_code = report.months.get(month, {})
    procedures = sorted(by_code.items(), key=lambda item: (-item[1].scans, -item[1].visits, item[0]))
    return {
        "month": month,
        "label": month_label(month),
        "fields": [(f, report.fields[month][f.id]) for f in catalog.fields if f.id in report.fields[month]],
        "procedures": [(catalog.procedure(code), tally) for code, tally in procedures],
        "chart": scans_chart([(catalog.procedure(c).name, t.scans) for c, t in procedures if t.scans][:15]),
    }


def number(value: int) -> str:
    """12345 → "12.345", as Vietnamese write it."""
    return f"{value:,}".replace(",", ".")


def month_label(month: str) -> str:
    year, number = month.split("-")
    return f"Tháng {int(number)}/{year}"


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float


def monthly_chart(report: Report, months: list[str]) -> dict:
    """Vertical bars per month: slip and poster scans, and visits not from a scan."""
    series = [
        ("Lượt quét mã QR", [report.total(m).scans + report.total(m).poster_scans for m in months]),
        ("Lượt xem trang không qua mã QR", [report.total(m).visits for m in months]),
    ]
    top = max([1, *(v for _, values in series for v in values)])
    width, height, left, base = 640, 260, 40, 220
    slot = (width - left) / len(months)
    bar = min(48.0, slot / 3)
    bars = []
    for i, month in enumerate(months):
        for j, (_, values) in enumerate(series):
            h = (base - 20) * values[i] / top
            x = left + i * slot + slot / 2 - bar + j * bar
            bars.append((j, Bar(month_label(month), values[i], x, base - h, bar - 4, h)))
    labels = [(left + i * slot + slot / 2, month_label(m)) for i, m in enumerate(months)]
    return {
        "width": width,
        "height": height,
        "base": base,
        "left": left,
        "bars": bars,
        "labels": labels,
        "series": [name for name, _ in series],
        "top": top,
    }


def scans_chart(items: list[tuple[str, int]]) -> dict | None:
    """Horizontal bars: scans per procedure (names cut to fit; the full name is the bar's title)."""
    if not items:
        return None
    top = max(v for _, v in items)
    width, label_w, row = 640, 300, 26
    bars = []
    for i, (name, value) in enumerate(items):
        w = (width - label_w - 50) * value / top
        short = name if len(name) <= 44 else name[:43].rstrip() + "…"
        bars.append((name, Bar(short, value, label_w, 8 + i * row, w, row - 8)))
    return {"width": width, "height": 16 + len(items) * row, "bars": bars, "label_w": label_w}
