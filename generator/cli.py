"""The ``phieu`` command: validate data, write schemas, build the site."""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .argparse_vi import vietnamese
from .errors import DataError, PhieuError, display_path
from .load import load_project

if TYPE_CHECKING:
    from .plugin import ProjectOptions


def _validate(args: argparse.Namespace) -> int:
    from .staff import summary

    try:
        project = load_project(Path(args.path))
    except DataError as exc:
        if args.format == "summary":
            print(summary.problems_summary(exc.problems))
        else:
            for problem in exc.problems:
                print(problem.github() if args.format == "github" else str(problem))
        print(f"{len(exc.problems)} lỗi.", file=sys.stderr)
        return 1
    offices = len(project.offices) if project.is_province else None
    if args.format == "summary":
        print(summary.valid_summary(len(project.procedures), len(project.fields), offices))
    else:
        where = f", {offices} xã, phường" if offices is not None else ""
        print(f"Hợp lệ: {len(project.procedures)} thủ tục, {len(project.fields)} lĩnh vực{where}.")
    return 0


def _schema(args: argparse.Namespace) -> int:
    from .staff.schema import write_schemas

    for path in write_schemas(Path(args.out)):
        print(path)
    return 0


def _build(args: argparse.Namespace) -> int:
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")  # Material's banner about MkDocs 2 is noise for staff
    from .publish.build import build_site

    if args.production:  # refuse sample data before a long build
        from .publish.production import production_problems

        problems = production_problems(load_project(_options(Path(args.config)).procedures), os.environ)
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print(f"phieu: không dựng bản chính thức: {len(problems)} lỗi ở trên.", file=sys.stderr)
            return 1
    site = Path(args.site_dir) if args.site_dir else Path(args.config).parent / "site"
    report = None
    if args.reprint:  # compare first: a bad ref fails before a long build
        from .staff.diff import diff

        options = _options(Path(args.config))
        report = diff(
            args.reprint, options.procedures, redirects_file=options.redirects, pack_sizes=options.pack_sizes
        )
    add_reprint_pack = None
    if report is not None:  # written into the new site, before it replaces the old one
        from .staff.diff import write_reprint_pack

        add_reprint_pack = functools.partial(write_reprint_pack, report, office=args.office)
    if args.office:  # over PHIEU_OFFICE and the plugin's option
        os.environ["PHIEU_OFFICE"] = args.office
    if args.parts:
        os.environ["PHIEU_PARTS"] = str(Path(args.parts).resolve())
    if args.scheduler:  # over PHIEU_SCHEDULER and the plugin's option
        os.environ["PHIEU_SCHEDULER"] = args.scheduler
    code = build_site(
        config_file=Path(args.config),
        site_dir=Path(args.site_dir) if args.site_dir else None,
        strict=args.strict,
        cache=args.cache,
        cache_dir=Path(args.cache_dir).resolve() if args.cache_dir else None,
        before_swap=add_reprint_pack,
    )
    if code == 0 and report is not None:
        from .staff.diff import to_markdown

        print(to_markdown(report))
        if not report.packs:
            print("Không có phiếu nào thay đổi: không tạo gói in.", file=sys.stderr)
    if code == 0 and args.preview_files:
        from .publish.preview import write_file_preview

        pages = write_file_preview(site, Path(args.preview_files))
        print(f"Đã ghi bản xem trước mở từ máy ({pages} trang) vào {args.preview_files}", file=sys.stderr)
    return code


def _options(config: Path) -> ProjectOptions:
    """The phieu plugin's options in mkdocs.yml, read by MkDocs itself."""
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    from .plugin import project_options

    return project_options(config)


def _diff(args: argparse.Namespace) -> int:
    from .staff.diff import diff, to_markdown

    options = _options(Path(args.config))
    report = diff(
        args.base,
        Path(args.procedures) if args.procedures else options.procedures,
        redirects_file=Path(args.redirects) if args.redirects else options.redirects,
        pack_sizes=options.pack_sizes,
    )
    print(report.to_json() if args.format == "json" else to_markdown(report))
    return 0


