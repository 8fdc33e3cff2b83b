"""The ``phieu`` command: validate data, write schemas, build the site."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import DataError, PhieuError
from .load import load_catalog


def _validate(args: argparse.Namespace) -> int:
    try:
        catalog = load_catalog(Path(args.path))
    except DataError as exc:
        for problem in exc.problems:
            print(problem.github() if args.format == "github" else str(problem))
        print(f"{len(exc.problems)} lỗi.", file=sys.stderr)
        return 1
    print(f"Hợp lệ: {len(catalog.procedures)} thủ tục, {len(catalog.fields)} lĩnh vực.")
    return 0


def _schema(args: argparse.Namespace) -> int:
    from .schema import write_schemas

    for path in write_schemas(Path(args.out)):
        print(path)
    return 0


def _build(args: argparse.Namespace) -> int:
    from .build import build_site

    return build_site(
        config_file=Path(args.config),
        site_dir=Path(args.site_dir) if args.site_dir else None,
        strict=args.strict,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="phieu", description="Phiếu hướng dẫn thủ tục hành chính có mã QR.")
    commands = parser.add_subparsers(dest="command", required=True)

    validate = commands.add_parser("validate", help="kiểm tra dữ liệu thủ tục")
    validate.add_argument("path", nargs="?", default="procedures", help="thư mục dữ liệu (mặc định: procedures)")
    validate.add_argument("--format", choices=["plain", "github"], default="plain")
    validate.set_defaults(run=_validate)

    schema = commands.add_parser("schema", help="ghi JSON Schema cho trình soạn thảo")
    schema.add_argument("--out", default="schema")
    schema.set_defaults(run=_schema)

    build = commands.add_parser("build", help="dựng trang web, phiếu PDF và gói in")
    build.add_argument("-f", "--config", default="mkdocs.yml")
    build.add_argument("-d", "--site-dir", default=None)
    build.add_argument("--strict", action=argparse.BooleanOptionalAction, default=True)
    build.set_defaults(run=_build)

    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except PhieuError as exc:
        print(f"phieu: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("phieu: đã dừng.", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
