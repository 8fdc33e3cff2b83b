"""``phieu diff`` on temporary git repositories: what changed, and what must be reprinted."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from phieu.cli import main
from phieu.staff.diff import diff, to_markdown

from tests.conftest import copy_project, use_plugin_options

MINI = Path(__file__).parent / "fixtures" / "mini" / "procedures"


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=Cán bộ", "-c", "user.email=can-bo@example.vn", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository whose first commit holds a project with the mini procedures."""
    root = copy_project(tmp_path / "repo", procedures=MINI)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "đầu tiên")
    return root


def edit(path: Path, old: str, new: str) -> None:
    content = path.read_text(encoding="utf-8")
    assert old in content, f"{old!r} not in {path.name}"
    path.write_text(content.replace(old, new, 1), encoding="utf-8")


def run(repo: Path, base: str = "HEAD"):
    return diff(base, repo / "procedures", redirects_file=repo / "redirects.yml")


def slips(report) -> list[str]:
    return [s["path"] for s in report.reprint["slips"]]


def test_no_change_means_nothing_to_reprint(repo: Path) -> None:
    report = run(repo)
    assert report.empty
    assert "Không cần in lại" in to_markdown(report)


def test_fee_change_reprints_one_slip(repo: Path) -> None:
    edit(repo / "procedures" / "1.000001.yml", "amount: 8000", "amount: 10000")
    report = run(repo)
    assert [c["code"] for c in report.changed] == ["1.000001"]
    assert report.changed[0]["parts"] == ["fees"]
    assert report.changed[0]["printed"] is True
    assert slips(report) == ["pdf/phieu-1.000001.pdf"]
    slip = report.reprint["slips"][0]
    assert slip["reason"] == "changed"
    assert slip["old_version"] != slip["new_version"]
    assert report.reprint["posters"] == []  # the poster lists names and codes only
    assert report.reprint["tents"] == []
    assert [p["path"] for p in report.reprint["packs"]] == ["pdf/goi-in-ho-tich-a5.pdf"]
    assert not (report.added or report.status or report.renamed or report.withdrawn)
    markdown = to_markdown(report)
    assert "phí, lệ phí" in markdown
    assert "**Phiếu cần in (1)**" in markdown
    assert "`pdf/phieu-1.000001.pdf`" in markdown


def test_unprinted_change_needs_no_reprint(repo: Path) -> None:
    edit(repo / "procedures" / "1.000001.yml", "legal_basis: [Luật mẫu]", "legal_basis: [Luật mẫu sửa]")
    report = run(repo)
    assert report.changed == [
        {
            "code": "1.000001",
            "name": "Thủ tục một trường hợp",
            "field": "ho-tich",
            "status": "in_force",
            "parts": ["legal_basis"],
            "printed": False,
        }
    ]
    assert not any(report.reprint.values())
    assert set(report.reprint) == {"slips", "posters", "tents", "packs", "imposed", "withdraw"}
    markdown = to_markdown(report)
    assert "căn cứ pháp lý" in markdown
    assert "Không có phiếu nào cần in lại" in markdown


def test_added_procedure(repo: Path) -> None:
    source = (repo / "procedures" / "1.000001.yml").read_text(encoding="utf-8")
    new = source.replace('code: "1.000001"', 'code: "1.000006"').replace(
        "name: Thủ tục một trường hợp", "name: Thủ tục mới thêm"
    )
    (repo / "procedures" / "1.000006.yml").write_text(new, encoding="utf-8")
    report = run(repo)
    assert [a["code"] for a in report.added] == ["1.000006"]
    assert report.changed == [] and report.renamed == []
    assert slips(report) == ["pdf/phieu-1.000006.pdf"]
    assert report.reprint["slips"][0]["reason"] == "added"
    assert [p["path"] for p in report.reprint["posters"]] == ["pdf/ap-phich-ho-tich.pdf"]
    assert "### Thêm mới (1)" in to_markdown(report)


def test_abolished_procedure(repo: Path) -> None:
    edit(repo / "procedures" / "1.000002.yml", "field: ho-tich\n", "field: ho-tich\nstatus: abolished\n")
    report = run(repo)
    assert [(s["code"], s["previous_status"], s["status"]) for s in report.status] == [
        ("1.000002", "in_force", "abolished")
    ]
    assert report.changed == []
    assert report.reprint["slips"][0]["path"] == "pdf/phieu-1.000002.pdf"
    assert report.reprint["slips"][0]["reason"] == "status"
    assert [p["path"] for p in report.reprint["posters"]] == ["pdf/ap-phich-ho-tich.pdf"]
    assert "còn hiệu lực → bãi bỏ" in to_markdown(report)


def _rename(repo: Path, old: str, new: str) -> None:
    git(repo, "mv", f"procedures/{old}.yml", f"procedures/{new}.yml")
    edit(repo / "procedures" / f"{new}.yml", f'code: "{old}"', f'code: "{new}"')


def test_rename_detected_and_declared(repo: Path) -> None:
    _rename(repo, "1.000002", "1.000012")
    report = run(repo)
    assert report.added == [] and report.withdrawn == []
    assert report.renamed == [
        {
            "from": "1.000002",
            "to": "1.000012",
            "name": "Thủ tục nhiều trường hợp",
            "declared": False,
            "parts": [],
        }
    ]
    assert any("redirects.yml" in w and '"1.000002": "1.000012"' in w for w in report.warnings)
    assert report.reprint["slips"][0]["reason"] == "renamed"
    assert slips(report) == ["pdf/phieu-1.000012.pdf"]
    assert report.reprint["withdraw"][0]["path"] == "pdf/phieu-1.000002.pdf"

    (repo / "redirects.yml").write_text('procedures:\n  "1.000002": "1.000012"\n', encoding="utf-8")
    report = run(repo)
    assert report.renamed[0]["declared"] is True
    assert report.warnings == []
    assert "1.000002 → 1.000012" in to_markdown(report)