def _stats(args: argparse.Namespace) -> int:
    from .publish.redirects import load_redirects
    from .staff import stats

    options = _options(Path(args.config))
    project = load_project(options.procedures)
    catalogs = dict(project.catalogs())  # a province: each office apart, in a folder of its own
    reports = stats.count_offices(
        [Path(p) for p in args.logs], catalogs, load_redirects(options.redirects), args.since, args.until
    )
    for office, report in reports.items():
        out = Path(args.out) / (office or "")
        out.mkdir(parents=True, exist_ok=True)
        stats.write_csv(report, catalogs[office], out / stats.CSV_FILE)
        stats.write_html(report, catalogs[office], out / stats.HTML_FILE)
        if office is None:
            print("\n".join(stats.summary(report)))
        else:
            print(f"{catalogs[office].office.name} ({office}):")
            print("\n".join("  " + line for line in stats.summary(report, skipped=False)))
        print(f"Đã ghi {out / stats.CSV_FILE} và {out / stats.HTML_FILE}", file=sys.stderr)
    if project.is_province:  # the logs' and not an office's: told once
        print("\n".join(stats.skipped_lines(next(iter(reports.values())).skipped)))
    return 0


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"ngày '{value}' không hợp lệ: ghi dạng năm-tháng-ngày, ví dụ 2026-03-01"
        ) from None


def _ledger(args: argparse.Namespace) -> int:
    from .staff import ledger

    path, site = Path(args.ledger), Path(args.site_dir)
    if args.action == "update":
        added = ledger.update_ledger(path, site)
        for url in added:
            print(url)
        print(f"Đã thêm {len(added)} địa chỉ vào {path}.", file=sys.stderr)
        return 0
    missing = ledger.missing_urls(ledger.read_ledger(path), site)
    if missing:
        print(ledger.missing_message(missing, path), file=sys.stderr)
        return 1
    print(f"Mọi địa chỉ trong {path} đều mở được.")
    return 0


def _import(args: argparse.Namespace) -> int:
    from .staff import portal

    into = Path(args.into)
    report = portal.import_portal([Path(p) for p in args.inputs], into)
    theme = Path(args.theme)
    if args.slips and (theme / "slip").is_dir():
        portal.count_slip_pages(report, into, theme)
    for line in portal.report_lines(report, verbose=args.verbose):
        print(line)
    return 1 if report.failed else 0


def _new(args: argparse.Namespace) -> int:
    from .staff.new import new_procedure, offices_with_offers

    path = new_procedure(args.code, args.field, Path(args.into))
    print(f"Đã tạo {path}. Thay mọi chỗ ghi 'Cần cập nhật', rồi chạy: phieu validate {args.into}")
    listing = offices_with_offers(Path(args.into))
    if listing:
        print(
            f"Xã, phường chỉ giải quyết các thủ tục ghi trong offers: thêm {args.code} vào offers của "
            f"{', '.join(display_path(p) for p in listing)} nếu xã, phường đó giải quyết thủ tục này."
        )
    return 0


