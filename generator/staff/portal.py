"""``phieu import``: turn National Public Service Portal records into YAML drafts, and keep them in step.

A record is the JSON the portal's public detail endpoint returns (``{"code": "OK", "data": {...}}``).
The importer copies its texts verbatim (NFC, white space tidied, "- "/"+ " bullets made list items),
never verifies a fee, and writes ``procedures/<field>/<code>.yml`` plus a sidecar
``procedures/.portal/<code>.json`` holding the portal's part as last imported. A re-import merges three
ways per text and list item (last import, the YAML as staff left it, the new record): staff edits and the
office's own parts survive, portal changes come in, and both changing one text is reported for review.
"""

from __future__ import annotations

import bisect
import copy
import datetime as dt
import difflib
import functools
import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ..errors import DataError, Problem, display_path, os_reason
from ..load import catalog, load_project
from ..model import CODE_PATTERN, Procedure
from . import fmt

#: A portal record is ~40 KB; anything this large is not one.
MAX_FILE_BYTES = 8 * 1024 * 1024
#: Where the last imported portal part of each procedure is kept, inside the procedures folder.
SIDECAR_DIR = ".portal"
SIDECAR_FORMAT = 1
NATIONAL_URL = "https://dichvucong.gov.vn/p/home/dvc-chi-tiet-thu-tuc-hanh-chinh.html?ma_thu_tuc={code}"
#: The portal's dates are epoch milliseconds; the dates they stand for are Vietnamese ones.
VIETNAM = dt.timezone(dt.timedelta(hours=7))

#: Model limits the importer fits texts into (see model.Text).
TEXT_MAX = 2000
STEPS_MAX = 40
CASES_MAX = 10
DOCUMENTS_MAX = 60

CHANNELS = {"DIRECT": "in_person", "POSTAL": "post", "ONLINE": "online"}
CHANNEL_ORDER = ("in_person", "post", "online")
CHANNEL_NAMES = {"in_person": "trực tiếp", "post": "bưu chính", "online": "trực tuyến"}
#: processingTimeUnit / processingDay.type → Vietnamese; OTHER means the portal gave no unit.
#: What a draft says where the portal gives no time: a placeholder, which a production build refuses,
#: never a note to staff that citizens would read.
NO_TIME = "[Cần cập nhật: Cổng không ghi thời hạn]"

UNITS = {"WORKING_DAY": "ngày làm việc", "DAY": "ngày", "HOUR": "giờ", "MONTH": "tháng", "OTHER": ""}
FEE_TYPES = {"FEE", "SERVICE_FEE", "PRICE_LEVEL"}
#: Portal states of a procedure in force. Whether a procedure is abolished or replaced is the office's call
#: (a provincial decision often comes first), so the importer never writes ``status``.
STATES = {"ACTIVE", "UPDATED"}
#: Requirement texts that say there are none.
NONE_TEXTS = {"khong", "khong co", "khong quy dinh"}

JsonPath = tuple[str | int, ...]


# --- problems and located JSON --------------------------------------------------------------------


class RecordError(Exception):
    """A record that cannot become a draft; carries every problem found, each at a JSON path."""

    def __init__(self, problems: list[tuple[JsonPath, str]]):
        self.problems = problems
        super().__init__("; ".join(message for _, message in problems))


@dataclass(frozen=True)
class Dropped:
    """A portal text the draft does not carry, on purpose, and why."""

    path: JsonPath
    text: str
    reason: str

    def __str__(self) -> str:
        excerpt = self.text if len(self.text) <= 90 else self.text[:89] + "…"
        return f"{json_path_text(self.path)}: {self.reason}: «{excerpt}»"


def json_path_text(path: JsonPath) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "(gốc)"


class _Positions:
    """Line and column of every value in a JSON text, by path; parsed only when a problem needs it."""

    _TOKEN = re.compile(r'\s*("(?:[^"\\]|\\.)*"|[{}\[\],:]|[^\s{}\[\],:"]+)', re.S)

    def __init__(self, text: str):
        self.text = text
        self.lines = [m.end() for m in re.finditer("\n", text)]
        self.values: dict[JsonPath, int] = {}
        self.keys: dict[JsonPath, int] = {}
        try:
            self._tokens = list(self._tokenize())
            self._i = 0
            self._value(())
        except (IndexError, ValueError):
            pass  # a position for what was read is all that is needed

    def _tokenize(self) -> Iterator[tuple[int, str]]:
        pos = 0
        while pos < len(self.text):
            m = self._TOKEN.match(self.text, pos)
            if m is None:
                return
            yield m.start(1), m.group(1)
            pos = m.end()

    def _value(self, path: JsonPath) -> None:
        start, token = self._tokens[self._i]
        self.values[path] = start
        self._i += 1
        if token == "{":
            while self._tokens[self._i][1] != "}":
                kstart, key = self._tokens[self._i]
                name = json.loads(key)
                self.keys[(*path, name)] = kstart
                self._i += 2  # key and ':'
                self._value((*path, name))
                if self._tokens[self._i][1] == ",":
                    self._i += 1
            self._i += 1
        elif token == "[":
            index = 0
            while self._tokens[self._i][1] != "]":
                self._value((*path, index))
                index += 1
                if self._tokens[self._i][1] == ",":
                    self._i += 1
            self._i += 1

    def where(self, path: JsonPath) -> tuple[int, int]:
        while path and path not in self.values:
            path = path[:-1]
        offset = self.keys.get(path, self.values.get(path, 0)) if path else 0
        line = bisect.bisect_right(self.lines, offset)
        start = self.lines[line - 1] if line else 0
        return line + 1, offset - start + 1


@dataclass
class PortalFile:
    """One portal JSON file, read and parsed."""

    path: Path
    text: str
    record: dict[str, Any]
    sha256: str
    _positions: _Positions | None = None

    def problem(self, path: JsonPath, message: str) -> Problem:
        if self._positions is None:
            self._positions = _Positions(self.text)
        line, col = self._positions.where(path)
        return Problem(display_path(self.path), line, col, message)


