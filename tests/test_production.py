"""``phieu build --production`` refuses sample data: placeholders, a sample or private site address.

Previews and local builds keep working with the shipped sample office (the session's ``site`` fixture
builds it); only the production build, the one deploy.yml runs, says no, naming each place.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from phieu.cli import main
from phieu.load import load_project
from phieu.publish.preview import MARKER
from phieu.publish.production import production_problems, public_host_problem

from tests.conftest import EPOCH, copy_project
from tests.loader_helpers import REPO

MINI = REPO / "tests" / "fixtures" / "mini" / "procedures"
SAMPLE = "https://phieu.example.vn/"
REAL = "https://phieu.caolanh.dongthap.gov.vn/"

OFFICE = """\
# Hồ sơ cơ quan. Một [Cần cập nhật] trong chú thích không được in ra nên không bị tính.
name: Ủy ban nhân dân phường Cao Lãnh
unit: Bộ phận Tiếp nhận và Trả kết quả
province: Tỉnh Đồng Tháp
address: "[Cần cập nhật: số nhà, đường], phường Cao Lãnh"
hours:
  - "Sáng thứ Bảy: [cần xác nhận lịch trực]"
phone: "[Cần cập nhật]"
site_url: {url}
"""
REAL_OFFICE = """\
name: Ủy ban nhân dân phường Cao Lãnh
unit: Bộ phận Tiếp nhận và Trả kết quả
province: Tỉnh Đồng Tháp
address: Số 1 đường Lý Thường Kiệt, phường Cao Lãnh, tỉnh Đồng Tháp
hours:
  - "Sáng: 7 giờ 00 - 11 giờ 30, từ thứ Hai đến thứ Sáu"
