"""The ``phieu`` command speaks Vietnamese: help, usage lines and argparse's own errors."""

from __future__ import annotations

import argparse

import pytest
from phieu.cli import _parser, main

#: argparse's English, which staff must not read.
ENGLISH = (
    "usage:",
    "positional arguments",
    "options:",
    "show this help",
    "error:",
    "required",
    "invalid choice",
)
COMMANDS = sorted(_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]


@pytest.mark.parametrize("argv", [["--help"], *([command, "--help"] for command in COMMANDS)])
def test_help_is_vietnamese_and_every_option_is_explained(argv: list[str], capsys) -> None:
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "cách dùng: phieu" in out
    assert not [phrase for phrase in ENGLISH if phrase in out]
    parser = _parser()
    if len(argv) == 2:
        parser = parser._subparsers._group_actions[0].choices[argv[0]]  # type: ignore[union-attr]
    unexplained = [
        a.dest for a in parser._actions if not a.help and not isinstance(a, argparse._SubParsersAction)
    ]
    assert unexplained == []


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], "phieu: lỗi: thiếu tham số bắt buộc: LỆNH"),
        (["diff"], "phieu diff: lỗi: thiếu tham số bắt buộc: BASE"),
        (
            ["validate", "--format", "xml"],
            "phieu validate: lỗi: tham số --format: không có lựa chọn 'xml' (chỉ nhận: 'plain', 'github', 'summary')",
        ),
        (["build", "--khong-co"], "phieu: lỗi: không hiểu tham số: --khong-co"),
    ],
)
def test_argument_errors_are_vietnamese(argv: list[str], expected: str, capsys) -> None:
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert expected in err
    assert "cách dùng: phieu" in err
    assert not [phrase for phrase in ENGLISH if phrase in err]


def test_argparse_is_english_again_outside_the_command(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["validate", "--help"])
    assert "cách dùng" in capsys.readouterr().out
    assert argparse._("usage: ") == "usage: "  # type: ignore[attr-defined]
