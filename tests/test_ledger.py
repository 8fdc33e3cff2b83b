"""The URL ledger: a published URL never breaks; renames leave redirect pages."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from phieu.cli import main
from phieu.errors import DataError
from phieu.load import load_catalog
from phieu.publish import redirects as url_redirects
from phieu.staff import ledger
from phieu.staff.diff import diff
from pypdf import PdfReader

from tests.conftest import EPOCH, build, copy_project

MINI = Path(__file__).parent / "fixtures" / "mini" / "procedures"


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=Cán bộ", "-c", "user.email=can-bo@example.vn", *args],
        cwd=repo,
        capture_output=True,
        check=True,
    )


def test_ledger_guards_published_urls(tmp_path: Path, capsys, monkeypatch) -> None:
    project = copy_project(tmp_path / "project", procedures=MINI)
    procedures = project / "procedures"
    ledger_path = project / ledger.LEDGER_FILE

    # First publication: no ledger yet; `ledger update` records every public URL.
    assert build(project) == 0
    manifest = (project / "site" / "manifest.json").read_text(encoding="utf-8")
    added = ledger.update_ledger(ledger_path, project / "site")
    for url in (
        "/",
        "/tra-cuu/",
        "/in-an/",
        "/p/1.000001/",
        "/p/1.000005/",
        "/f/ho-tich/",
        "/pdf/phieu-1.000005.pdf",
        "/pdf/ap-phich-chung-thuc.pdf",
        "/pdf/goi-in-chung-thuc-a5.pdf",
        "/q/1.000005/",
        "/q/f/ho-tich/",
    ):
        assert url in added
    assert added == sorted(added)
    assert ledger_path.read_text(encoding="utf-8").startswith("# ")
    assert ledger.update_ledger(ledger_path, project / "site") == []  # nothing new: unchanged
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "công bố")

    # Deleting a published procedure's file fails the build, names every URL and says what to do.
    source = (procedures / "1.000005.yml").read_text(encoding="utf-8")
    (procedures / "1.000005.yml").unlink()
    capsys.readouterr()
    assert build(project) == 1
    err = capsys.readouterr().err
    assert "/p/1.000005/  (trang thủ tục 1.000005)" in err
    assert "/pdf/phieu-1.000005.pdf" in err
    assert "/q/1.000005/  (mã QR trên phiếu của thủ tục 1.000005)" in err
    assert "status: abolished" in err
    assert "redirects.yml" in err
    assert "khôi phục tệp" in err
    assert (project / "site" / "p" / "1.000005" / "index.html").is_file()  # old site kept

    # Marking it abolished instead keeps its page and slip: the build passes.
    abolished = source.replace("field: chung-thuc\n", "field: chung-thuc\nstatus: abolished\n", 1)
    assert abolished != source
    (procedures / "1.000005.yml").write_text(abolished, encoding="utf-8")
    assert build(project) == 0
    git(project, "commit", "-q", "-am", "bãi bỏ 1.000005")

    # Renaming a code with a declared redirect passes; `build --reprint` packs the changed slips.
    git(project, "mv", "procedures/1.000002.yml", "procedures/1.000012.yml")
    renamed = procedures / "1.000012.yml"
    renamed.write_text(
        renamed.read_text(encoding="utf-8").replace('code: "1.000002"', 'code: "1.000012"'),
        encoding="utf-8",
    )
    fee = procedures / "1.000001.yml"
    fee.write_text(fee.read_text(encoding="utf-8").replace("amount: 8000", "amount: 9000"), "utf-8")
    (project / url_redirects.REDIRECTS_FILE).write_text(
        '# Mã cũ: mã mới\nprocedures:\n  "1.000002": "1.000012"\n', encoding="utf-8"
    )
    monkeypatch.chdir(project)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    capsys.readouterr()
    assert main(["build", "--reprint", "HEAD"]) == 0
    out = capsys.readouterr().out
    site = project / "site"
    redirect = (site / "p" / "1.000002" / "index.html").read_text(encoding="utf-8")
    assert '<meta http-equiv="refresh" content="0; url=../1.000012/">' in redirect
    assert '<link rel="canonical" href="https://phieu.example.vn/p/1.000012/">' in redirect
    assert (site / "pdf" / "phieu-1.000002.pdf").read_bytes() == (
        site / "pdf" / "phieu-1.000012.pdf"
    ).read_bytes()
    assert ledger.missing_urls(ledger.read_ledger(ledger_path), site) == []
    assert "`pdf/goi-in-thay-doi.pdf`" in out
    assert "1.000002 → 1.000012" in out
    pack = PdfReader(site / "pdf" / "goi-in-thay-doi.pdf")
    expected = sum(len(PdfReader(site / "pdf" / f"phieu-{c}.pdf").pages) for c in ("1.000001", "1.000012"))
    assert len(pack.pages) == expected
    # A QR code printed with the old code keeps opening the procedure, now under its new code.
    scan = (site / "q" / "1.000002" / "index.html").read_text(encoding="utf-8")
    assert '<meta http-equiv="refresh" content="0; url=../../p/1.000012/">' in scan
    new = ledger.update_ledger(ledger_path, site)
    # The reprint pack is not permanent; the new code's countable QR page is.
    assert new == ["/p/1.000012/", "/pdf/phieu-1.000012.pdf", "/q/1.000012/"]

    # The published manifest is a base too: the fee change shows, the rename as a withdrawn code.
    (tmp_path / "manifest.json").write_text(manifest, encoding="utf-8")
    report = diff(str(tmp_path / "manifest.json"), procedures)
    assert [c["code"] for c in report.changed] == ["1.000001"]
    assert {s["code"] for s in report.reprint["slips"]} == {"1.000001", "1.000005", "1.000012"}


def test_redirect_file_problems(tmp_path: Path) -> None:
    catalog = load_catalog(MINI)
    path = tmp_path / "redirects.yml"
    path.write_text(
        "procedures:\n  '1.000002': abc\n  '1.000009': '1.000009'\nfields:\n  Ho_Tich: ho-tich\nother: 1\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError) as caught:
        url_redirects.load_redirects(path)
    messages = str(caught.value)
    assert "redirects.yml:2:15: 'abc' không phải mã thủ tục" in messages
    assert "chuyển hướng tới chính nó" in messages
    assert "'Ho_Tich' không phải mã lĩnh vực" in messages
    assert "mục không hợp lệ 'other'" in messages

    path.write_text("procedures:\n  1.000008: 1.000077\n  1.000003: 1.000001\n", encoding="utf-8")
    redirects = url_redirects.load_redirects(path)  # unquoted codes stay text: 1.000008 is not a number
    assert redirects.procedures == {"1.000008": "1.000077", "1.000003": "1.000001"}
    problems = [str(p) for p in url_redirects.check_redirects(redirects, catalog)]
    assert any(":2:3:" in p and "không có thủ tục nào mã '1.000077'" in p for p in problems)
    assert any(":3:3:" in p and "'1.000003' vẫn còn tệp dữ liệu" in p for p in problems)


def test_ledger_is_append_only_and_resolves_pages_and_files(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "p" / "1.000001").mkdir(parents=True)
    (site / "p" / "1.000001" / "index.html").write_text("x")
    (site / "pdf").mkdir()
    (site / "pdf" / "phieu-1.000001.pdf").write_bytes(b"%PDF")
    (site / "pdf" / "goi-in-thay-doi.pdf").write_bytes(b"%PDF")
    path = tmp_path / "published-urls.txt"
    path.write_text("# sổ\n/p/9.999999/\n", encoding="utf-8")
    assert ledger.update_ledger(path, site) == ["/p/1.000001/", "/pdf/phieu-1.000001.pdf"]
    assert path.read_text(encoding="utf-8") == "# sổ\n/p/9.999999/\n/p/1.000001/\n/pdf/phieu-1.000001.pdf\n"
    assert ledger.missing_urls(ledger.read_ledger(path), site) == ["/p/9.999999/"]
    assert ledger.missing_urls(["/p/../../etc/passwd", "/p/1.000001"], site) == ["/p/../../etc/passwd"]
    shutil.rmtree(site / "pdf")
    assert ledger.missing_urls(ledger.read_ledger(path), site, pdfs=False) == ["/p/9.999999/"]


def test_a_renamed_field_keeps_only_its_own_pack_urls():
    # Field "ho" renamed to "ho-moi", next to an unrelated field "ho-moi-tich": only ho-moi's packs
    # stand in for the old ho packs, although "goi-in-ho-moi-" is a prefix of the other field's pack.
    redirects = url_redirects.Redirects(fields={"ho": "ho-moi"})
    pdfs = {
        "pdf/goi-in-ho-moi-a5.pdf": b"own pack",
        "pdf/goi-in-ho-moi-tich-a5.pdf": b"other field's pack",
    }
    assert url_redirects.redirect_pdfs(redirects, pdfs) == {"pdf/goi-in-ho-a5.pdf": b"own pack"}
