"""The staff editor at /admin/: generated from the model, vendored, and writing what ``phieu fmt`` writes.

The browser tests drive the published editor (Sveltia CMS) in Debian's Chromium against its local
repository mode: the File System Access API on a copy of the project in the browser's private file
system (the test stands in for the folder picker), so they run headless and offline. What the editor
saves is read back onto the temporary project and checked: it validates, it is ``phieu fmt``'s own
output, and ``git diff`` shows only the edits made.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
import yaml
from phieu import urls
from phieu.errors import PhieuError
from phieu.load import load_catalog, load_project
from phieu.model import Document, Procedure
from phieu.staff import editor, fmt
from phieu.staff.schema import SCHEMAS, TITLES, json_schema

from tests.conftest import ROOT, SINGLE_OFFICE, GzipHandler, build, copy_project
from tests.conftest import serve as serve_folder

MINI = ROOT / "tests" / "fixtures" / "mini" / "procedures"
PROVINCE = ROOT / "procedures"
AXE = ROOT / ".cache" / "node" / "node_modules" / "axe-core" / "axe.min.js"
NODE = shutil.which("node")
ADMIN = "/" + urls.ADMIN


def _project(dest: Path, procedures: Path = SINGLE_OFFICE) -> Path:
    """A built copy of the project (with its schemas, so schema lines resolve as in the repository)."""
    project = copy_project(dest, procedures)
    shutil.copytree(ROOT / "schema", project / "schema")
    return project


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = _project(tmp_path_factory.mktemp("editor-built"))
    assert build(project) == 0
    return project


def _config(project: Path) -> dict:
    return yaml.safe_load((project / "site" / urls.admin(editor.CONFIG)).read_text(encoding="utf-8"))


# --- the configuration, generated from the model ----------------------------------------------------


def test_built_configuration_is_what_the_model_generates(built: Path) -> None:
    catalog = load_catalog(built / "procedures")
    generated = editor.config(
        load_project(built / "procedures"),
        procedures="procedures",
        repo="phieu-vn/phieu",
        branch="main",
        site_url=catalog.office.site_url.rstrip("/") + "/",
    )
    assert _config(built) == generated
    assert (built / "site" / urls.admin(editor.CONFIG)).read_text(encoding="utf-8") == editor.config_text(
        generated
    )


def _walk(fields: list[dict], schema: dict, model: str, defs: dict) -> Iterator[tuple[str, dict, dict]]:
    """Every editor field beside the schema property it stands for."""
    assert [f["name"] for f in fields] == list(schema["properties"]), model  # every key, in model order
    required = set(schema.get("required", ()))
    for field in fields:
        prop = schema["properties"][field["name"]]
        assert field["label"] == TITLES[model][field["name"]]
        assert field["required"] == (field["name"] in required), (model, field["name"])
        target, name, _ = editor._effective(prop, defs)
        description = prop.get("description") or target.get("description")  # the model's help text
        assert field["hint"] == description.replace("\n", " "), (model, field["name"])
        yield model, field, prop
        if "fields" in field and field["widget"] == "object":
            yield from _walk(field["fields"], target, name, defs)
        if field["widget"] == "list" and "fields" in field:
            items, item_name, _ = editor._effective(target["items"], defs)
            yield from _walk(field["fields"], items, item_name, defs)


def test_every_key_of_the_model_is_in_the_form(built: Path) -> None:
    config = _config(built)
    catalog = load_catalog(built / "procedures")
    procedures = [c for c in config["collections"] if "folder" in c and c["name"] != editor.FORMS]
    assert [c["name"] for c in procedures] == [f.id for f in catalog.fields]  # one collection per field
    assert config["publish_mode"] == "editorial_workflow"
    assert config["backend"] == {"name": "github", "repo": "phieu-vn/phieu", "branch": "main"}
    schema = json_schema(Procedure)
    seen: dict[tuple[str, str], dict] = {}
    for collection in procedures:
        assert collection["folder"] == f"procedures/{collection['name']}"
        assert collection["slug"] == "{{code}}" and collection["delete"] is False
        for model, field, _ in _walk(collection["fields"], schema, "Procedure", schema["$defs"]):
            seen[(model, field["name"])] = field
    forms = next(
        c for c in config["collections"] if c["name"] == editor.FORMS
    )  # national forms, one file each
    assert (forms["folder"], forms["slug"], forms["delete"]) == ("procedures/forms", "{{id}}", False)
    form_schema = json_schema(SCHEMAS["form"])
    for model, field, _ in _walk(forms["fields"], form_schema, "SharedForm", form_schema["$defs"]):
        seen[(model, field["name"])] = field
    assert (
        seen[("FormInput", "kind")]["widget"] == "select"
        and seen[("FormInput", "printed")]["widget"] == "boolean"
    )
    shared = next(c for c in config["collections"] if "files" in c)
    assert [f["file"] for f in shared["files"]] == ["procedures/office.yml", "procedures/fields.yml"]
    for file in shared["files"]:
        model = SCHEMAS[file["name"]]
        schema = json_schema(model)
        for name, field, _ in _walk(file["fields"], schema, model.__name__, schema.get("$defs", {})):
            seen[(name, field["name"])] = field

    level = seen[("Procedure", "level")]
    assert level["widget"] == "select"
    assert {"label": "Cấp xã, phường", "value": "commune"} in level["options"]
    assert seen[("Procedure", "updated")] == {
        **seen[("Procedure", "updated")],
        "widget": "datetime",
        "type": "date",
    }
    amount = seen[("Fee", "amount")]
    assert (amount["widget"], amount["value_type"], amount["min"], amount["max"]) == (
        "number",
        "int",
        0,
        10**9,
    )
    assert re.fullmatch(amount["pattern"][0], "50000") and not re.fullmatch(amount["pattern"][0], "500")
    for key in ("originals", "copies"):
        count = seen[("Document", key)]
        assert (count["widget"], count["value_type"], count["min"], count["max"]) == ("number", "int", 0, 20)
    assert seen[("Procedure", "field")]["options"] == [
        {"label": f.name, "value": f.id} for f in catalog.fields
    ]
    replaced_by = seen[("Procedure", "replaced_by")]["options"]
    assert [o["value"] for o in replaced_by] == [p.code for p in catalog.procedures]  # any field's procedure
    assert all(f.get("readonly") for f in seen[("Procedure", "source")]["fields"])
    assert seen[("Procedure", "code")]["pattern"][0] == "^[0-9]\\.[0-9]{6}(\\.[A-Z0-9]{1,8})?$"


def test_configuration_is_valid_for_the_pinned_editor(built: Path) -> None:
    schema = json.loads((ROOT / "node_modules" / editor.PACKAGE / "schema" / "sveltia-cms.json").read_text())
    validator = jsonschema.validators.validator_for(schema)(schema)
    assert [e.message for e in validator.iter_errors(_config(built))] == []


def test_every_model_key_has_a_vietnamese_title() -> None:
    from phieu.staff.schema import missing_titles

    assert missing_titles() == []


# --- vendored, pinned, nothing from a CDN --------------------------------------------------------------


def test_editor_is_pinned_exactly_and_vendored(built: Path) -> None:
    package = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    pinned = package["dependencies"][editor.PACKAGE]
    assert re.fullmatch(r"[0-9]+\.[0-9]+\.[0-9]+", pinned), "pin the exact version"
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"][f"node_modules/{editor.PACKAGE}"]["version"] == pinned
    admin = built / "site" / urls.ADMIN
    script = (admin / editor.SCRIPT).read_text(encoding="utf-8")
    installed = (ROOT / "node_modules" / editor.PACKAGE / "dist" / "sveltia-cms.js").read_text(
        encoding="utf-8"
    )
    assert len(script) > 1_000_000 and script != installed  # the package's script, pointed at its copies
    assert "cdn.jsdelivr.net" not in script and "https://unpkg.com/@sveltia/cms`" not in script
    for name in ("material-symbols-outlined-latin-wght-normal.woff2", f"sveltia@{pinned}/locales/vi.json"):
        assert (admin / editor.VENDOR / name).is_file()
    index = (admin / editor.INDEX).read_text(encoding="utf-8")
    assert re.findall(r'(?:src|href)="([^"]+)"', index) == [editor.CONFIG, editor.SCRIPT, editor.WRITER]


def test_a_missing_editor_stops_the_build_with_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(ROOT / "package.json", tmp_path / "package.json")
    monkeypatch.setattr(editor, "PROJECT", tmp_path)
    with pytest.raises(PhieuError) as missing:
        editor.vendor_files()
    assert str(missing.value).startswith(f"chưa cài trình soạn thảo {editor.PACKAGE} ")
    assert "chạy `make site` (hoặc `npm ci` trong thư mục dự án)" in str(missing.value)


def test_the_offline_worker_never_keeps_the_editor(built: Path) -> None:
    worker = (built / "site" / urls.SERVICE_WORKER).read_text(encoding="utf-8")
    assert f"const NEVER = {json.dumps([urls.ADMIN])};" in worker


def test_no_page_or_pdf_depends_on_comments_or_the_schema_line(tmp_path: Path) -> None:
    """Only the editor's own data (it puts comments back on save) carries the comments."""
    plain = tmp_path / "plain"
    shutil.copytree(MINI, plain)
    for path in fmt.data_files([plain]):
        text = path.read_text(encoding="utf-8")
        path.write_text("".join(line for line in text.splitlines(True) if not line.lstrip().startswith("#")))
    assert any("#" in p.read_text(encoding="utf-8") for p in fmt.data_files([MINI]))
    trees = []
    for name, procedures in (("with", MINI), ("without", plain)):
        project = copy_project(tmp_path / name, procedures)
        assert build(project) == 0
        site = project / "site"
        trees.append(
            {
                str(p.relative_to(site)): p.read_bytes()
                for p in sorted(site.rglob("*"))
                if p.is_file() and p.relative_to(site).as_posix() != urls.admin(editor.METADATA)
            }
        )
    assert trees[0] == trees[1]


