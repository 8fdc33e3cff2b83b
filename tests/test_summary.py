"""``phieu validate --format summary``: the pull request's job summary lists every problem, escaped.

GitHub shows only 10 error annotations per step; the summary table is where staff see all of them. The
table is rendered with Python-Markdown's tables and read back cell by cell: each cell must be the problem's
text exactly, whatever a YAML value holds.
"""

from __future__ import annotations

import shutil
from html.parser import HTMLParser
from pathlib import Path

import markdown
import pytest
from phieu.cli import main
from phieu.errors import DataError, Problem
from phieu.load import load_catalog
from phieu.staff import summary

from tests.loader_helpers import REPO

MINI = REPO / "tests" / "fixtures" / "mini" / "procedures"
#: A key that is Markdown, HTML and a table separator at once.
HOSTILE_KEY = "<img src=x onerror=alert(1)>|*a*_b_`c`[l](http://e) $x$ ~~s~~ &amp; \\|"


class _Table(HTMLParser):
    """Rows of cell texts and every element name of rendered HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self.tags: set[str] = set()
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, _attrs: list) -> None:
        self.tags.add(tag)
        if tag == "tr":
            self.rows.append([])
        elif tag in {"td", "th"}:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in {"td", "th"} and self._cell is not None:
            self.rows[-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def rendered(text: str) -> _Table:
    table = _Table()
    table.feed(markdown.markdown(text, extensions=["tables"]))
    return table


@pytest.fixture
def broken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Problem]:
    """The mini data with 12 unknown keys and one hostile key in one file: more than GitHub annotates."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(MINI, tmp_path / "procedures")
    path = tmp_path / "procedures" / "1.000002.yml"
    extra = "".join(f"khoa_la_{i}: 1\n" for i in range(12))
    escaped = HOSTILE_KEY.replace("\\", "\\\\")
    path.write_text(path.read_text(encoding="utf-8") + extra + f'"{escaped}": 1\n', encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_catalog(Path("procedures"))
    assert len(caught.value.problems) >= 13
    return caught.value.problems


def test_summary_has_every_problem_as_a_table_row(
    broken: list[Problem], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", "procedures", "--format", "summary"]) == 1
    out, err = capsys.readouterr()
    assert err == f"{len(broken)} lỗi.\n"
    assert out.startswith(f"### ❌ Dữ liệu thủ tục có {len(broken)} lỗi\n")
    table = rendered(out)
    assert table.rows[0] == ["Tệp", "Dòng", "Cột", "Lỗi"]
    assert table.rows[1:] == [[p.path, str(p.line), str(p.col), p.message] for p in broken]
    assert any(HOSTILE_KEY in row[3] for row in table.rows)
    # The hostile key stayed text: no image, link, emphasis or code element came out of it.
    assert table.tags == {"h3", "table", "thead", "tbody", "tr", "th", "td", "p", "strong"}
    assert summary.WHAT_TO_DO in out


def test_summary_says_what_to_do_in_vietnamese() -> None:
    assert "sửa đúng dòng và cột" in summary.WHAT_TO_DO
    assert "bảng này có đủ mọi lỗi" in summary.WHAT_TO_DO


def test_summary_of_valid_data_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    catalog = load_catalog(MINI)
    assert main(["validate", str(MINI), "--format", "summary"]) == 0
    out, err = capsys.readouterr()
    assert out == (
        f"✅ Dữ liệu thủ tục hợp lệ: {len(catalog.procedures)} thủ tục, {len(catalog.fields)} lĩnh vực.\n"
    )
    assert err == ""


def test_summary_stays_under_githubs_limit() -> None:
    """Over 1 MiB GitHub drops the whole summary; the table stops in time and says how many are left."""
    problems = [Problem(f"procedures/p{i}.yml", i, 1, "lỗi " * 30) for i in range(20_000)]
    text = summary.problems_summary(problems)
    assert len(text.encode()) <= summary.MAX_BYTES
    shown = text.count("\n| procedures/")
    assert 1_000 < shown < len(problems)
    assert f"… và {len(problems) - shown} lỗi nữa" in text
    assert text.rstrip().endswith(summary.WHAT_TO_DO)


@pytest.mark.parametrize("value", ["a|b", "<b>x</b>", "*x*", "`x`", "[x](y)", "a\nb", "&lt;", "$x$", "~~x~~"])
def test_cell_text_is_literal(value: str) -> None:
    table = rendered(f"| h |\n|---|\n| {summary.text(value)} |\n")
    assert table.rows[1] == [value.replace("\n", " ")]
    assert table.tags == {"table", "thead", "tbody", "tr", "th", "td"}