def read_portal_file(path: Path) -> PortalFile:
    """Read one portal record; raise :class:`DataError` with one located problem if it is not one."""
    shown = display_path(path)

    def fail(line: int, col: int, message: str) -> DataError:
        return DataError([Problem(shown, line, col, message)])

    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise fail(
                1,
                1,
                f"tệp quá lớn ({_grouped(size)} byte); một bản ghi của Cổng chỉ vài chục KB, "
                f"tối đa {_grouped(MAX_FILE_BYTES)} byte",
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise fail(1, 1, f"không đọc được tệp: {os_reason(exc)}") from None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise fail(line, col, "không phải tệp JSON: có byte không hợp lệ trong UTF-8") from None
    head = text.lstrip()[:200].lower()
    if head.startswith("<"):
        line = text[: len(text) - len(text.lstrip())].count("\n") + 1
        what = "trang HTML" if ("html" in head or "<!doctype" in head or "<head" in head) else "XML/HTML"
        raise fail(
            line,
            1,
            f"không phải JSON mà là {what} (có thể là trang lỗi hoặc tường lửa của Cổng); hãy tải lại bản ghi",
        )
    if not text.strip():
        raise fail(1, 1, "tệp rỗng, không phải bản ghi JSON")
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        raise fail(
            exc.lineno, exc.colno, f"JSON không hợp lệ ở đây ({_json_reason(exc.msg)}); hãy tải lại bản ghi"
        ) from None
    except RecursionError:
        raise fail(1, 1, "JSON lồng quá sâu") from None
    file = PortalFile(path, text, record, hashlib.sha256(raw).hexdigest())
    if not isinstance(record, dict):
        raise DataError(
            [file.problem((), 'bản ghi phải là một đối tượng JSON {"code": "OK", "data": {...}}')]
        )
    if record.get("code") != "OK":
        message = record.get("message")
        detail = f" ({_cut(_one_line(str(message)), 120)})" if message else ""
        where: JsonPath = ("code",) if "code" in record else ()
        raise DataError(
            [
                file.problem(
                    where, f"Cổng trả lỗi, không có dữ liệu thủ tục: code {record.get('code')!r}{detail}"
                )
            ]
        )
    if not isinstance(record.get("data"), dict):
        raise DataError(
            [file.problem(("data",) if "data" in record else (), "thiếu khóa 'data' (dữ liệu thủ tục)")]
        )
    return file


def _cut(text: str, n: int) -> str:
    """At most ``n`` characters of ``text`` for a report line, "…" showing the cut."""
    return text if len(text) <= n else text[:n].rstrip() + "…"


def _q(text: str, n: int) -> str:
    return f"«{_cut(text, n)}»"


def _grouped(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _one_line(text: str) -> str:
    return " ".join(text.split())


# --- text --------------------------------------------------------------------------------------------

#: Marks that print nothing (soft hyphen, zero-width and bidirectional controls): the portal's texts
#: carry some (e.g. "đăng k\u200eý"); they are removed, not refused.
_INVISIBLE = re.compile("[\u00ad\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff]")
_BULLET = re.compile(r"^(?:[-+•–*](?=\s|\D)\s*)+")
#: Numbered lines that start a new item and keep their number: "Bước 2: …", "3. …".
_NUMBERED = re.compile(r"^(?:bước\s*\d+\b|\d{1,2}[.)]\s)", re.I)
_NOTE_HEAD = re.compile(r"^(?:\*\s*)?(?:lưu ý|ghi chú)\s*:?\s*$", re.I)
_NOTE_START = re.compile(r"^(?:\*\s*)?(?:lưu ý|ghi chú)\b", re.I)
_FOLD = str.maketrans({"đ": "d", "Đ": "D"})


def tidy_lines(text: Any) -> list[str]:
    """The non-empty lines of a portal text: NFC, invisible marks removed, runs of white space one space."""
    if not isinstance(text, str):
        return []
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub(" ", _INVISIBLE.sub("", text))
    return [line for line in (" ".join(raw.split()) for raw in text.split("\n")) if line]


def tidy(text: Any, sep: str = " ") -> str:
    return sep.join(tidy_lines(text))


def split_items(text: Any) -> list[str]:
    """A text's list items: a bullet ("- ", "+ ", "* ", "•") or a step number ("Bước 2:", "3.") starts
    one; other lines continue the item before them."""
    items: list[str] = []
    for line in tidy_lines(text):
        bullet = _BULLET.match(line)
        body = line[bullet.end() :] if bullet else line
        if not body:
            continue
        if bullet or not items or _NUMBERED.match(body):
            items.append(body)
        else:
            items[-1] += "\n" + body
    return items


_COMBINING = re.compile("[\u0300-\u036f]")


@functools.lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """Lower case without diacritics: "Đất đai" → "dat dai" (documents are compared by it, often)."""
    return _COMBINING.sub("", unicodedata.normalize("NFD", text.translate(_FOLD))).lower()


def slug(text: str, limit: int = 40) -> str:
    words = re.findall(r"[a-z0-9]+", fold(text))
    out = ""
    for word in words:
        if len(out) + len(word) + 1 > limit and out:
            break
        out = f"{out}-{word}" if out else word[:limit]
    return out or "x"


def fit(text: str, limit: int) -> list[str]:
    """``text`` cut into pieces of at most ``limit`` characters, at line, sentence or word ends."""
    pieces: list[str] = []
    while len(text) > limit:
        window = text[: limit + 1]
        cut = max(window.rfind("\n"), -1)
        if cut < limit // 3:
            cut = max(window.rfind(". "), window.rfind("; "))
            cut = cut + 1 if cut >= limit // 3 else window.rfind(" ")
        if cut <= 0:
            cut = limit
        pieces.append(text[:cut].strip())
        text = text[cut:].strip()
    if text:
        pieces.append(text)
    return pieces


def _heading(text: Any) -> str:
    """A group heading without its bullet and final colon: "* Giấy tờ phải nộp:" → "Giấy tờ phải nộp"."""
    return _BULLET.sub("", tidy(text)).rstrip(" :").strip()


def number_text(value: float | int) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace(".", ",")


def money(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đồng"


def _date(ms: Any) -> dt.date | None:
    stamp = _datetime(ms)
    return stamp.date() if stamp else None


def _datetime(ms: Any) -> dt.datetime | None:
    if isinstance(ms, bool) or not isinstance(ms, (int, float)) or not 0 < ms < 10**14:
        return None
    return dt.datetime.fromtimestamp(ms / 1000, VIETNAM).replace(microsecond=0)


def strip_prefix(name: str) -> str:
    """The procedure name without the portal's "Thủ tục " prefix, capitalised."""
    name = re.sub(r"^thủ tục\s+", "", name, flags=re.I)
    return name[:1].upper() + name[1:]


# --- mapping one record to the portal's part of a procedure ------------------------------------------


@dataclass
class Draft:
    """The portal's part of one procedure, shaped like the model, and what was left out."""

    code: str
    field_name: str
    portal: dict[str, Any]
    dropped: list[Dropped] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)


_KINDS: dict[type, str] = {str: "văn bản", bool: "true/false", list: "danh sách", dict: "đối tượng"}


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    return {**_KINDS, int: "số", float: "số"}.get(type(value), "giá trị khác")


class _Mapper:
    """Maps ``data`` of one record; collects problems (each at a JSON path) instead of stopping at one."""

    def __init__(self, data: dict[str, Any], sha256: str, today: dt.date):
        self.data = data
        self.sha256 = sha256
        self.today = today
        self.problems: list[tuple[JsonPath, str]] = []
        self.dropped: list[Dropped] = []
        self.hints: list[str] = []
        self.notes: list[str] = []

    # -- checked access
    def get(self, obj: Any, path: JsonPath, key: str, kind: type, *, required: bool = True) -> Any:
        if not isinstance(obj, dict):
            return None
        value = obj.get(key)
        if value is None:
            if required:
                self.problems.append((path, f"thiếu khóa bắt buộc '{key}'"))
            return None
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            self.problems.append(
                ((*path, key), f"'{key}' phải là {_KINDS[kind]}, không phải {_type_name(value)}")
            )
            return None
        return value

    def items_of(
        self, obj: Any, path: JsonPath, key: str, *, required: bool = True
    ) -> Iterator[tuple[JsonPath, dict]]:
        values = self.get(obj, path, key, list, required=required) or []
        for i, item in enumerate(values):
            if isinstance(item, dict):
                yield (*path, key, i), item
            else:
                self.problems.append(
                    ((*path, key, i), f"mỗi mục của '{key}' phải là đối tượng, không phải {_type_name(item)}")
                )

    def enum(self, obj: Any, path: JsonPath, key: str, allowed: Iterable[str]) -> str | None:
        value = self.get(obj, path, key, str)
        if value is not None and value not in allowed:
            choices = ", ".join(sorted(allowed))
            self.problems.append(
                ((*path, key), f"'{key}' có giá trị {value!r} không rõ; chỉ nhận: {choices}")
            )
            return None
        return value

    def drop(self, path: JsonPath, text: str, reason: str) -> None:
        if text:
            self.dropped.append(Dropped(path, text, reason))

    def note(self, text: str) -> None:
        self.notes.extend(fit(text, TEXT_MAX))

    # -- the record
    def run(self) -> Draft:
        d, root = self.data, ("data",)
        code = self.get(d, root, "code", str)
        if code is not None and not re.fullmatch(CODE_PATTERN, code.strip()):
            self.problems.append(
                ((*root, "code"), f"mã thủ tục {code!r} không đúng mẫu mã quốc gia (ví dụ 1.001193)")
            )
        code = (code or "").strip()
        name = strip_prefix(tidy(self.get(d, root, "name", str)))
        if not name and not any(p[0] == (*root,) for p in self.problems):
            self.problems.append(((*root, "name"), "tên thủ tục trống"))
        field_name = self._field_name()
        level = self._level()
        self.enum(d, root, "state", STATES)  # a record the portal no longer shows as in force is refused
        kind = self.enum(d, root, "type", {"STANDARD", "SPECIFIC"})
        who = self._names(root, "subjectTypesDetails", "đối tượng thực hiện")
        result = self._names(root, "resultsDetails", "kết quả thực hiện")
        legal = self._legal_basis()
        agency = self._agency()
        steps = self._steps()
        channels, rows = self._channels()
        cases = self._cases(name, channels, rows)
        requirements = self._requirements()
        self._leftovers()
        if self.problems:
            raise RecordError(self.problems)
        portal = {
            "code": code,
            "name": name,
            "level": level,
            "who": who,
            "agency": agency,
            "result": result,
            "steps": steps,
            "channels": channels,
            "cases": cases,
            "requirements": requirements,
            "notes": self.notes,
            "legal_basis": legal,
            "national_url": NATIONAL_URL.format(code=code),
            "source": self._source(code, kind),
        }
        return Draft(code, field_name, portal, self.dropped, self.hints)

    def _field_name(self) -> str:
        d, root = self.data, ("data",)
        category = d.get("category")
        if isinstance(category, dict) and tidy(category.get("name")):
            return tidy(category["name"])
        for _, item in self.items_of(d, root, "categoriesDetails", required=False):
            if tidy(item.get("name")):
                return tidy(item["name"])
        self.problems.append(
            (root, "thiếu lĩnh vực: không có 'category.name' hay 'categoriesDetails[].name'")
        )
        return ""

    def _level(self) -> str:
        d, root = self.data, ("data",)
        ward = self.get(d, root, "isWard", bool)
        province = self.get(d, root, "isProvince", bool)
        if ward:
            return "commune"
        if province:
            return "province"
        if ward is not None and province is not None:
            self.problems.append(
                (
                    (*root, "isWard"),
                    "thủ tục không thực hiện ở cấp xã hay cấp tỉnh (isWard, isProvince đều false); phieu chỉ nhập thủ tục cấp xã, cấp tỉnh",
                )
            )
        return "commune"

    def _names(self, root: JsonPath, key: str, what: str) -> list[str]:
        out: list[str] = []
        for path, item in self.items_of(self.data, root, key):
            text = tidy(item.get("name"))
            if text and text not in out:
                out.extend(t for t in fit(text, TEXT_MAX) if t not in out)
            elif not text:
                self.problems.append((path, f"mục {what} không có tên"))
        if not out and not any(p[0][: len(root) + 1] == (*root, key) for p in self.problems):
            self.problems.append(((*root, key), f"bản ghi không có {what} ('{key}' rỗng)"))
        return out

    def _legal_basis(self) -> list[str]:
        out: list[str] = []
        root = ("data",)
        for _, item in self.items_of(self.data, root, "legalBasisesDetails"):
            text, code = tidy(item.get("name")), tidy(item.get("code"))
            if code and fold(code) not in fold(text):
                text = f"{text} ({code})" if text else code
            if text and text not in out:
                out.append(self.one_text(text, (*root, "legalBasisesDetails")))
        if not out and not self.problems:
            self.problems.append(
                (
                    (*root, "legalBasisesDetails"),
                    "bản ghi không có căn cứ pháp lý ('legalBasisesDetails' rỗng)",
                )
            )
        return out

    def _agency(self) -> dict[str, Any]:
        d, root = self.data, ("data",)

        def same(a: str, b: str) -> bool:
            return fold(a).rstrip(". ") == fold(b).rstrip(". ")

        def names(*keys: str, text_key: str) -> list[str]:
            out: list[str] = []
            for key in keys:
                for _, item in self.items_of(d, root, key, required=False):
                    name = tidy(item.get("name"))
                    if name and not any(same(name, o) for o in out):
                        out.append(name)
            text = tidy(d.get(text_key))
            if text and not any(same(text, o) for o in out):
                if out and text_key == "executingAgencies":
                    self.drop(
                        (*root, text_key),
                        text,
                        "cơ quan thực hiện ghi bằng lời khác danh sách cơ quan; giữ danh sách",
                    )
                else:
                    out.append(text)
            return out

        executing = names("unitGroupsExecuting", "departmentsExecuting", text_key="executingAgencies")
        competent = names("unitGroupsAuthority", "departmentsAuthority", text_key="") or executing
        if not competent:
            self.problems.append(
                (
                    root,
                    "bản ghi không có cơ quan thực hiện (unitGroupsExecuting, departmentsExecuting, executingAgencies)",
                )
            )
        elif not same("; ".join(executing), "; ".join(competent)):
            self.drop(
                (*root, "unitGroupsExecuting"),
                "; ".join(executing),
                "cơ quan thực hiện khác cơ quan có thẩm quyền; mô hình chỉ giữ cơ quan có thẩm quyền",
            )
        authorised = names("unitGroupsAuthorized", "departmentsAuthorized", text_key="authorizedAgencies")
        coordinating = names(
            "unitGroupsCoordinating", "departmentsCoordinating", text_key="coordinatingAgencies"
        )
        self.drop(
            (*root, "delegatedAgencies"),
            tidy(d.get("delegatedAgencies"), "\n"),
            "cơ quan được phân cấp: mô hình không có mục này",
        )
        self.drop(
            (*root, "dossierReceivingAddresses"),
            tidy(d.get("dossierReceivingAddresses"), "\n"),
            "nơi tiếp nhận hồ sơ: phiếu dùng địa chỉ của cơ quan trong office.yml",
        )
        return {
            "competent": self.one_text("; ".join(competent), (*root, "unitGroupsExecuting")),
            "authorised": self.one_text("; ".join(authorised), (*root, "unitGroupsAuthorized")) or None,
            "coordinating": [self.one_text(c, (*root, "unitGroupsCoordinating")) for c in coordinating],
        }

    def fee(self, rows: list[tuple[int | None, str]]) -> dict[str, Any] | None:
        fee = _combine_fees(rows)
        if fee and fee["text"]:
            fee["text"] = self.one_text(fee["text"], ("data", "executionMethods"))
        return fee

    def one_text(self, text: str, path: JsonPath) -> str:
        """``text`` cut to the model's limit; the rest is reported as dropped, never silently lost."""
        head, *rest = fit(text, TEXT_MAX) or [""]
        for piece in rest:
            self.drop(path, piece, f"phần cuối văn bản quá dài (tối đa {TEXT_MAX} ký tự)")
        return head

    def _steps(self) -> list[str]:
        steps: list[str] = []
        root = ("data",)
        for path, entry in self.items_of(self.data, root, "executionSteps"):
            title = tidy(entry.get("name"))
            lines = tidy_lines(entry.get("description"))
            items = split_items(entry.get("description"))
            in_notes = bool(title and _NOTE_HEAD.match(title))
            if in_notes:
                self.drop((*path, "name"), title, "tiêu đề mục lưu ý; các lưu ý nằm trong 'notes'")
            elif title:
                if items and lines and not _BULLET.match(lines[0]):
                    items[0] = f"{title}\n{items[0]}"
                else:
                    items.insert(0, title)
            for item in items:
                if _NOTE_HEAD.match(item):
                    in_notes = True
                    self.drop((*path, "description"), item, "tiêu đề mục lưu ý; các lưu ý nằm trong 'notes'")
                elif in_notes or _NOTE_START.match(item):
                    self.note(item)
                else:
                    steps.extend(fit(item, TEXT_MAX))
        if len(steps) > STEPS_MAX:
            self.hints.append(f"Cổng có {len(steps)} mục trình tự; gộp lại còn tối đa {STEPS_MAX} bước")
            steps = _pack(steps, STEPS_MAX)
        if not steps and not self.problems:
            self.problems.append(((*root, "executionSteps"), "bản ghi không có trình tự thực hiện"))
        return steps

    def _time(self, value: Any, unit: str | None, path: JsonPath) -> str:
        if isinstance(value, str):
            text = tidy(value)
            if not re.fullmatch(r"\d+(?:[.,]\d+)?", text):
                return text
            value = float(text.replace(",", "."))
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.problems.append((path, f"thời hạn phải là số hoặc văn bản, không phải {_type_name(value)}"))
            return ""
        label = UNITS.get(unit or "", "")
        if label:
            return f"{number_text(value)} {label}"
        self.hints.append(f"thời hạn {number_text(value)} không có đơn vị trên Cổng (OTHER): cần ghi rõ")
        return f"[Cần cập nhật: Cổng ghi thời hạn {number_text(value)} nhưng không ghi đơn vị]"

    def _channels(self) -> tuple[list[dict[str, Any]], dict[str, list[tuple[str, str, list]]]]:
        rows: dict[str, list[tuple[str, str, list]]] = {}
        root = ("data",)
        for path, method in self.items_of(self.data, root, "executionMethods"):
            kind = self.enum(method, path, "submissionMethod", CHANNELS)
            unit = self.enum(method, path, "processingTimeUnit", UNITS)
            value = method.get("processingTime")
            time = self._time(value, unit, (*path, "processingTime")) if value is not None else ""
            fees = []
            for fpath, fee in self.items_of(method, path, "fees", required=False):
                self.enum(fee, fpath, "type", FEE_TYPES)
                amount = fee.get("value")
                if isinstance(amount, float) and amount.is_integer():
                    amount = int(amount)
                if amount is not None and (
                    isinstance(amount, bool) or not isinstance(amount, int) or not 0 <= amount <= 10**9
                ):
                    self.problems.append(
                        (
                            (*fpath, "value"),
                            f"số tiền phải là số nguyên đồng từ 0 đến 1.000.000.000, không phải {amount!r}",
                        )
                    )
                    continue
                fees.append((amount, tidy(fee.get("description"), "\n")))
            if kind:
                rows.setdefault(CHANNELS[kind], []).append(
                    (time, tidy(method.get("description"), "\n"), fees)
                )
        channels = []
        for kind in CHANNEL_ORDER:
            if kind not in rows:
                continue
            times = _unique(t for t, _, _ in rows[kind] if t)
            descs = _unique(d for _, d, _ in rows[kind] if d)
            channel: dict[str, Any] = {
                "kind": kind,
                "time": "; ".join(times) or NO_TIME,
                "fee": self.fee([f for _, _, fees in rows[kind] for f in fees]),
                "note": "\n".join(descs) or None,
            }
            if not times:
                self.hints.append(f"cách thức {CHANNEL_NAMES[kind]} không có thời hạn trên Cổng")
            for key in ("time", "note"):
                if channel[key] and len(channel[key]) > TEXT_MAX:
                    head, *rest = fit(channel[key], TEXT_MAX)
                    channel[key] = head
                    for piece in rest:
                        self.drop(
                            (*root, "executionMethods"),
                            piece,
                            f"phần cuối văn bản quá dài (tối đa {TEXT_MAX} ký tự) của cách thức {CHANNEL_NAMES[kind]}",
                        )
            channels.append(channel)
        if not channels and not self.problems:
            self.problems.append(((*root, "executionMethods"), "bản ghi không có cách thức thực hiện"))
        return channels, rows

    def _requirements(self) -> list[str]:
        d, root = self.data, ("data",)
        text = d.get("requirementsAndConditions")
        if fold(tidy(text)).rstrip(".") in NONE_TEXTS:
            self.drop(
                (*root, "requirementsAndConditions"), tidy(text), "Cổng ghi là không có yêu cầu, điều kiện"
            )
            return []
        out: list[str] = []
        for item in split_items(text):
            out.extend(fit(item, TEXT_MAX))
        return out

    def _leftovers(self) -> None:
        """Texts with no place in the model: kept as notes, or reported as dropped."""
        d, root = self.data, ("data",)
        for item in split_items(d.get("note")):
            self.note(item)
        description = tidy(d.get("description"))
        if description:
            if fold(description) == fold(tidy(d.get("requirementsAndConditions"))):
                self.drop(
                    (*root, "description"),
                    description,
                    "trùng với 'requirementsAndConditions' (đã chép vào requirements)",
                )
            elif fold(description).rstrip(".") in NONE_TEXTS:
                self.drop((*root, "description"), description, "Cổng ghi là không có")
            else:
                for item in split_items(d.get("description")):
                    self.note(item)
        self.drop(
            (*root, "keywords"),
            tidy(d.get("keywords")),
            "từ khóa của Cổng: thêm vào từ khóa của cơ quan nếu cần (local.keywords; dữ liệu của tỉnh: keywords trong "
            "offices/<mã>.yml)",
        )

    def _source(self, code: str, kind: str | None) -> dict[str, Any]:
        d = self.data
        proposal: dict[str, Any] = (
            d["procedureProposal"] if isinstance(d.get("procedureProposal"), dict) else {}
        )
        issuer: dict[str, Any] = (
            proposal["issuingAgency"] if isinstance(proposal.get("issuingAgency"), dict) else {}
        )
        return {
            "portal_id": tidy(d.get("id")) or None,
            "code": code,
            "kind": {"STANDARD": "national", "SPECIFIC": "provincial"}.get(kind or ""),
            "decision": tidy(proposal.get("proposalNumber"))
            or tidy(proposal.get("decisionNumber"))
            or tidy(d.get("decisionNo"))
            or None,
            "issuer": tidy(issuer.get("name")) or tidy(d.get("departmentPromulgateName")) or None,
            "decision_date": _date(proposal.get("decisionDate")),
            "published": _date(proposal.get("publicationDate")),
            "portal_updated": _datetime(d.get("updatedAt")),
            "imported": self.today,
            "sha256": self.sha256,
        }

    # -- documents and cases
    def _component(self, path: JsonPath, comp: dict[str, Any]) -> tuple[str, int, int, bool]:
        text = _BULLET.sub("", tidy(comp.get("name"), "\n"), count=1)
        counts = []
        for key in ("originalQty", "copyQty"):
            value = comp.get(key, 0)
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            if value is None:
                value = 0
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 20:
                self.problems.append(
                    ((*path, key), f"số bản '{key}' phải là số nguyên từ 0 đến 20, không phải {value!r}")
                )
                value = 0
            counts.append(value)
        for apath, attachment in self.items_of(comp, path, "attachments", required=False):
            self.drop(
                apath,
                tidy(attachment.get("fileName")),
                "tệp mẫu đính kèm trên Cổng: thêm vào 'forms' nếu cần",
            )
        return text, counts[0], counts[1], comp.get("required") is True

    def _attach(self, doc: dict[str, Any], text: str) -> None:
        joined = f"{doc['note']}\n{text}" if doc["note"] else text
        if len(joined) <= TEXT_MAX:
            doc["note"] = joined
        else:
            self.note(text)

    def _group(self, gpath: JsonPath, group: dict[str, Any]) -> tuple[str, str, list[dict], list[str]]:
        """One executionCases group: (kind, heading, documents, notes before the first document)."""
        heading = _heading(group.get("name"))
        kind = _group_kind(heading)
        parts = [
            (p, *self._component(p, c))
            for p, c in self.items_of(group, gpath, "profileComponents", required=False)
        ]
        if kind == "case" and not any(o or c for _, _, o, c, _ in parts):
            kind = "notes"  # a heading over notes only is not a case a citizen chooses
            self.note(heading)
        elif kind != "case" and heading:
            reason = (
                "tiêu đề nhóm lưu ý; các lưu ý nằm trong 'notes'"
                if kind == "notes"
                else "tiêu đề nhóm giấy tờ (thể hiện bằng 'action' của từng giấy tờ)"
            )
            self.drop((*gpath, "name"), tidy(group.get("name")), reason)
        docs: list[dict[str, Any]] = []
        lead: list[str] = []
        for path, text, originals, copies, required in parts:
            if not text:
                if originals or copies:
                    self.problems.append(((*path, "name"), "giấy tờ có số lượng nhưng không có tên"))
                continue
            if originals or copies:
                name, *rest = fit(text, TEXT_MAX)
                docs.append(
                    {
                        "name": name,
                        "action": "show" if kind == "show" else "submit",
                        "originals": originals,
                        "copies": copies,
                        "note": None,
                        "optional": not required and _conditional(name),
                    }
                )
                for piece in rest:
                    self._attach(docs[-1], piece)
            elif kind == "notes":
                self.note(text)
            elif docs:
                self._attach(docs[-1], text)
            else:
                lead.append(text)
        return kind, heading, docs, lead

    def _cases(
        self, name: str, channels: list[dict], rows: dict[str, list[tuple[str, str, list]]]
    ) -> list[dict]:
        d, root = self.data, ("data",)
        common: list[dict] = []
        common_lead: list[str] = []
        groups: list[tuple[str, list[dict], list[str]]] = []
        for gpath, group in self.items_of(d, root, "executionCases"):
            kind, heading, docs, lead = self._group(gpath, group)
            if kind == "case":
                groups.append((heading, docs, lead))
            else:
                common.extend(docs)
                common_lead.extend(lead)
        portal_cases: list[tuple[str, str]] = []
        for path, item in self.items_of(d, root, "cases", required=False):
            label = strip_prefix(tidy(item.get("name"))) or name
            day = item.get("processingDay")
            time = ""
            if isinstance(day, dict) and day.get("qty") is not None:
                unit = self.enum(day, (*path, "processingDay"), "type", UNITS)
                time = self._time(day["qty"], unit, (*path, "processingDay", "qty"))
            portal_cases.append((label, time))
        all_times = _unique(t for _, t in portal_cases if t)
        channel_times = _unique(c["time"] for c in channels)
        fees = [c["fee"] for c in channels]
        uniform = fees[0] if fees and fees[0] and all(f == fees[0] for f in fees) else None
        if channels and uniform is None and any(fees):
            self.hints.append(
                "phí khác nhau giữa các cách thức: phí của trường hợp để trống, xem phí từng cách thức"
            )
        cases: list[dict] = []
        if groups:
            for label, _ in portal_cases:
                self.drop(
                    ("data", "cases"),
                    label,
                    "tên trường hợp trên Cổng; trường hợp lấy theo nhóm giấy tờ, thời hạn ghép theo tên này",
                )
            for heading, docs, lead in groups:
                key = fold(heading)
                times = _unique(
                    t for label, t in portal_cases if t and key in fold(_after_common(label, name))
                )
                methods = [row for kind_rows in rows.values() for row in kind_rows if key in fold(row[1])]
                if not times and not methods:
                    self.hints.append(f"trường hợp {_q(heading, 60)}: Cổng không ghi riêng thời hạn, phí")
                time = "; ".join(
                    times
                    or (all_times if len(all_times) == 1 else [])
                    or _unique(t for t, _, _ in methods if t)
                    or all_times
                    or channel_times
                )
                fee = self.fee([f for _, _, fs in methods for f in fs]) if methods else uniform
                cases.append(self._case(heading, time, fee, common + docs, common_lead + lead))
        else:
            labels = _unique(label for label, _ in portal_cases) or [name]
            if len(labels) > CASES_MAX:
                self.hints.append(
                    f"Cổng có {len(labels)} trường hợp chỉ khác thời hạn; gộp thành một trường hợp"
                )
                for label in labels:
                    self.drop(
                        (*root, "cases"),
                        label,
                        f"tên trường hợp (quá {CASES_MAX} trường hợp; đã gộp thành một)",
                    )
                labels = [name]
            for label in labels:
                times = _unique(t for lab, t in portal_cases if t and (lab == label or len(labels) == 1))
                if len(times) > 1:
                    self.hints.append(
                        f"trường hợp {_q(label, 60)} có nhiều thời hạn trên Cổng ({'; '.join(times)})"
                    )
                cases.append(
                    self._case(
                        label, "; ".join(times) or "; ".join(channel_times), uniform, common, common_lead
                    )
                )
        if not any(c["documents"] for c in cases) and not self.problems:
            self.problems.append(
                ((*root, "executionCases"), "bản ghi không có giấy tờ nào có số lượng (thành phần hồ sơ)")
            )
        seen: set[str] = set()
        for case in cases:
            base = case["id"]
            n = 1
            while case["id"] in seen:
                n += 1
                case["id"] = f"{base}-{n}"
            seen.add(case["id"])
        if len(cases) > CASES_MAX:
            self.problems.append(
                ((*root, "executionCases"), f"quá nhiều trường hợp ({len(cases)}; tối đa {CASES_MAX})")
            )
        return cases

    def _case(
        self, label: str, time: str, fee: dict | None, docs: list[dict], lead: list[str]
    ) -> dict[str, Any]:
        name, *rest = fit(label, TEXT_MAX)
        note_parts = [*rest, *lead]
        note = None
        for part in note_parts:
            joined = f"{note}\n{part}" if note else part
            if len(joined) <= TEXT_MAX:
                note = joined
            else:
                self.note(part)
        time_text, *extra = fit(time or NO_TIME, TEXT_MAX)
        for piece in extra:
            self.note(piece)
        if len(docs) > DOCUMENTS_MAX:
            self.problems.append(
                (
                    ("data", "executionCases"),
                    f"trường hợp {_q(name, 60)} có {len(docs)} giấy tờ; tối đa {DOCUMENTS_MAX}",
                )
            )
        return {
            "id": slug(name),
            "name": name,
            "documents": copy.deepcopy(docs),
            "time": time_text,
            "fee": dict(fee) if fee else {"amount": None, "text": None},
            "note": note,
        }


def _group_kind(heading: str) -> str:
    key = fold(heading)
    if not key:
        return "plain"
    if key.startswith(("luu y", "ghi chu")):
        return "notes"
    if "xuat trinh" in key:
        return "show"
    if "phai nop" in key or key in {
        "giay to nop",
        "ho so nop",
        "thanh phan ho so",
        "ho so gom",
        "ho so bao gom",
    }:
        return "submit"
    return "case"


_CONDITIONAL = ("truong hop", "doi voi", "neu ")


def _conditional(name: str) -> bool:
    """A document the portal words as a condition ("Trường hợp …", "Đối với …", "Nếu …")."""
    return fold(name[:20]).startswith(_CONDITIONAL)


def _after_common(label: str, name: str) -> str:
    """``label`` without the start it shares with the procedure ``name`` (case names repeat it)."""
    a, b = fold(label), fold(name)
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return label[n:]


def _unique(values: Iterable[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        if value not in out:
            out.append(value)
    return out


def _combine_fees(rows: list[tuple[int | None, str]]) -> dict[str, Any] | None:
    """One fee from a channel's fee rows: the amount when they agree, each row's amount in the text if not."""
    rows = list(dict.fromkeys(rows))
    if not rows:
        return None
    amounts = {amount for amount, _ in rows}
    if len(amounts) == 1:
        texts = _unique(text for _, text in rows if text)
        return {"amount": rows[0][0], "text": "\n".join(texts) or None}
    parts = [
        f"{money(a)}: {t}" if a is not None and t else (money(a) if a is not None else t) for a, t in rows
    ]
    return {"amount": None, "text": "\n".join(p for p in parts if p) or None}


def _pack(items: list[str], count: int) -> list[str]:
    """``items`` joined into at most ``count`` items of at most TEXT_MAX characters, in order."""
    size = max(len(items) // count + 1, 2)
    packed: list[str] = []
    for i in range(0, len(items), size):
        chunk = ""
        for item in items[i : i + size]:
            if chunk and len(chunk) + 1 + len(item) > TEXT_MAX:
                packed.append(chunk)
                chunk = item
            else:
                chunk = f"{chunk}\n{item}" if chunk else item
        packed.append(chunk)
    return packed


def map_record(data: dict[str, Any], *, sha256: str = "", today: dt.date | None = None) -> Draft:
    """The portal's part of the procedure ``data`` describes; raise :class:`RecordError` if it cannot be one."""
    return _Mapper(data, sha256, today or dt.date.today()).run()


# --- three-way merge: last import (base), the YAML as staff left it (ours), the new record (theirs) -----


@dataclass
class Merge:
    """What a merge kept from staff where the portal also changed the text (for review)."""

    conflicts: list[str] = field(default_factory=list)


def _align(a: list[Any], b: list[Any], key: Callable[[Any], Any]) -> dict[int, int]:
    """Index pairs of ``a`` and ``b`` that are the same item: equal keys, or one-for-one replacements."""
    ka, kb = [key(x) for x in a], [key(x) for x in b]
    pairs: dict[int, int] = {}
    matcher = difflib.SequenceMatcher(None, ka, kb, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
            pairs.update(zip(range(i1, i2), range(j1, j2), strict=True))
    return pairs


def _label(path: tuple[str, ...]) -> str:
    return " › ".join(path)


_LIST_KEYS: dict[str, Callable[[Any], Any]] = {
    "channels": lambda c: c.get("kind"),
    "cases": lambda c: c.get("id"),
    "documents": lambda d: fold(d.get("name") or ""),
}
_ITEM_LABELS = {
    "channels": lambda c: f"cách thức {CHANNEL_NAMES.get(c.get('kind'), c.get('kind'))}",
    "cases": lambda c: f"trường hợp {_q((c.get('name') or ''), 50)}",
    "documents": lambda d: f"giấy tờ {_q((d.get('name') or ''), 50)}",
}
_KEY_LABELS = {
    "name": "tên",
    "who": "đối tượng",
    "agency": "cơ quan",
    "result": "kết quả",
    "steps": "trình tự",
    "channels": "cách thức",
    "cases": "trường hợp",
    "documents": "giấy tờ",
    "requirements": "yêu cầu, điều kiện",
    "notes": "lưu ý",
    "legal_basis": "căn cứ pháp lý",
    "time": "thời hạn",
    "fee": "phí",
    "note": "ghi chú",
    "amount": "số tiền",
    "text": "mô tả",
    "level": "cấp",
    "status": "hiệu lực",
    "competent": "thẩm quyền",
}


def merge(
    base: Any, ours: Any, theirs: Any, merge_state: Merge, path: tuple[str, ...] = (), key: str = ""
) -> Any:
    """Three-way merge of the portal's part: staff edits win over an unchanged portal, portal changes
    win over unchanged staff text; both changed keeps staff's text and records a conflict."""
    if isinstance(theirs, dict) and isinstance(ours, dict):
        base = base if isinstance(base, dict) else {}
        out = dict(ours)
        for k, value in theirs.items():
            label = _KEY_LABELS.get(k) or str(k)
            out[k] = merge(base.get(k, ours.get(k)), ours.get(k), value, merge_state, (*path, label), k)
        return out
    if isinstance(theirs, list) and isinstance(ours, list):
        return _merge_list(base if isinstance(base, list) else ours, ours, theirs, merge_state, path, key)
    if ours in (base, theirs):
        return theirs
    if theirs == base:
        return ours
    merge_state.conflicts.append(_label(path))
    return ours


def _merge_list(base: list, ours: list, theirs: list, state: Merge, path: tuple[str, ...], key: str) -> list:
    item_key = _LIST_KEYS.get(key, lambda x: x if isinstance(x, str) else json.dumps(x, sort_keys=True))
    label = _ITEM_LABELS.get(key, lambda x: f"mục {_q(str(x), 50)}")
    base_ours = _align(base, ours, item_key)
    base_theirs = _align(base, theirs, item_key)
    theirs_base = {t: b for b, t in base_theirs.items()}
    ours_base = {o: b for b, o in base_ours.items()}
    # Staff's own items (no counterpart in the last import) stay after the item they followed.
    own: dict[int | None, list[int]] = {}
    anchor: int | None = None
    for o in range(len(ours)):
        if o in ours_base:
            anchor = ours_base[o]
        else:
            own.setdefault(anchor, []).append(o)
    used: set[int] = set()

    def staff_items(b: int | None) -> list:
        return [ours[o] for o in own.get(b, []) if o not in used]

    out = staff_items(None)
    for t, item in enumerate(theirs):
        b = theirs_base.get(t)
        if b is None:  # new from the portal; staff may have written the same item already
            same = next(
                (
                    o
                    for o, x in enumerate(ours)
                    if o not in ours_base and o not in used and item_key(x) == item_key(item)
                ),
                None,
            )
            if same is None:
                out.append(item)
            else:
                used.add(same)
                out = [x for x in out if x is not ours[same]]
                out.append(merge(ours[same], ours[same], item, state, (*path, label(item))))
            continue
        mine = base_ours.get(b)
        if mine is None:
            if item != base[b]:
                state.conflicts.append(_label((*path, f"{label(item)} (cán bộ đã xóa, Cổng lại sửa)")))
        else:
            out.append(merge(base[b], ours[mine], item, state, (*path, label(item))))
        out.extend(staff_items(b))
    for b, o in base_ours.items():
        if b not in base_theirs:
            if ours[o] != base[b]:
                state.conflicts.append(_label((*path, f"{label(ours[o])} (Cổng đã bỏ mục cán bộ đã sửa)")))
            out.extend(staff_items(b))  # staff's own items after a removed one are never lost
    return out


# --- what the portal changed -------------------------------------------------------------------------


def _fee_words(fee: dict | None) -> str:
    if not fee or (fee.get("amount") is None and not fee.get("text")):
        return "không ghi"
    if fee.get("amount") is not None:
        return money(fee["amount"])
    text = fee["text"]
    return _q(text, 60)


def _fee_key(fee: dict | None) -> tuple | None:
    return (fee.get("amount"), fee.get("text")) if fee else None


def _doc_words(doc: dict) -> str:
    counts = [
        f"{doc['originals']} bản chính" if doc["originals"] else "",
        f"{doc['copies']} bản sao" if doc["copies"] else "",
    ]
    what = ", ".join(c for c in counts if c) or "không số bản"
    return f"{'xuất trình' if doc['action'] == 'show' else 'nộp'} {what}"


def portal_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What changed between two portal parts, in staff's words: documents, fees and times first."""
    grouped: dict[tuple[str, str], list[str]] = {}

    def note(kind: str, what: str, where: str = "") -> None:
        places = grouped.setdefault((kind, what), [])
        if where and where not in places:
            places.append(where)

    old_cases = {c["id"]: c for c in old.get("cases", [])}
    many = len(new.get("cases", [])) > 1 or len(old_cases) > 1
    for case in new.get("cases", []):
        where = f"trường hợp {_q(case['name'], 50)}" if many else ""
        before = old_cases.pop(case["id"], None)
        if before is None:
            note("thêm trường hợp", f"{_q(case['name'], 80)}")
            continue
        pairs = _align(before["documents"], case["documents"], _LIST_KEYS["documents"])
        matched = set(pairs.values())
        for i, doc in enumerate(before["documents"]):
            if i not in pairs:
                note("bỏ giấy tờ", f"{_q(doc['name'], 80)}", where)
        for i, j in pairs.items():
            a, b = before["documents"][i], case["documents"][j]
            if a["name"] != b["name"]:
                note("đổi tên giấy tờ", f"{_q(a['name'], 60)} → {_q(b['name'], 60)}", where)
            if _doc_words(a) != _doc_words(b):
                note("đổi số bản", f"{_q(b['name'], 60)}: {_doc_words(a)} → {_doc_words(b)}", where)
            if (a.get("note"), a.get("optional")) != (b.get("note"), b.get("optional")):
                note("đổi ghi chú giấy tờ", f"{_q(b['name'], 60)}", where)
        for j, doc in enumerate(case["documents"]):
            if j not in matched:
                note("thêm giấy tờ", f"{_q(doc['name'], 80)}", where)
        if _fee_key(before["fee"]) != _fee_key(case["fee"]):
            note("đổi phí", f"{_fee_words(before['fee'])} → {_fee_words(case['fee'])}", where or "thủ tục")
        if before["time"] != case["time"]:
            note("đổi thời hạn", f"{_cut(before['time'], 60)} → {_cut(case['time'], 60)}", where or "thủ tục")
        if before["name"] != case["name"] or before.get("note") != case.get("note"):
            note("đổi", "tên hoặc ghi chú trường hợp", where)
    for case in old_cases.values():
        note("bỏ trường hợp", f"{_q(case['name'], 80)}")
    old_channels = {c["kind"]: c for c in old.get("channels", [])}
    for channel in new.get("channels", []):
        where = f"cách thức {CHANNEL_NAMES[channel['kind']]}"
        before = old_channels.pop(channel["kind"], None)
        if before is None:
            note("thêm cách thức", CHANNEL_NAMES[channel["kind"]])
            continue
        if _fee_key(before.get("fee")) != _fee_key(channel.get("fee")):
            note("đổi phí", f"{_fee_words(before.get('fee'))} → {_fee_words(channel.get('fee'))}", where)
        if before["time"] != channel["time"]:
            note("đổi thời hạn", f"{_cut(before['time'], 60)} → {_cut(channel['time'], 60)}", where)
        if before.get("note") != channel.get("note"):
            note("đổi", "mô tả", where)
    for kind in old_channels:
        note("bỏ cách thức", CHANNEL_NAMES[kind])
    for key in (
        "name",
        "level",
        "who",
        "agency",
        "result",
        "steps",
        "requirements",
        "notes",
        "legal_basis",
    ):
        if old.get(key) != new.get(key):
            note("đổi", _KEY_LABELS.get(key, key))
    lines = []
    for (kind, what), places in grouped.items():
        if kind == "đổi" and not places:
            continue
        lines.append(f"{kind} {what}" + (f" ({'; '.join(places)})" if places else ""))
    changed_parts = [what for (kind, what), places in grouped.items() if kind == "đổi" and not places]
    if changed_parts:
        lines.append("đổi " + ", ".join(changed_parts))
    return lines


# --- writing YAML: the canonical writer of phieu fmt --------------------------------------------------

#: Under the schema line of a new draft.
DRAFT_COMMENT = "# Nhập từ Cổng Dịch vụ công quốc gia (phieu import). Tên tệp là mã thủ tục; đừng đổi mã sau khi đã in phiếu."


def procedure_yaml(procedure: Procedure, target: Path, current: str | None = None) -> str:
    """The canonical file for ``procedure`` at ``target``, keeping the comments of the ``current`` text
    (a new draft gets :data:`DRAFT_COMMENT`)."""
    if current is None:
        comments = fmt.Comments(comments=(fmt.Comment(fmt.HEADER, False, DRAFT_COMMENT),))
    else:
        comments = fmt.read_comments(current)
    return fmt.render(procedure, fmt.schema_ref(target, "procedure"), comments)


# --- import ------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What happened to one input file."""

    input: Path
    action: str
    """written, updated, unchanged or skipped."""
    code: str = ""
    name: str = ""
    target: Path | None = None
    problems: list[Problem] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)
    slip_pages: int | None = None


@dataclass
class ImportReport:
    outcomes: list[Outcome]
    problems: list[Problem] = field(default_factory=list)
    """Problems of the procedures folder after the import (the catalog check)."""

    @property
    def failed(self) -> bool:
        return bool(self.problems) or any(o.action == "skipped" for o in self.outcomes)


def portal_inputs(paths: Iterable[Path]) -> Iterator[Path]:
    """The JSON files named, and those in the folders named."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*.json") if p.is_file())
        else:
            yield path


class _Fields:
    """fields.yml of the target folder: names matched to ids, new fields appended as text."""

    def __init__(self, root: Path):
        self.path = root / catalog.FIELDS_FILE
        try:
            text = self.path.read_text(encoding="utf-8")
            data = yaml.safe_load(text) or {}
        except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
            raise DataError(
                [Problem(display_path(self.path), 1, 1, f"không đọc được danh sách lĩnh vực: {exc}")]
            ) from None
        self.text = text
        fields = data.get("fields") if isinstance(data, dict) else None
        self.fields = [f for f in fields or [] if isinstance(f, dict)]

    def find(self, name: str) -> tuple[str, bool]:
        """The id of the field called ``name`` (matched without diacritics), or a new one; and whether new."""
        key = fold(name)
        for info in self.fields:
            if fold(str(info.get("name", ""))) == key:
                return str(info["id"]), False
        ids = {str(f.get("id")) for f in self.fields}
        base = slug(name, 60)
        new, n = base, 1
        while new in ids:
            n += 1
            new = f"{base}-{n}"
        return new, True

    def add(self, field_id: str, name: str) -> None:
        """Append a field to fields.yml, as text: the file's comments stay."""
        order = max((f["order"] for f in self.fields if isinstance(f.get("order"), int)), default=0) + 1
        entry = {"id": field_id, "name": name, "order": order}
        self.fields.append(entry)
        text = self.text if self.text.endswith("\n") else self.text + "\n"
        self.text = text + "".join(
            f"{'  - ' if i == 0 else '    '}{key}: {fmt.scalar(value)}\n"
            for i, (key, value) in enumerate(entry.items())
        )
        fmt.write_atomic(self.path, self.text)


def _sidecar(root: Path, code: str) -> Path:
    return root / SIDECAR_DIR / f"{code}.json"


def _read_sidecar(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data.get("portal") if isinstance(data, dict) and data.get("format") == SIDECAR_FORMAT else None


def _without_source(part: dict) -> dict:
    return {k: v for k, v in part.items() if k != "source"}


def _fees(full: dict) -> Iterator[tuple[str, dict]]:
    for case in full.get("cases", []):
        yield case["id"], case["fee"]
    for channel in full.get("channels", []):
        if channel.get("fee"):
            yield channel["kind"], channel["fee"]


def _unverify_changed_fees(ours: dict, merged: dict) -> list[str]:
    """A verified fee whose amount or text the portal changed is no longer verified."""
    before = {where: _fee_key(fee) for where, fee in _fees(ours)}
    hints = []
    for where, fee in _fees(merged):
        if fee.get("verified") and before.get(where) != _fee_key(fee):
            fee["verified"] = False
            hints.append(f"phí ({where}) đã đổi trên Cổng: bỏ đánh dấu đã xác minh, cần đối chiếu lại")
    return hints


def _json_default(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _normal(part: dict) -> dict:
    """The portal part as JSON data (dates as text), the form the sidecar keeps and merges compare."""
    return json.loads(json.dumps(part, default=_json_default, ensure_ascii=False))


def _invalid(file: PortalFile, exc: ValidationError) -> list[Problem]:
    problems = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(p) for p in error["loc"])
        problems.append(file.problem(("data",), f"bản nháp không hợp lệ ở '{where}': {error['msg']}"))
    return problems


def import_one(
    file: PortalFile, root: Path, fields: _Fields, existing: dict[str, Path], today: dt.date
) -> Outcome:
    """Map, merge and write one record; every failure becomes the outcome's problems, with nothing written."""
    outcome = Outcome(file.path, "skipped")
    try:
        draft = map_record(file.record["data"], sha256=file.sha256, today=today)
    except RecordError as exc:
        outcome.problems = [file.problem(path, message) for path, message in exc.problems]
        return outcome
    outcome.code, outcome.name = draft.code, draft.portal["name"]
    outcome.dropped, outcome.hints = draft.dropped, _unique(draft.hints)
    theirs = _normal(draft.portal)
    target = existing.get(draft.code)
    new_field = None
    current_text = None
    if target is None:
        field_id, new_field = fields.find(draft.field_name)
        target = root / field_id / f"{draft.code}.yml"
        full = {**theirs, "field": field_id, "updated": today.isoformat()}
        outcome.action = "written"
    else:
        try:
            current = catalog.read_procedure(target)
        except DataError as exc:
            outcome.problems = [
                Problem(p.path, p.line, p.col, f"tệp hiện có có lỗi, sửa trước khi nhập lại: {p.message}")
                for p in exc.problems
            ]
            return outcome
        current_text = target.read_text(encoding="utf-8")
        ours = current.model_dump(mode="json")
        ours_portal = {k: ours.get(k) for k in theirs}
        base = _read_sidecar(_sidecar(root, draft.code))
        if base is None and current.source is not None:
            outcome.hints.append(
                f"thiếu bản lưu lần nhập trước ({SIDECAR_DIR}/{draft.code}.json): phần của Cổng thay nội dung hiện có"
            )
        reference = (
            base or ours_portal
        )  # a record never imported: the portal's text replaces the hand-written
        state = Merge()
        merged = merge(reference, ours_portal, theirs, state)
        portal_changed = _without_source(reference) != _without_source(theirs)
        content_changed = _without_source(merged) != _without_source(ours_portal)
        outcome.target = target
        if not portal_changed and not content_changed:
            outcome.action = "unchanged"
            if base is None:
                fmt.write_atomic(_sidecar(root, draft.code), _sidecar_text(theirs))
            return outcome
        outcome.changes = portal_changes(reference, theirs)
        outcome.conflicts = _unique(state.conflicts)
        full = {**ours, **merged, "updated": today.isoformat() if content_changed else ours["updated"]}
        outcome.hints.extend(_unverify_changed_fees(ours, full))
        outcome.action = "updated"
    try:
        procedure = Procedure.model_validate(full)
    except ValidationError as exc:
        outcome.action = "skipped"
        outcome.problems = _invalid(file, exc)
        return outcome
    if new_field:
        fields.add(procedure.field, draft.field_name)
    fmt.write_atomic(target, procedure_yaml(procedure, target, current_text))
    fmt.write_atomic(_sidecar(root, draft.code), _sidecar_text(theirs))
    existing[draft.code] = target
    outcome.target = target
    return outcome


def _sidecar_text(portal: dict) -> str:
    note = "Phần của Cổng Dịch vụ công quốc gia trong lần nhập gần nhất (phieu import dùng để trộn); đừng sửa tay."
    return (
        json.dumps({"format": SIDECAR_FORMAT, "note": note, "portal": portal}, ensure_ascii=False, indent=1)
        + "\n"
    )


def import_portal(inputs: Iterable[Path], root: Path, *, today: dt.date | None = None) -> ImportReport:
    """Import every portal record in ``inputs`` into the procedures folder ``root``, then check the folder."""
    today = today or dt.date.today()
    fields = _Fields(root)
    existing = {p.stem: p for p in catalog.procedure_files(root)}
    outcomes: list[Outcome] = []
    seen: dict[str, Path] = {}
    for path in portal_inputs(inputs):
        if not path.exists():
            outcomes.append(
                Outcome(path, "skipped", problems=[Problem(display_path(path), 1, 1, "không tìm thấy tệp")])
            )
            continue
        try:
            file = read_portal_file(path)
        except DataError as exc:
            outcomes.append(Outcome(path, "skipped", problems=exc.problems))
            continue
        code = str(file.record["data"].get("code", "")).strip()
        if code in seen:
            message = f"mã {code} đã nhập từ {display_path(seen[code])} trong lần chạy này"
            outcomes.append(
                Outcome(path, "skipped", code=code, problems=[file.problem(("data", "code"), message)])
            )
            continue
        seen[code] = path
        outcomes.append(import_one(file, root, fields, existing, today))
    report = ImportReport(outcomes)
    if any(o.action in {"written", "updated"} for o in outcomes):
        try:
            load_project(root)  # a single office's folder or a province's, every layer checked
        except DataError as exc:
            report.problems = exc.problems
    return report


def count_slip_pages(report: ImportReport, root: Path, theme_dir: Path, size: str = "A5") -> None:
    """Render the slip of each record written or updated and note its page count (one A5 page is the aim)."""
    codes = [o.code for o in report.outcomes if o.action in {"written", "updated"}]
    if not codes or report.problems:
        return
    from ..render.slip import SlipRenderer

    renderers: dict[str | None, SlipRenderer] = {}
    catalogs = load_project(root).catalogs()
    for outcome in report.outcomes:
        if outcome.action not in {"written", "updated"}:
            continue
        # A province's record is printed by each office that offers it: counted at the first of them.
        found = next(
            ((key, c) for key, c in catalogs if any(p.code == outcome.code for p in c.procedures)), None
        )
        if found is None:
            continue
        key, current = found
        if key not in renderers:
            renderers[key] = SlipRenderer(current, theme_dir, site_url=current.office.site_url)
        outcome.slip_pages = renderers[key].slip(current.procedure(outcome.code), size).pages


_ACTIONS = {"written": "đã tạo", "updated": "đã cập nhật", "unchanged": "không đổi"}


def report_lines(report: ImportReport, *, verbose: bool = False) -> list[str]:
    """One line per input file (``path:line:col: bỏ qua: …`` when skipped), details indented under it."""
    lines: list[str] = []
    for o in report.outcomes:
        if o.action == "skipped":
            lines.extend(f"{p.path}:{p.line}:{p.col}: bỏ qua: {p.message}" for p in o.problems)
            continue
        assert o.target is not None
        lines.append(
            f"{display_path(o.target)}: {_ACTIONS[o.action]} từ {display_path(o.input)} ({o.code} {_cut(o.name, 70)})"
        )
        if o.action == "unchanged":
            continue
        lines.extend(f"  Cổng: {change}" for change in o.changes)
        lines.extend(f"  Cổng đã đổi văn bản mà cán bộ đã sửa, cần xem lại: {where}" for where in o.conflicts)
        lines.extend(f"  cần xem lại: {hint}" for hint in o.hints)
        if o.slip_pages and o.slip_pages > 1:
            lines.append(
                f"  phiếu dài {o.slip_pages} trang A5: viết tên ngắn (short) cho các giấy tờ có tên dài"
            )
        if verbose:
            lines.extend(f"  không chép: {d}" for d in o.dropped)
        elif o.dropped:
            lines.append(f"  không chép {len(o.dropped)} văn bản của Cổng (xem lý do với -v)")
    lines.extend(str(p) for p in report.problems)
    counts = {a: sum(1 for o in report.outcomes if o.action == a) for a in (*_ACTIONS, "skipped")}
    long = sum(1 for o in report.outcomes if o.slip_pages and o.slip_pages > 1)
    summary = (
        f"Nhập {len(report.outcomes)} tệp: {counts['written']} tạo mới, {counts['updated']} cập nhật, "
        f"{counts['unchanged']} không đổi, {counts['skipped']} bỏ qua."
    )
    if long:
        summary += f" {long} phiếu dài hơn một trang A5."
    lines.append(summary)
    return lines


_JSON_REASONS = {
    "Expecting property name enclosed in double quotes": "thiếu tên khóa trong dấu nháy kép",
    "Expecting value": "thiếu giá trị",
    "Expecting ',' delimiter": "thiếu dấu phẩy",
    "Expecting ':' delimiter": "thiếu dấu hai chấm",
    "Unterminated string starting at": "chuỗi chưa đóng dấu nháy",
    "Extra data": "còn dữ liệu thừa sau bản ghi",
    "Invalid control character at": "có ký tự điều khiển trong chuỗi",
}


def _json_reason(message: str) -> str:
    """Python's JSON parser explains in English; staff read Vietnamese."""
    return next((vi for en, vi in _JSON_REASONS.items() if message.startswith(en)), "sai cú pháp JSON")