def test_rename_with_a_new_name_needs_a_redirect(repo: Path) -> None:
    _rename(repo, "1.000002", "1.000012")
    edit(repo / "procedures" / "1.000012.yml", "name: Thủ tục nhiều trường hợp", "name: Tên khác")
    report = run(repo)
    assert [a["code"] for a in report.added] == ["1.000012"]
    assert [w["code"] for w in report.withdrawn] == ["1.000002"]
    assert any("tệp thủ tục đã bị xóa" in w for w in report.warnings)
    (repo / "redirects.yml").write_text("procedures:\n  1.000002: 1.000012\n", encoding="utf-8")
    report = run(repo)
    assert report.added == [] and report.withdrawn == []
    assert report.renamed[0]["declared"] is True
    assert report.renamed[0]["parts"] == []  # the name is shown, not listed as a part


def test_withdrawn_procedure(repo: Path) -> None:
    (repo / "procedures" / "1.000005.yml").unlink()
    report = run(repo)
    assert [w["code"] for w in report.withdrawn] == ["1.000005"]
    assert report.reprint["withdraw"] == [
        {
            "path": "pdf/phieu-1.000005.pdf",
            "code": "1.000005",
            "name": "Thủ tục rất dài để kiểm tra phiếu nhiều trang",
        }
    ]
    assert "### Đã xóa tệp (1)" in to_markdown(report)


def test_cli_json_against_an_older_commit(repo: Path, monkeypatch, capsys) -> None:
    edit(repo / "procedures" / "1.000005.yml", "amount: 50000", "amount: 60000")
    git(repo, "commit", "-q", "-am", "đổi phí")
    monkeypatch.chdir(repo)
    assert main(["diff", "HEAD~1", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["base"] == "HEAD~1"
    assert [c["code"] for c in data["changed"]] == ["1.000005"]
    assert [s["path"] for s in data["reprint"]["slips"]] == ["pdf/phieu-1.000005.pdf"]


def test_unknown_ref_is_a_clear_error(repo: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(repo)
    assert main(["diff", "origin/khong-co"]) == 1
    assert "fetch-depth: 0" in capsys.readouterr().err


def test_options_come_from_mkdocs_yml_as_mkdocs_reads_them(
    repo: Path, tmp_path: Path, monkeypatch, capsys
) -> None:
    """Pack sizes and the redirects file are the plugin's options; redirects.yml is found next to
    mkdocs.yml, not in the working folder."""
    use_plugin_options(repo, pack_sizes="[A5, A4]", redirects="doi-ma.yml")
    (repo / "doi-ma.yml").write_text('procedures:\n  "1.000002": "1.000012"\n', encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "tùy chọn")
    _rename(repo, "1.000002", "1.000012")
    elsewhere = tmp_path / "noi-khac"
    elsewhere.mkdir()
    (elsewhere / "redirects.yml").write_text("procedures:\n  1.000002: 1.000099\n", encoding="utf-8")
    monkeypatch.chdir(elsewhere)
    assert main(["diff", "HEAD", "--format", "json", "-f", str(repo / "mkdocs.yml")]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [(r["from"], r["to"], r["declared"]) for r in data["renamed"]] == [("1.000002", "1.000012", True)]
    assert [p["path"] for p in data["reprint"]["packs"]] == [
        "pdf/goi-in-ho-tich-a5.pdf",
        "pdf/goi-in-ho-tich-a4.pdf",
    ]


def test_a_bad_plugin_option_is_reported_by_mkdocs(repo: Path, monkeypatch, capsys) -> None:
    use_plugin_options(repo, pack_sizes="[B5]")
    monkeypatch.chdir(repo)
    assert main(["diff", "HEAD"]) == 1
    err = capsys.readouterr().err
    assert "phieu: mkdocs.yml có lỗi" in err
    assert "Traceback" not in err


def test_without_mkdocs_yml_the_message_says_where_to_run(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["diff", "HEAD"]) == 1
    assert (
        "không tìm thấy mkdocs.yml (chạy lệnh trong thư mục dự án hoặc chỉ rõ bằng -f)"
        in capsys.readouterr().err
    )


def test_errors_in_the_base_name_files_as_in_the_repository(repo: Path, monkeypatch, capsys) -> None:
    """The base is read from a temporary folder, without changing the working folder."""
    edit(repo / "procedures" / "1.000001.yml", "level: commune", "level: xa")
    git(repo, "commit", "-q", "-am", "sai")
    edit(repo / "procedures" / "1.000001.yml", "level: xa", "level: commune")
    monkeypatch.chdir(repo)
    assert main(["diff", "HEAD"]) == 1
    err = capsys.readouterr().err
    assert "dữ liệu thủ tục ở 'HEAD' có lỗi:\nprocedures/1.000001.yml:" in err
    assert Path.cwd() == repo


def test_a_renamed_field_reprints_its_poster_and_table_tent(repo: Path) -> None:
    edit(repo / "procedures" / "fields.yml", "name: Hộ tịch", "name: Hộ tịch và quốc tịch")
    report = run(repo)
    assert [p["path"] for p in report.reprint["posters"]] == ["pdf/ap-phich-ho-tich.pdf"]
    assert [t["path"] for t in report.reprint["tents"]] == ["pdf/de-ban-ho-tich.pdf"]
    assert "**Bảng để bàn cần in lại:** `pdf/de-ban-ho-tich.pdf`" in to_markdown(report)