phone: "0277 3851 234"
site_url: {url}
"""
PUBLIC = "hãy ghi địa chỉ công khai của trang (mã QR in trên phiếu trỏ về đó)"


def placeholder(text: str) -> str:
    return f"còn chữ giữ chỗ '{text}': hãy thay bằng thông tin thật trước khi đăng trang"


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The mini procedures with the sample office above, as ``procedures/`` in the working folder."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(MINI, tmp_path / "procedures")
    (tmp_path / "procedures" / "office.yml").write_text(OFFICE.format(url=SAMPLE), encoding="utf-8")
    return tmp_path / "procedures"


def test_every_placeholder_and_the_sample_url_are_named_at_their_place(data: Path) -> None:
    problems = production_problems(load_project(data), {})
    assert [str(p) for p in problems] == [
        f"procedures/office.yml:5:11: {placeholder('[Cần cập nhật: số nhà, đường]')}",
        f"procedures/office.yml:7:20: {placeholder('[cần xác nhận lịch trực]')}",
        f"procedures/office.yml:8:9: {placeholder('[Cần cập nhật]')}",
        f"procedures/office.yml:9:11: site_url '{SAMPLE}' là địa chỉ mẫu, không có thật: {PUBLIC}",
    ]


def test_a_placeholder_in_a_procedure_file_is_named(data: Path) -> None:
    (data / "office.yml").write_text(REAL_OFFICE.format(url=REAL), encoding="utf-8")
    path = data / "1.000003.yml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("name:"))
    lines[at] = lines[at].rstrip("\n") + " [CẦN kiểm tra tên]\n"
    path.write_text("".join(lines), encoding="utf-8")
    col = lines[at].index("[") + 1
    problems = production_problems(load_project(data), {})
    assert [str(p) for p in problems] == [
        f"procedures/1.000003.yml:{at + 1}:{col}: {placeholder('[CẦN kiểm tra tên]')}"
    ]


@pytest.mark.parametrize(
    "url",
    [
        SAMPLE,
        "https://example.com/",
        "https://www.example.org/phieu/",
        "http://example.net/",
        "https://phieu.example/",
        "https://xem-truoc.invalid/pr-1/",
        "https://phieu.test/",
        "https://PHIEU.EXAMPLE.VN./",
    ],
)
def test_sample_hosts_are_refused(url: str) -> None:
    assert public_host_problem(url) == f"site_url '{url}' là địa chỉ mẫu, không có thật: {PUBLIC}"


@pytest.mark.parametrize("url", ["http://localhost:8000/", "https://phieu.localhost/", "http://LOCALHOST/"])
def test_localhost_is_refused(url: str) -> None:
    host = url.split("/")[2].split(":")[0].lower()
    assert (
        public_host_problem(url) == f"site_url '{url}' trỏ tới chính máy đang dựng trang ({host}): {PUBLIC}"
    )


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("http://127.0.0.1:8000/", "127.0.0.1"),
        ("http://10.1.2.3/", "10.1.2.3"),
        ("http://172.16.0.1/", "172.16.0.1"),
        ("http://192.168.1.10/phieu/", "192.168.1.10"),
        ("http://169.254.10.1/", "169.254.10.1"),
        ("http://100.64.0.1/", "100.64.0.1"),
        ("http://0.0.0.0/", "0.0.0.0"),
        # Browsers read these as IPv4 addresses too.
        ("http://127.1/", "127.0.0.1"),
        ("http://2130706433/", "127.0.0.1"),
        ("http://0x7f.0.0.1/", "127.0.0.1"),
        ("http://0300.0250.1.1/", "192.168.1.1"),
    ],
)
def test_private_and_loopback_addresses_are_refused(url: str, address: str) -> None:
    assert public_host_problem(url) == (
        f"site_url '{url}' là địa chỉ mạng nội bộ ({address}), điện thoại không mở được: {PUBLIC}"
    )


@pytest.mark.parametrize(
    "url",
    ["http://intranet/", "http://may-chu.local/", "https://phieu.home.arpa/", "http://x.corp.internal/"],
)
def test_names_only_a_local_network_knows_are_refused(url: str) -> None:
    host = url.split("/")[2]
    assert public_host_problem(url) == (
        f"site_url '{url}' là tên máy trong mạng nội bộ ({host}), điện thoại không mở được: {PUBLIC}"
    )


@pytest.mark.parametrize(
    "url",
    [REAL, "https://phieu-vn.github.io/phieu/", "http://8.8.8.8/", "https://10.vn/", "https://beef.cafe/"],
)
def test_public_addresses_pass(url: str) -> None:
    assert public_host_problem(url) is None


def test_a_site_url_from_the_environment_is_refused(data: Path) -> None:
    (data / "office.yml").write_text(REAL_OFFICE.format(url=REAL), encoding="utf-8")
    project = load_project(data)
    assert production_problems(project, {"SITE_URL": REAL.rstrip("/")}) == []
    problems = production_problems(project, {"SITE_URL": "https://xem-truoc.invalid/pr-1/"})
    assert [str(p) for p in problems] == [
        "procedures/office.yml:8:11: biến môi trường SITE_URL='https://xem-truoc.invalid/pr-1/' sẽ thay "
        "site_url khi dựng; bản chính thức chỉ dùng site_url trong tệp này: hãy bỏ biến SITE_URL"
    ]


def test_production_build_of_the_shipped_data_is_refused_before_building(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = copy_project(tmp_path / "project")
    monkeypatch.chdir(project)
    monkeypatch.delenv("SITE_URL", raising=False)
    assert main(["build", "--production"]) == 1
    out, err = capsys.readouterr()
    lines = err.splitlines()
    office = (project / "procedures" / "office.yml").read_text(encoding="utf-8").splitlines()
    row = next(i for i, line in enumerate(office) if line.startswith("site_url:")) + 1
    assert (
        f"procedures/office.yml:{row}:11: site_url '{SAMPLE}' là địa chỉ mẫu, không có thật: {PUBLIC}"
        in lines
    )
    marks = [line for line in lines if "còn chữ giữ chỗ '[" in line]
    # The office's sample address and phone, and portal times that came without a unit: each at its place.
    assert any(line.startswith("procedures/office.yml:") for line in marks)
    assert any(line.startswith("procedures/ho-tich/") for line in marks)
    assert all(re.match(r"procedures/(office\.yml|[a-z-]+/[0-9.]+\.yml):\d+:\d+: ", line) for line in marks)
    assert lines[-1] == f"phieu: không dựng bản chính thức: {len(lines) - 1} lỗi ở trên."
    assert out == ""
    assert not (project / "site").exists()


def test_production_build_of_the_shipped_province_names_every_layers_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The province's sample address, and the placeholders of the province's file and of every office's."""
    project = copy_project(tmp_path / "project", procedures=REPO / "procedures")
    monkeypatch.chdir(project)
    monkeypatch.delenv("SITE_URL", raising=False)
    assert main(["build", "--production"]) == 1
    out, err = capsys.readouterr()
    lines = err.splitlines()
    province = (project / "procedures" / "province.yml").read_text(encoding="utf-8").splitlines()
    row = next(i for i, line in enumerate(province) if line.startswith("site_url:")) + 1
    assert (
        f"procedures/province.yml:{row}:11: site_url '{SAMPLE}' là địa chỉ mẫu, không có thật: {PUBLIC}"
        in lines
    )
    publisher = next(i for i, line in enumerate(province) if line.startswith("publisher:")) + 1
    assert (
        f"procedures/province.yml:{publisher}:13: {placeholder('[Cần cập nhật: cơ quan đăng trang]')}"
        in lines
    )
    marks = [line for line in lines if "còn chữ giữ chỗ '[" in line]
    files = {line.split(":", 1)[0] for line in marks}
    offices = {f"procedures/offices/{p.name}" for p in (project / "procedures" / "offices").glob("*.yml")}
    assert len(offices) >= 3 and offices <= files  # every office's sample address and phone
    sa_dec = (
        (project / "procedures" / "offices" / "phuong-sa-dec.yml").read_text(encoding="utf-8").splitlines()
    )
    point = next(
        i for i, line in enumerate(sa_dec) if line.lstrip().startswith("address:") and "Tân Quy Đông" in line
    )
    assert any(
        line.startswith(f"procedures/offices/phuong-sa-dec.yml:{point + 1}:") for line in marks
    )  # reception
    assert all(
        re.match(r"procedures/(province\.yml|offices/[a-z0-9-]+\.yml|[a-z-]+/[0-9.]+\.yml):\d+:\d+: ", line)
        for line in marks
    )
    assert lines[-1] == f"phieu: không dựng bản chính thức: {len(lines) - 1} lỗi ở trên."
    assert out == "" and not (project / "site").exists()


def test_mini_project_with_a_real_url_builds_for_production_and_as_a_file_preview(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = copy_project(tmp_path / "project", procedures=MINI)
    (project / "procedures" / "office.yml").write_text(REAL_OFFICE.format(url=REAL), encoding="utf-8")
    monkeypatch.chdir(project)
    monkeypatch.delenv("SITE_URL", raising=False)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    assert main(["build", "--production", "--preview-files", "xem-truoc"]) == 0
    capsys.readouterr()
    assert REAL in (project / "site" / "index.html").read_text(encoding="utf-8")
    assert (project / "xem-truoc" / MARKER).is_file()
    assert not (project / "site" / MARKER).exists()
    home = (project / "xem-truoc" / "index.html").read_text(encoding="utf-8")
    assert 'href="tra-cuu/index.html"' in home