# --- the editor's writer is fmt's writer ------------------------------------------------------------------

_HARNESS = """
const { createWriter } = require(process.argv[1]);
let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const out = JSON.parse(input).map(({ meta, content }) => createWriter(meta).toFile(content));
  process.stdout.write(JSON.stringify(out));
});
"""


def _noisy(value):
    """What a form holds: every key, empty texts for what is not filled in."""
    if isinstance(value, dict):
        return {k: "" if v is None else _noisy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_noisy(v) for v in value]
    return value


def _writer_cases() -> list[tuple[Path, str]]:
    files = [
        *fmt.data_files([SINGLE_OFFICE, MINI, PROVINCE]),
        *sorted((ROOT / "tests" / "hostile").rglob("*.yml")),
    ]
    cases = []
    for path in files:
        kind = {"office": "office", "fields": "fields"}.get(path.parent.name, fmt.kind_of(path))
        try:
            fmt.format_file(path, kind)
        except Exception:  # a hostile file that does not load: nothing to save
            continue
        cases.append((path, kind))
    return cases


def _run_writer(inputs: list[dict]) -> list[str]:
    result = subprocess.run(
        [NODE, "-e", _HARNESS, str(ROOT / "generator" / "staff" / "editor.js")],
        input=json.dumps(inputs),  # ASCII: the harness reads stdin in chunks
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def _comment_key(kind: str, path: Path, record) -> str:
    if kind == "procedure":
        return f"procedure:{record.code}"
    return f"office-profile:{path.stem}" if kind == "office-profile" else kind


def test_the_editor_writes_what_fmt_writes() -> None:
    assert NODE, "node is missing: install Node.js (make site installs the editor with npm)"
    bases = {
        False: editor.metadata(load_project(SINGLE_OFFICE)),
        True: editor.metadata(load_project(PROVINCE)),
    }
    inputs, expected = [], []
    kinds = set()
    for path, kind in _writer_cases():
        _, canonical = fmt.format_file(path, kind)
        problems: list = []
        from phieu.load.reader import FileReader

        record = fmt.MODELS[kind].model_validate(FileReader(path, problems).read().data)
        comments = editor.comments_of(path)
        base = bases[path.is_relative_to(PROVINCE)]
        meta = {
            **base,
            "schemas": {**base["schemas"], kind: json_schema(fmt.MODELS[kind])},
            "schemaRefs": {**base["schemaRefs"], kind: fmt.schema_ref(path, kind)},
            "comments": {_comment_key(kind, path, record): comments} if comments else {},
        }
        full = record.model_dump(mode="json")
        for content in (full, _noisy(full)):
            inputs.append({"meta": meta, "content": content})
            expected.append(canonical)
        kinds.add(kind)
    assert kinds == set(fmt.MODELS)  # every kind of file, a province's included
    written = _run_writer(inputs)
    assert len(written) == len(expected) > 40
    for got, want, case in zip(written, expected, inputs, strict=True):
        assert got == want, case["content"].get("code", case["content"])


def test_the_editor_keeps_an_office_files_comments_when_its_name_changes() -> None:
    """The form hands over values only: the office is found by its name, else by its former communes."""
    assert NODE, "node is missing: install Node.js (make site installs the editor with npm)"
    project = load_project(PROVINCE)
    meta = editor.metadata(project)
    office = next(o for o in project.offices if o.profile.former and editor.comments_of(o.source))
    renamed = office.profile.model_copy(update={"name": "Ủy ban nhân dân phường Mới Đặt Tên"})
    other = next(o for o in project.offices if o.id != office.id)
    contents = [renamed.model_dump(mode="json"), other.profile.model_dump(mode="json")]
    got = _run_writer([{"meta": meta, "content": c} for c in contents])
    ref = fmt.schema_ref(office.source, "office-profile")
    text = office.source.read_text(encoding="utf-8")
    assert got[0] == fmt.render(renamed, ref, fmt.read_comments(text))
    assert text.splitlines()[1] in got[0]  # the file's own header comment, kept
    assert got[1] == fmt.format_file(other.source)[1]
    assert text.splitlines()[1] not in got[1]


# --- in the browser --------------------------------------------------------------------------------------


@contextlib.contextmanager
def serve(site: Path) -> Iterator[str]:
    """The built site, gzipped like production; its base URL without the final ``/`` (ADMIN starts with one)."""
    with serve_folder(site, GzipHandler) as url:
        yield url.rstrip("/")


#: Stands in for the folder picker of "Work with Local Repository": the project's data files, copied into the
#: browser's private file system (a real File System Access API directory), with the ``.git`` folder the
#: editor looks for. ``__read`` reads a file back.
_LOCAL_REPOSITORY = """
window.showDirectoryPicker = async () => {
  const root = await (await navigator.storage.getDirectory()).getDirectoryHandle("repo", { create: true });
  await root.getDirectoryHandle(".git", { create: true });
  for (const [path, text] of Object.entries(__FILES__)) {
    let folder = root;
    const parts = path.split("/");
    for (const part of parts.slice(0, -1)) folder = await folder.getDirectoryHandle(part, { create: true });
    const writable = await (await folder.getFileHandle(parts.at(-1), { create: true })).createWritable();
    await writable.write(text);
    await writable.close();
  }
  return root;
};
window.__read = async (path) => {  // null while the editor swaps the file for its new version
  try {
    let folder = await (await navigator.storage.getDirectory()).getDirectoryHandle("repo");
    const parts = path.split("/");
    for (const part of parts.slice(0, -1)) folder = await folder.getDirectoryHandle(part);
    return await (await (await folder.getFileHandle(parts.at(-1))).getFile()).text();
  } catch (error) {
    return null;
  }
};
"""


def _saved(page, relative: str, before: str | None) -> str:
    """The file once the editor has written it (it writes a new file and renames it over the old one)."""
    where = json.dumps(relative)
    last = None
    for _ in range(150):  # 30 s
        text = page.evaluate(f"__read({where})")
        if text is not None and text != before and text == last:  # written, and the same twice in a row
            return text
        last = text
        page.wait_for_timeout(200)
    raise AssertionError(f"the editor did not save {relative}")


STAFF_COMMENT = "# Ghi chú của cán bộ: các bước theo quy trình nội bộ của bộ phận một cửa."


def _git(project: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def _pick(catalog) -> Procedure:
    """A procedure the edits can be made on: two cases, two steps, a fee amount in the first case."""
    for procedure in catalog.procedures:
        if len(procedure.cases) >= 2 and len(procedure.steps) >= 2 and procedure.cases[0].fee.amount:
            return procedure
    raise AssertionError("no shipped procedure has two cases, two steps and a fee amount")


@pytest.fixture(scope="module")
def repository(tmp_path_factory: pytest.TempPathFactory):
    """A built project whose data is canonical and committed (git), with a staff comment in one file."""
    project = _project(tmp_path_factory.mktemp("editor-repo"))
    report = fmt.format_paths([project / "procedures"])
    assert report.problems == []
    catalog = load_catalog(project / "procedures")
    chosen = _pick(catalog)
    path = catalog.sources[chosen.code]
    text = path.read_text(encoding="utf-8").replace("\nsteps:\n", f"\n{STAFF_COMMENT}\nsteps:\n", 1)
    path.write_text(text, encoding="utf-8")
    assert fmt.format_file(path) == (text, text) and STAFF_COMMENT in text  # canonical, comment included
    _git(project, "init", "-q")
    _git(project, "add", "procedures")
    _git(project, "commit", "-q", "-m", "data")
    assert build(project) == 0
    return project, chosen, path


def _open_admin(browser, project: Path, url: str, sizes: dict[str, tuple[int, int]] | None = None):
    """The editor on the project's data, the entry list shown; ``sizes`` collects what each request sent
    (compressed) and unpacked to."""
    files = {
        p.relative_to(project).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted((project / "procedures").rglob("*.yml"))
    }
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    context.add_init_script(_LOCAL_REPOSITORY.replace("__FILES__", json.dumps(files, ensure_ascii=False)))
    outside: list[str] = []
    context.route(
        re.compile(r"^https?://(?!127\.0\.0\.1)"),
        lambda route: (outside.append(route.request.url), route.abort()),
    )
    page = context.new_page()
    if sizes is not None:
        page.on(
            "requestfinished",
            lambda request: (
                request.url.startswith("http")
                and sizes.setdefault(
                    request.url, (request.sizes()["responseBodySize"], len(request.response().body()))
                )
            ),
        )
    page.goto(url + ADMIN)
    page.get_by_role("button", name="Làm việc với kho mã nguồn cục bộ").click()
    page.get_by_role("group", name="Danh sách bài viết").wait_for()
    return context, page, outside


def _field(scope, page, title: str, n: int = 1):
    """The n-th field called ``title`` in ``scope``, scrolled to (the editor draws fields as they come into view)."""
    found = scope.get_by_role("group", name=f"Trường “\u2068{title}\u2069”", exact=True)
    for _ in range(120):
        if found.count() >= n:
            found.nth(n - 1).scroll_into_view_if_needed()
            return found.nth(n - 1)
        page.mouse.wheel(0, 500)
        page.wait_for_timeout(50)
    raise AssertionError(f"no field {title!r} #{n}")


def _add(scope, page, title: str, singular: str):
    group = _field(scope, page, title)
    group.get_by_role("button", name=f"Thêm \u2068{singular}\u2069").last.click()
    return group


def _open_procedure(page, procedure: Procedure, field_name: str) -> float:
    page.get_by_text(field_name, exact=True).first.click()
    start = time.perf_counter()
    page.get_by_text(f"{procedure.code} {procedure.name}", exact=True).click()
    code = _field(page, page, "Mã thủ tục").locator("input")
    code.wait_for()
    assert code.input_value() == procedure.code
    elapsed = time.perf_counter() - start
    page.mouse.move(300, 500)  # over the form, so the wheel scrolls it
    return elapsed


def _save(page) -> None:
    page.get_by_role("button", name="Lưu", exact=True).click()


def test_editor_edits_a_procedure_into_fmts_layout(browser, repository) -> None:
    project, chosen, path = repository
    relative = path.relative_to(project).as_posix()
    original = path.read_text(encoding="utf-8")
    catalog = load_catalog(project / "procedures")
    with serve(project / "site") as url:
        context, page, outside = _open_admin(browser, project, url)
        try:
            seconds = _open_procedure(page, chosen, catalog.field(chosen.field).name)
            print(f"\n  editor: a procedure opens in {seconds:.2f} s")

            steps = _field(page, page, "Trình tự thực hiện")
            steps.get_by_role("button", name="Sắp xếp lại mục").first.focus()
            page.keyboard.press("ArrowDown")  # the first step moves below the second

            cases = _field(page, page, "Trường hợp")
            cases.get_by_role("button", name="Mở rộng tất cả").click()
            amount_field = _field(cases, page, "Số tiền (đồng)")
            amount = amount_field.locator("input")
            amount.click()
            amount.press("Control+a")
            page.keyboard.type("50.000")  # how a fee is written in Vietnamese prose
            _save(page)
            error = amount_field.get_by_text(re.compile("viết liền các chữ số: 50000"))
            error.first.wait_for()
            assert page.evaluate(f"__read({json.dumps(relative)})") == original  # refused: nothing saved

            new_amount = chosen.cases[0].fee.amount + 1000
            amount.press("Control+a")
            page.keyboard.type(str(new_amount))
            documents = _field(cases, page, "Thành phần hồ sơ", 2)
            documents.get_by_role("button", name="Thêm \u2068giấy tờ\u2069").last.click()
            # The new item is open and last; the documents already there are folded.
            _field(documents, page, "Tên giấy tờ").locator("textarea").last.fill(
                "Giấy tờ thêm bằng trình soạn thảo"
            )
            last = documents.get_by_role(
                "group", name="Trường “\u2068Nộp hay xuất trình\u2069”", exact=True
            ).last
            last.get_by_role("radio", name="Nộp", exact=True).click()
            for title, value in (("Số bản chính", "1"), ("Số bản sao", "0")):
                group = documents.get_by_role("group", name=f"Trường “\u2068{title}\u2069”", exact=True).last
                group.locator("input").fill(value)
            _save(page)
            saved = _saved(page, relative, original)
        finally:
            context.close()
    assert not [u for u in outside if "cdn" in u or "unpkg" in u], outside

    path.write_text(saved, encoding="utf-8")
    after = load_catalog(project / "procedures").procedure(chosen.code)  # it validates
    assert fmt.format_file(path) == (saved, saved)  # phieu fmt leaves it as it is

    cases = list(chosen.cases)
    cases[0] = cases[0].model_copy(update={"fee": cases[0].fee.model_copy(update={"amount": new_amount})})
    added = Document(name="Giấy tờ thêm bằng trình soạn thảo", action="submit", originals=1, copies=0)
    cases[1] = cases[1].model_copy(update={"documents": [*cases[1].documents, added]})
    steps = [chosen.steps[1], chosen.steps[0], *chosen.steps[2:]]
    expected = chosen.model_copy(update={"cases": cases, "steps": steps})
    assert after == expected  # these edits and nothing else
    assert saved == fmt.render(expected, fmt.schema_ref(path, "procedure"), fmt.read_comments(original))
    assert STAFF_COMMENT in saved and saved.startswith(fmt.SCHEMA_LINE)

    diff = _git(project, "diff", "-U0", "--", relative)
    removed = [line[1:] for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")]
    added_lines = [
        line[1:] for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")
    ]
    assert len(removed) == 2 and len(added_lines) == 2 + 4, diff  # the amount and a step; four document lines
    assert any(line.strip() == f"amount: {new_amount}" for line in added_lines), diff


def test_a_new_procedure_from_the_form_validates(browser, repository) -> None:
    project, _, _ = repository
    catalog = load_catalog(project / "procedures")
    field = catalog.fields[-1]
    code = "1.999001"
    with serve(project / "site") as url:
        context, page, _ = _open_admin(browser, project, url)
        try:
            page.get_by_text(field.name, exact=True).first.click()
            page.get_by_role("button", name="Tạo bài viết mới").click()
            page.mouse.move(300, 500)
            _field(page, page, "Mã thủ tục").locator("input").fill(code)
            _field(page, page, "Tên thủ tục").locator("textarea").fill("Thủ tục tạo bằng trình soạn thảo")
            _field(page, page, "Cấp thực hiện").get_by_role("radio", name="Cấp xã, phường").click()
            group = _add(page, page, "Đối tượng thực hiện", "đối tượng")
            _field(group, page, "Đối tượng").locator("input").fill("Cá nhân")
            agency = _field(page, page, "Cơ quan thực hiện")
            _field(agency, page, "Cơ quan có thẩm quyền").locator("textarea").fill("Ủy ban nhân dân cấp xã")
            group = _add(page, page, "Kết quả thực hiện", "kết quả")
            _field(group, page, "Kết quả").locator("textarea").fill("Văn bản xác nhận")
            group = _add(page, page, "Trình tự thực hiện", "bước")
            _field(group, page, "Bước").locator("textarea").fill("Nộp hồ sơ tại Bộ phận Một cửa.")
            group = _add(page, page, "Cách thức thực hiện", "cách thức thực hiện")
            _field(group, page, "Cách nộp").get_by_role("radio", name="Nộp trực tiếp").click()
            _field(group, page, "Thời hạn giải quyết").locator("textarea").fill("Trong ngày làm việc")
            case = _add(page, page, "Trường hợp", "trường hợp")
            _field(case, page, "Mã trường hợp").locator("input").fill("chung")
            _field(case, page, "Tên trường hợp").locator("textarea").fill("Trường hợp chung")
            document = _add(case, page, "Thành phần hồ sơ", "giấy tờ")
            _field(document, page, "Tên giấy tờ").locator("textarea").fill("Đơn đề nghị")
            _field(document, page, "Nộp hay xuất trình").get_by_role("radio", name="Nộp", exact=True).click()
            _field(document, page, "Số bản chính").locator("input").fill("1")
            _field(document, page, "Số bản sao").locator("input").fill("0")
            _field(case, page, "Thời hạn giải quyết").locator("textarea").fill("Trong ngày làm việc")
            fee = _field(case, page, "Phí, lệ phí")
            _field(fee, page, "Mô tả mức thu").locator("textarea").fill("Hỏi tại quầy")
            group = _add(page, page, "Căn cứ pháp lý", "văn bản")
            _field(group, page, "Văn bản").locator("textarea").fill("Văn bản quy định thủ tục")
            _save(page)
            relative = f"procedures/{field.id}/{code}.yml"
            saved = _saved(page, relative, None)
        finally:
            context.close()
    path = project / relative
    try:
        path.write_text(saved, encoding="utf-8")
        created = load_catalog(project / "procedures").procedure(code)  # the whole folder still validates
        assert created.field == field.id and created.cases[0].documents[0].name == "Đơn đề nghị"
        assert fmt.format_file(path) == (saved, saved)
    finally:
        path.unlink()


def _axe(page) -> list[dict]:
    assert AXE.is_file(), "axe-core is missing: run `make test` (npm installs axe-core under .cache/node)"
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations.map((v) => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map((n) => ({target: n.target.join(" "), html: n.html, summary: n.failureSummary})),
        }))"""
    )


#: axe rules our part decides: the page itself (language, title) and what the configuration names
#: (labels of fields, options and lists). Anything else is the editor's own markup.
_OUR_RULES = {
    "document-title",
    "html-has-lang",
    "html-lang-valid",
    "valid-lang",
    "label",
    "aria-input-field-name",
    "aria-toggle-field-name",
    "select-name",
    "button-name",
    "list",
    "listitem",
}


def _ours(violation: dict, words: set[str]) -> bool:
    return violation["id"] in _OUR_RULES or any(
        any(word in node["html"] for word in words) for node in violation["nodes"]
    )


def _config_words(config: dict) -> set[str]:
    """Labels, hints and option labels of the configuration (long enough not to match by chance)."""
    found: set[str] = set()

    def walk(value) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in ("label", "label_singular", "hint") and isinstance(item, str) and len(item) > 6:
                    found.add(item)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(config)
    return found


def test_admin_accessibility_weight_and_time(browser, repository) -> None:
    project, chosen, _ = repository
    catalog = load_catalog(project / "procedures")
    words = _config_words(_config(project))
    with serve(project / "site") as url:
        sizes: dict[str, tuple[int, int]] = {}
        start = time.perf_counter()
        context, page, _ = _open_admin(browser, project, url, sizes)
        try:
            ready = time.perf_counter() - start
            page.evaluate("document.fonts.ready.then(() => true)")  # the icons' font, which the list shows
            page.wait_for_load_state("networkidle")
            opened = _open_procedure(page, chosen, catalog.field(chosen.field).name)
            form = _axe(page)
            page.get_by_role("button", name="Hủy chỉnh sửa").click()
            page.get_by_role("group", name="Danh sách bài viết").wait_for()
            listing = _axe(page)
        finally:
            context.close()
    sent = sum(s for s, _ in sizes.values()) / 1024
    raw = sum(r for _, r in sizes.values()) / 1024
    print(
        f"\n  /admin/: {sent:.0f} KB sent gzipped ({raw:.0f} KB unpacked) in {len(sizes)} files;"
        f" entry list ready in {ready:.1f} s, a procedure opens in {opened:.2f} s"
    )
    assert [u for u in sizes if not u.startswith(url)] == [], sizes  # nothing from a CDN
    assert sent < 1800, "the editor's page grew: check what it loads"
    bad = {}
    for name, found in (("entry list", listing), ("procedure form", form)):
        serious = [v for v in found if v["impact"] in ("serious", "critical")]
        ours = [v for v in serious if _ours(v, words)]
        for v in found:
            who = "ours" if _ours(v, words) else "the editor's own"
            print(f"  axe, {name}: {v['id']} ({v['impact']}, {len(v['nodes'])}) – {who}")
        if ours:
            bad[name] = ours
    assert not bad, bad


def test_the_deploy_installs_the_pinned_editor() -> None:
    deploy = yaml.safe_load((ROOT / ".github" / "workflows" / "deploy.yml").read_text(encoding="utf-8"))
    runs = "\n".join(step.get("run", "") for step in deploy["jobs"]["build"]["steps"])
    assert "npm ci --no-audit --no-fund --ignore-scripts" in runs  # exactly package-lock.json
    assert runs.index("npm ci") < runs.index("phieu build")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "npm ci --silent --no-audit --no-fund --ignore-scripts" in makefile


@pytest.mark.parametrize(
    ("repo_url", "edit_uri", "expected"),
    [
        ("https://github.com/phieu-vn/phieu", "edit/main/", ("phieu-vn/phieu", "main")),
        ("https://github.com/ubnd-x/phieu.git/", "edit/chinh/", ("ubnd-x/phieu", "chinh")),
        ("https://gitlab.com/a/b", "edit/main/", None),  # the editor saves to GitHub only: no /admin/
        (None, None, None),
    ],
)
def test_the_repository_comes_from_mkdocs_yml(repo_url, edit_uri, expected) -> None:
    assert editor.github_repo(repo_url, edit_uri) == expected