def _fmt(args: argparse.Namespace) -> int:
    from .staff import fmt

    report = fmt.format_paths([Path(p) for p in args.paths], check=args.check)
    for problem in report.problems:
        print(problem)
    for path in report.changed:
        if args.check:
            print(f"{path}: chưa theo định dạng chuẩn; chạy: phieu fmt {path}")
        else:
            print(f"đã định dạng lại: {path}")
    if report.problems:
        print(f"{len(report.problems)} lỗi: tệp có lỗi không được định dạng, hãy sửa trước.", file=sys.stderr)
    if args.check and report.changed:
        print(f"{len(report.changed)} tệp cần định dạng lại: chạy phieu fmt.", file=sys.stderr)
        return 1
    if not args.check:
        print(
            f"Đã định dạng lại {len(report.changed)} tệp; {len(report.unchanged)} tệp đã đúng định dạng.",
            file=sys.stderr,
        )
    return 1 if report.problems else 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="phieu", description="Phiếu hướng dẫn thủ tục hành chính có mã QR.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="LỆNH", title="lệnh")

    validate = commands.add_parser("validate", help="kiểm tra dữ liệu thủ tục")
    validate.add_argument(
        "path", nargs="?", default="procedures", help="thư mục dữ liệu (mặc định: procedures)"
    )
    validate.add_argument(
        "--format",
        choices=["plain", "github", "summary"],
        default="plain",
        help="summary: bảng Markdown mọi lỗi, cho tóm tắt của GitHub Actions",
    )
    validate.set_defaults(run=_validate)

    schema = commands.add_parser("schema", help="ghi JSON Schema cho trình soạn thảo")
    schema.add_argument("--out", default="schema", help="thư mục ghi tệp (mặc định: schema)")
    schema.set_defaults(run=_schema)

    build = commands.add_parser("build", help="dựng trang web, phiếu PDF và gói in")
    build.add_argument(
        "-f", "--config", default="mkdocs.yml", help="tệp cấu hình MkDocs (mặc định: mkdocs.yml)"
    )
    build.add_argument(
        "-d", "--site-dir", default=None, help="thư mục ghi trang (mặc định: site cạnh mkdocs.yml)"
    )
    build.add_argument(
        "--strict",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="--no-strict: cảnh báo không làm hỏng bản dựng (mặc định: cảnh báo là lỗi)",
    )
    build.add_argument(
        "--cache",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="--no-cache: tạo lại mọi PDF, không đọc và không ghi bộ nhớ đệm",
    )
    build.add_argument(
        "--cache-dir",
        metavar="DIR",
        default=None,
        help="thư mục bộ nhớ đệm PDF, ví dụ một thư mục dùng chung trên mạng (mặc định: .cache/phieu)",
    )
    build.add_argument(
        "--scheduler",
        metavar="ĐỊA_CHỈ",
        default=None,
        help="gửi mọi việc tạo PDF tới bộ lập lịch Dask, ví dụ tcp://may-chu:8786 (hoặc biến PHIEU_SCHEDULER)",
    )
    build.add_argument(
        "--office",
        metavar="MÃ",
        default=None,
        help="dữ liệu cả tỉnh: chỉ dựng trang của một xã, phường (tên tệp trong offices/), để chia việc dựng",
    )
    build.add_argument(
        "--parts",
        metavar="DIR",
        default=None,
        help="dữ liệu cả tỉnh: ghép trang của tỉnh với trang từng xã, phường đã dựng sẵn bằng --office (DIR/<mã>/)",
    )
    build.add_argument(
        "--reprint",
        metavar="BASE",
        default=None,
        help="thêm pdf/goi-in-thay-doi.pdf chỉ gồm các phiếu thay đổi so với BASE (git ref)",
    )
    build.add_argument(
        "--production",
        action="store_true",
        help="bản chính thức: từ chối dữ liệu mẫu ([Cần cập nhật …], site_url mẫu hay nội bộ)",
    )
    build.add_argument(
        "--preview-files",
        metavar="DIR",
        default=None,
        help="ghi thêm vào DIR một bản sao mở được từ máy (file://), cho bản xem trước",
    )
    build.set_defaults(run=_build)

    diff = commands.add_parser(
        "diff", help="so sánh thủ tục với một phiên bản git hoặc manifest.json; danh sách in lại"
    )
    diff.add_argument("base", metavar="BASE", help="git ref (ví dụ origin/main) hoặc manifest.json")
    diff.add_argument(
        "--format", choices=["markdown", "json"], default="markdown", help="dạng báo cáo (mặc định: markdown)"
    )
    diff.add_argument("--procedures", default=None, help="thư mục dữ liệu (mặc định: theo mkdocs.yml)")
    diff.add_argument(
        "--redirects", default=None, help="tệp chuyển hướng (mặc định: theo mkdocs.yml, cạnh mkdocs.yml)"
    )
    diff.add_argument(
        "-f", "--config", default="mkdocs.yml", help="tệp cấu hình MkDocs (mặc định: mkdocs.yml)"
    )
    diff.set_defaults(run=_diff)

    stats = commands.add_parser(
        "stats", help="đếm lượt quét mã QR và lượt xem trang từ nhật ký máy chủ web (nginx, Apache)"
    )
    stats.add_argument("logs", nargs="+", metavar="LOGFILE", help="tệp nhật ký dạng combined, có thể nén .gz")
    stats.add_argument("--from", dest="since", type=_date, metavar="NGÀY", help="từ ngày (năm-tháng-ngày)")
    stats.add_argument("--to", dest="until", type=_date, metavar="NGÀY", help="đến hết ngày (năm-tháng-ngày)")
    stats.add_argument("-o", "--out", default="thong-ke", help="thư mục ghi báo cáo (mặc định: thong-ke)")
    stats.add_argument(
        "-f", "--config", default="mkdocs.yml", help="tệp cấu hình MkDocs (mặc định: mkdocs.yml)"
    )
    stats.set_defaults(run=_stats)

    ledger = commands.add_parser("ledger", help="sổ địa chỉ đã công bố (published-urls.txt)")
    ledger.add_argument(
        "action",
        choices=["update", "check"],
        help="update: thêm địa chỉ mới của site/ vào sổ; check: kiểm tra site/ còn đủ địa chỉ",
    )
    ledger.add_argument(
        "--ledger", default="published-urls.txt", help="tệp sổ địa chỉ (mặc định: published-urls.txt)"
    )
    ledger.add_argument("-d", "--site-dir", default="site", help="thư mục trang đã dựng (mặc định: site)")
    ledger.set_defaults(run=_ledger)

    new = commands.add_parser("new", help="tạo tệp cho một thủ tục mới, các chỗ cần điền được đánh dấu")
    new.add_argument("code", metavar="MÃ", help="mã thủ tục, ví dụ 1.001193")
    new.add_argument(
        "--field", required=True, metavar="LĨNH_VỰC", help="mã lĩnh vực trong fields.yml, ví dụ ho-tich"
    )
    new.add_argument("--into", default="procedures", help="thư mục dữ liệu (mặc định: procedures)")
    new.set_defaults(run=_new)

    imp = commands.add_parser(
        "import", help="nhập thủ tục từ tệp JSON của Cổng Dịch vụ công quốc gia thành bản nháp YAML"
    )
    imp.add_argument("inputs", nargs="+", metavar="FILE_OR_DIR", help="tệp JSON hoặc thư mục chứa tệp JSON")
    imp.add_argument("--into", default="procedures", help="thư mục dữ liệu (mặc định: procedures)")
    imp.add_argument("--theme", default="theme", help="thư mục theme, để đếm số trang phiếu")
    imp.add_argument(
        "--slips", action=argparse.BooleanOptionalAction, default=True, help="dựng phiếu để báo phiếu dài"
    )
    imp.add_argument("-v", "--verbose", action="store_true", help="liệt kê cả văn bản của Cổng không chép")
    imp.set_defaults(run=_import)

    fmt = commands.add_parser(
        "fmt", help="viết lại tệp dữ liệu theo một định dạng YAML chuẩn (giữ chú thích)"
    )
    fmt.add_argument(
        "paths",
        nargs="*",
        default=["procedures"],
        metavar="PATH",
        help="tệp hoặc thư mục (mặc định: procedures)",
    )
    fmt.add_argument(
        "--check", action="store_true", help="chỉ kiểm tra, không ghi; lỗi nếu có tệp cần định dạng lại"
    )
    fmt.set_defaults(run=_fmt)
    return parser


def main(argv: list[str] | None = None) -> int:
    with vietnamese():
        args = _parser().parse_args(argv)
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
