"""The staff editor at ``/admin/``: Sveltia CMS, vendored from npm, with a form generated from the model.

The editor's script, its Vietnamese strings and its fonts come from the npm package pinned in the
project's ``package.json`` (``make site`` installs it with ``npm ci``). The build copies them into the
site and points the script at those copies instead of the CDNs it would fetch them from, so the page
loads nothing from elsewhere but the Git host. The configuration is generated from the JSON Schemas
(``schema.py``, themselves generated from the model): every key in model order with its Vietnamese
title and help, never written by hand. Each save goes through ``editor.js``, which writes the canonical
layout of ``phieu fmt`` with the published file's comments.
"""

from __future__ import annotations

import html
import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .. import urls
from ..errors import PhieuError
from ..load import Project
from ..load.catalog import FEES_FILE, FIELDS_FILE, OFFICE_FILE, OFFICES_FOLDER, PROVINCE_FILE
from ..load.forms import FORMS_FOLDER, form_files
from ..model import SLUG_PATTERN
from . import fmt
from .schema import PATTERN_MESSAGES, SCHEMAS, json_schema

#: The folder of the project's package.json (the repository root, next to pyproject.toml).
PROJECT = Path(__file__).resolve().parents[2]
PACKAGE = "@sveltia/cms"
#: The published copies of what the script would fetch from CDNs: (text in the script, file in the package).
_CDN_FILES = {
    "https://cdn.jsdelivr.net/fontsource/fonts/source-sans-3:vf@5.3.0/latin-wght-normal.woff2": (
        "npm/assets/source-sans-3-latin-wght-normal-*.woff2"
    ),
    "https://cdn.jsdelivr.net/fontsource/fonts/noto-mono@5.3.0/latin-400-normal.woff2": (
        "npm/assets/noto-mono-latin-400-normal-*.woff2"
    ),
    "https://cdn.jsdelivr.net/fontsource/fonts/material-symbols-outlined:vf@5.3.7/latin-wght-normal.woff2": (
        "npm/assets/material-symbols-outlined-latin-wght-normal-*.woff2"
    ),
}
#: The script fetches its strings from ``<this>@<version>/locales/<locale>.json`` and checks for updates at
#: ``<this>/package.json``: both are pointed at the folder below.
_CDN_BASE = "https://unpkg.com/@sveltia/cms`"
VENDOR = "vendor/"
"""Where, inside the admin folder, the vendored files are published."""
SCRIPT = "sveltia-cms.js"
WRITER = "phieu-editor.js"
METADATA = "phieu.json"
CONFIG = "config.yml"
INDEX = "index.html"

#: The collection of the office profile (or the province's files) and the field list (no field id has "_":
#: ids are slugs; a name starting with "_" is the editor's own).
SHARED = "tep_chung"
#: A province's collection of its offices, one file each (``offices/<id>.yml``; the file name is the id).
OFFICES = "xa_phuong"
#: The national forms' collection, one file each (``forms/<id>.yml``; the file name is the id).
FORMS = "mau_to_khai"
#: How a collapsed list item reads, by model.
SUMMARIES = {
    "Case": "{{fields.name}}",
    "Document": "{{fields.name}}",
    "Channel": "{{fields.kind}}: {{fields.time}}",
    "Form": "{{fields.name}}",
    "FormField": "{{fields.label}}: {{fields.sample}}",
    "FieldInfo": "{{fields.name}}",
    "FieldCounter": "{{fields.field}}: {{fields.counter}}",
    "OfficeProcedure": "{{fields.code}}",
    "ProvinceFee": "{{fields.code}} · {{fields.case}}",
    "FormSection": "{{fields.title}}",
    "FormInput": "{{fields.label}}: {{fields.sample}}",
    "FormNote": "({{fields.mark}}) {{fields.text}}",
}
#: Keys whose value is one of the data's own ids, with the choices they pick from (``_Form.choices``).
SELECTS = {
    ("Procedure", "replaced_by"): "procedures",
    ("FieldCounter", "field"): "fields",
    ("OfficeProcedure", "code"): "procedures",
    ("ProvinceFee", "code"): "fee_codes",
    ("ProvinceFee", "case"): "fee_cases",
    ("Province", "former_site"): "offices",
}
#: An office id: a slug that is not one of the paths the province's root uses itself.
OFFICE_ID_PATTERN = "^(?!(?:" + "|".join(sorted(urls.RESERVED_OFFICE_IDS)) + ")$)" + SLUG_PATTERN[1:]
OFFICE_ID_MESSAGE = (
    PATTERN_MESSAGES[SLUG_PATTERN].replace("dung-han", "phuong-cao-lanh")
    + " Không dùng tên dành riêng của trang tỉnh: "
    + ", ".join(sorted(urls.RESERVED_OFFICE_IDS))
    + "."
)

#: Procedure keys that depend on the collection (a new procedure's field is the collection's).
_PER_COLLECTION = frozenset({"field"})
#: Text up to this long is one line in the form; longer text gets a box that grows.
ONE_LINE = 300


# --- the vendored script --------------------------------------------------------------------------


def _installed() -> Path:
    """The installed package, checked against the version pinned in package.json."""
    folder = PROJECT / "node_modules" / PACKAGE
    how = "chạy `make site` (hoặc `npm ci` trong thư mục dự án) để cài trình soạn thảo từ npm"
    try:
        pinned = json.loads((PROJECT / "package.json").read_text(encoding="utf-8"))["dependencies"][PACKAGE]
    except (OSError, ValueError, KeyError) as exc:
        raise PhieuError(
            f"không đọc được phiên bản {PACKAGE} trong {PROJECT / 'package.json'}: {exc}"
        ) from None
    try:
        installed = json.loads((folder / "package.json").read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        raise PhieuError(f"chưa cài trình soạn thảo {PACKAGE} {pinned} cho trang /admin/: {how}") from None
    if installed != pinned:
        raise PhieuError(
            f"trình soạn thảo đã cài là {PACKAGE} {installed}, package.json ghim {pinned}: {how}"
        )
    return folder


def vendor_files() -> dict[str, bytes]:
    """The editor's script (pointed at the copies published beside it), fonts, strings and licences."""
    folder = _installed()
    version = json.loads((folder / "package.json").read_text(encoding="utf-8"))["version"]
    script = (folder / "dist" / "sveltia-cms.js").read_text(encoding="utf-8")
    files: dict[str, bytes] = {}
    for url, pattern in _CDN_FILES.items():
        found = sorted(folder.glob(pattern))
        if script.count(url) != 1 or len(found) != 1:
            raise PhieuError(
                f"{PACKAGE} {version} không còn tải {url} như phieu biết: cần cập nhật editor.py"
            )
        name = VENDOR + re.sub(r"-[^-]+\.woff2$", ".woff2", found[0].name)
        script = script.replace(url, name)
        files[name] = found[0].read_bytes()
        licence = found[0].parent / (found[0].name.split("-latin-")[0] + ".LICENSE.txt")
        files[VENDOR + licence.name] = licence.read_bytes()
    if script.count(_CDN_BASE) != 1 or "https://cdn.jsdelivr.net/" in script:
        raise PhieuError(
            f"{PACKAGE} {version} không còn tải tệp từ CDN như phieu biết: cần cập nhật editor.py"
        )
    script = script.replace(_CDN_BASE, f"{VENDOR}sveltia`")
    files[SCRIPT] = script.encode("utf-8")
    files[f"{VENDOR}sveltia@{version}/locales/vi.json"] = (folder / "locales" / "vi.json").read_bytes()
    # What its update check reads: this version, so it never offers another one.
    files[f"{VENDOR}sveltia/package.json"] = json.dumps({"name": PACKAGE, "version": version}).encode()
    files[f"{VENDOR}sveltia-cms.LICENSE.txt"] = (folder / "LICENSE.txt").read_bytes()
    return files


# --- the configuration --------------------------------------------------------------------------------


def _effective(prop: dict[str, Any], defs: dict[str, Any]) -> tuple[dict[str, Any], str | None, bool]:
    """The schema a property holds (its reference followed), the name of its model or list, and whether
    the model allows None."""
    optional = False
    target = prop
    branches = prop.get("anyOf", ())
    if any(b.get("type") == "null" for b in branches):
        optional = True
        target = next(b for b in branches if b.get("type") != "null")
    name = None
    if "$ref" in target:
        name = target["$ref"].rsplit("/", 1)[-1]
        target = defs[name]
    return target, name, optional


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _label(text: str) -> str:
    return text[:1].upper() + text[1:]


class _Form:
    """Editor fields for one model's schema (and the models it holds)."""

    def __init__(self, schema: dict[str, Any], collection: str, choices: dict[str, list[dict[str, str]]]):
        self.defs = schema.get("$defs", {})
        self.collection = collection
        self.choices = choices
        """Options from the data: the fields, and the procedures (a replacement may be in another field)."""

    def fields(self, model: str, schema: dict[str, Any], readonly: bool = False) -> list[dict[str, Any]]:
        required = set(schema.get("required", ()))
        return [
            self.field(model, key, prop, key in required, readonly)
            for key, prop in schema["properties"].items()
        ]

    def field(
        self, model: str, key: str, prop: dict[str, Any], required: bool, readonly: bool
    ) -> dict[str, Any]:
        target, name, _ = _effective(prop, self.defs)
        out: dict[str, Any] = {"name": key, "label": prop["title"], "required": required}
        description = prop.get("description") or target.get("description")
        if description:
            out["hint"] = description.replace("\n", " ")
        readonly = readonly or (model, key) == ("Procedure", "source")
        if readonly:
            out["readonly"] = True
        out.update(self.widget(model, key, target, name, readonly))
        if "default" in prop and prop["default"] not in (None, [], {}) and "default" not in out:
            out["default"] = prop["default"]
        return out

    def widget(
        self,
        model: str,
        key: str,
        target: dict[str, Any],
        name: str | None,
        readonly: bool,
    ) -> dict[str, Any]:
        if (model, key) == ("Procedure", "field"):
            return {"widget": "select", "options": self.choices["fields"], "default": self.collection}
        if (model, key) in SELECTS:
            return {"widget": "select", "options": self.choices[SELECTS[(model, key)]]}
        if (model, key) == ("OfficeProfile", "offers"):  # none chosen: the key is left out, every procedure
            return {"widget": "select", "multiple": True, "options": self.choices["procedures"]}
        if (model, key) == ("Procedure", "updated"):
            return {**_date(), "default": "{{now}}"}
        if "enum" in target:
            labels = target.get("enumDescriptions") or target["enum"]
            return {
                "widget": "select",
                "options": [
                    {"label": _label(label), "value": value}
                    for value, label in zip(target["enum"], labels, strict=True)
                ],
            }
        if "properties" in target:
            assert name is not None
            return {
                "widget": "object",
                "collapsed": readonly,
                "fields": self.fields(name, target, readonly),
            }
        kind = target.get("type")
        if kind == "array":
            return self.list(key, target, readonly)
        if kind == "boolean":
            return {"widget": "boolean"}
        if kind == "integer":
            return _number(target)
        if target.get("format") == "date":
            return _date()
        return _text(target)

    def list(self, key: str, target: dict[str, Any], readonly: bool) -> dict[str, Any]:
        items, name, _ = _effective(target["items"], self.defs)
        out: dict[str, Any] = {"widget": "list"}
        for bound, option in (("minItems", "min"), ("maxItems", "max")):
            if bound in target:
                out[option] = target[bound]
        if name is not None and "properties" in items:
            out["label_singular"] = _lower_first(items["title"])
            out["fields"] = self.fields(name, items, readonly)
            out["summary"] = SUMMARIES.get(name, "")
            out["collapsed"] = "auto"
            return {k: v for k, v in out.items() if v != ""}
        title = target["items"].get("title", key)
        out["label_singular"] = _lower_first(title)
        out["field"] = {"name": key, "label": title, **_text(items)}
        return out


def _text(target: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"widget": "text" if target.get("maxLength", 0) > ONE_LINE else "string"}
    if "pattern" in target:
        out["pattern"] = [target["pattern"], target["patternErrorMessage"]]
    if "maxLength" in target:
        out["maxlength"] = target["maxLength"]
    return out


def _date() -> dict[str, Any]:
    return {"widget": "datetime", "type": "date", "format": "YYYY-MM-DD"}


def _number(target: dict[str, Any]) -> dict[str, Any]:
    """An integer input with the model's bounds; a fee (0, or at least its floor) also gets a pattern."""
    out: dict[str, Any] = {"widget": "number", "value_type": "int", "step": 1}
    branches = target.get("anyOf", ())
    floor = next((b["minimum"] for b in branches if "minimum" in b), None)
    if any(b.get("const") == 0 for b in branches) and floor:
        out["min"] = 0
        out["max"] = next(b["maximum"] for b in branches if "maximum" in b)
        digits = len(str(floor)) - 1
        out["pattern"] = [f"^(0|[1-9][0-9]{{{digits},}})$", target.get("errorMessage", "")]
        return out
    for bound, option in (("minimum", "min"), ("maximum", "max")):
        if bound in target:
            out[option] = target[bound]
    return out


def choices(project: Project) -> dict[str, list[dict[str, str]]]:
    """What the selects offer, from the data: fields, procedures, offices and the cases a province sets fees for."""
    fee_cases: dict[str, list[str]] = {}  # case id → the codes that have it
    for entry in project.fee_table.fees if project.fee_table else ():
        fee_cases.setdefault(entry.case, []).append(entry.code)
    for p in project.procedures:
        for case in p.cases:
            if case.fee.varies_by_province and p.code not in fee_cases.get(case.id, []):
                fee_cases.setdefault(case.id, []).append(p.code)
    fee_codes = {code for codes in fee_cases.values() for code in codes}
    procedures = [{"label": f"{p.code} {p.name}", "value": p.code} for p in project.procedures]
    return {
        "fields": [{"label": f.name, "value": f.id} for f in project.fields],
        "procedures": procedures,
        "offices": [{"label": f"{o.profile.name} ({o.id})", "value": o.id} for o in project.offices],
        "fee_codes": [o for o in procedures if o["value"] in fee_codes],
        "fee_cases": [
            {"label": f"{case} ({', '.join(sorted(codes))})", "value": case}
            for case, codes in sorted(fee_cases.items())
        ],
    }


def config(
    project: Project,
    *,
    procedures: str,
    repo: str,
    branch: str,
    site_url: str,
    auth_url: str | None = None,
) -> dict[str, Any]:
    """The editor's configuration: one collection per field folder, then (a province) the offices, then the
    shared files: the office profile or the province's profile and fee table, and the field list.
    ``procedures`` is the data folder's path in the repository."""
    procedure = json_schema(SCHEMAS["procedure"])
    options = choices(project)
    # Every field collection holds the same form but for its field's default: the same objects, written once.
    common = _Form(procedure, "", options).fields("Procedure", procedure)
    if project.is_province:  # an office's own parts of a procedure are in its file, never in the record
        common = [f for f in common if f["name"] != "local"]
    collections: list[dict[str, Any]] = []
    for info in project.fields:
        own = {f["name"]: f for f in _Form(procedure, info.id, options).fields("Procedure", procedure)}
        collection: dict[str, Any] = {
            "name": info.id,
            "label": info.name,
            "label_singular": "thủ tục",
            "folder": f"{procedures}/{info.id}",
            "extension": "yml",
            "format": "yml",
            "create": True,
            "delete": False,
            # Staff send a change for review; it goes live when someone merges its pull request on GitHub,
            # after the checks (validate, build, reprint list) have run.
            "publish": False,
            "slug": "{{code}}",
            "identifier_field": "name",
            "summary": "{{code}} {{name}}",
            "sortable_fields": ["code", "name", "updated"],
            # The preview would only repeat the fields: the site's page is the preview (a pull request builds it).
            "editor": {"preview": False},
            "fields": [own[f["name"]] if f["name"] in _PER_COLLECTION else f for f in common],
        }
        if info.description:
            collection["description"] = info.description
        collections.append(collection)
    collections.append(_forms(procedures, options))
    if project.is_province:
        collections.append(_offices(procedures, options))
        shared: tuple[tuple[str, str, str], ...] = (
            ("province", PROVINCE_FILE, "Hồ sơ tỉnh"),
            ("fees", FEES_FILE, "Bảng lệ phí của tỉnh"),
            ("fields", FIELDS_FILE, "Lĩnh vực"),
        )
        label = "Tỉnh, lệ phí và lĩnh vực"
    else:
        shared = (("office", OFFICE_FILE, "Hồ sơ cơ quan"), ("fields", FIELDS_FILE, "Lĩnh vực"))
        label = "Cơ quan và lĩnh vực"
    shared_files = []
    for name, file_name, title in shared:
        schema = json_schema(SCHEMAS[name])
        form = _Form(schema, SHARED, options)
        shared_files.append(
            {
                "name": name,
                "label": title,
                "file": f"{procedures}/{file_name}",
                "format": "yml",
                "editor": {"preview": False},
                "fields": form.fields(SCHEMAS[name].__name__, schema),
            }
        )
    collections.append({"name": SHARED, "label": label, "publish": False, "files": shared_files})
    backend: dict[str, Any] = {"name": "github", "repo": repo, "branch": branch}
    if auth_url:
        backend["base_url"] = auth_url
    return {
        "backend": backend,
        "publish_mode": "editorial_workflow",
        "app_title": "Sửa thủ tục",
        "site_url": site_url,
        "media_folder": f"{procedures}/.media",
        "output": {"omit_empty_optional_fields": True},
        "collections": collections,
    }


def _offices(procedures: str, options: dict[str, list[dict[str, str]]]) -> dict[str, Any]:
    """A province's offices: one file each in ``offices/``, named by the office's id (typed when it is created)."""
    schema = json_schema(SCHEMAS["office-profile"])
    return {
        "name": OFFICES,
        "label": "Xã, phường",
        "label_singular": "xã, phường",
        "description": "Mỗi xã, phường một tệp: địa chỉ, giờ, quầy, thủ tục giải quyết và phần riêng của từng thủ tục.",
        "folder": f"{procedures}/{OFFICES_FOLDER}",
        "extension": "yml",
        "format": "yml",
        "create": True,
        "delete": False,
        "publish": False,
        "slug": {
            "editable": ["create"],
            "pattern": [OFFICE_ID_PATTERN, OFFICE_ID_MESSAGE],
            "hint": "Mã của xã, phường: tên tệp và đường dẫn trang của xã, phường (không đổi sau khi đã in phiếu).",
        },
        "identifier_field": "name",
        "summary": "{{name}}",
        "sortable_fields": ["name"],
        "editor": {"preview": False},
        "fields": _Form(schema, OFFICES, options).fields("OfficeProfile", schema),
    }


def _forms(procedures: str, options: dict[str, list[dict[str, str]]]) -> dict[str, Any]:
    """The national forms: one file each in ``forms/``, named by the form's id (the documents' ``form:``)."""
    schema = json_schema(SCHEMAS["form"])
    return {
        "name": FORMS,
        "label": "Mẫu tờ khai",
        "label_singular": "mẫu tờ khai",
        "description": "Mẫu tờ khai dùng chung cho nhiều thủ tục: các phần, các ô, chú thích và giá trị điền mẫu.",
        "folder": f"{procedures}/{FORMS_FOLDER}",
        "extension": "yml",
        "format": "yml",
        "create": True,
        "delete": False,
        "publish": False,
        "slug": "{{id}}",
        "identifier_field": "name",
        "summary": "{{name}}",
        "sortable_fields": ["name", "updated"],
        "editor": {"preview": False},
        "fields": _Form(schema, FORMS, options).fields("SharedForm", schema),
    }


# --- what editor.js needs ------------------------------------------------------------------------------


def comments_of(path: Path) -> dict[str, Any] | None:
    """A file's comments as editor.js reads them, or None when it has none but the schema line."""
    comments = fmt.read_comments(path.read_text(encoding="utf-8"))
    if not comments.comments:
        return None
    return {
        "anchors": [list(anchor) for anchor in comments.anchors],
        "comments": [[c.anchor, c.inline, c.text] for c in comments.comments],
    }


def metadata(project: Project) -> dict[str, Any]:
    """The schemas, schema lines, comments and quoting rules editor.js writes with."""
    root = project.root
    comments: dict[str, Any] = {}
    top = (PROVINCE_FILE, FEES_FILE, FIELDS_FILE) if project.is_province else (OFFICE_FILE, FIELDS_FILE)
    for file_name in top:
        if (root / file_name).is_file():
            found = comments_of(root / file_name)
            if found:
                comments[fmt.TOP_FILES[file_name]] = found
    for office in project.offices:
        found = comments_of(office.source)
        if found:
            comments[f"office-profile:{office.id}"] = found
    for code, path in sorted(project.sources.items()):
        found = comments_of(path)
        if found:
            comments[f"procedure:{code}"] = found
    for path in form_files(root):
        found = comments_of(path)
        if found:
            comments[f"form:{path.stem}"] = found
    field = project.fields[0].id if project.fields else "linh-vuc"
    refs = {
        "procedure": fmt.schema_ref(root / field / "x.yml", "procedure"),
        "form": fmt.schema_ref(root / FORMS_FOLDER / "x.yml", "form"),
    }
    for file_name in top:
        refs[fmt.TOP_FILES[file_name]] = fmt.schema_ref(root / file_name, fmt.TOP_FILES[file_name])
    if project.is_province:
        refs["office-profile"] = fmt.schema_ref(root / OFFICES_FOLDER / "x.yml", "office-profile")
    meta: dict[str, Any] = {
        "schemas": {name: json_schema(model) for name, model in SCHEMAS.items() if name in refs},
        "schemaRefs": refs,
        "schemaLine": fmt.SCHEMA_LINE,
        "comments": comments,
        "header": fmt.HEADER,
        "indent": fmt.INDENT,
        "quotedKeys": sorted(fmt.QUOTED_KEYS),
        "words": fmt.WORDS,
        "numberOrDate": fmt.NUMBER_OR_DATE,
        "indicators": fmt.INDICATORS,
        "invisible": fmt.INVISIBLE,
        "emptyFeeKey": "fee",
    }
    if project.is_province:
        # Which office's file the form holds (the editor hands over its values only): by name, else by the
        # former communes; a save that changes both loses the file's comments.
        meta["offices"] = [[o.id, o.profile.name, o.profile.former] for o in project.offices]
    return meta


def writer_script() -> str:
    return resources.files(__package__).joinpath("editor.js").read_text(encoding="utf-8")


def index_page(office_name: str) -> str:
    return (
        "<!doctype html>\n"
        '<html lang="vi">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="robots" content="noindex">\n'
        f"<title>Sửa thủ tục – {html.escape(office_name)}</title>\n"
        f'<link rel="cms-config-url" type="application/yaml" href="{CONFIG}">\n'
        "</head>\n<body>\n"
        f'<script src="{SCRIPT}"></script>\n<script src="{WRITER}"></script>\n'
        "</body>\n</html>\n"
    )


def github_repo(repo_url: str | None, edit_uri: str | None) -> tuple[str, str] | None:
    """``("owner/name", branch)`` of a GitHub ``repo_url`` (the branch from an ``edit/<branch>/`` edit URI)."""
    found = re.fullmatch(
        r"https://github\.com/([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+?)(?:\.git)?/?", repo_url or ""
    )
    if not found:
        return None
    branch = re.match(r"/?(?:edit|blob|tree)/([^/]+)/", edit_uri or "")
    return found.group(1), branch.group(1) if branch else "main"


def config_text(settings: dict[str, Any]) -> str:
    """The configuration as YAML: what the collections share is written once (an anchor and aliases)."""
    return yaml.dump(settings, Dumper=yaml.SafeDumper, allow_unicode=True, sort_keys=False, width=10_000)


def admin_files(
    project: Project,
    *,
    repository: Path,
    repo_url: str | None,
    edit_uri: str | None,
    site_url: str,
    auth_url: str | None = None,
) -> dict[str, str | bytes]:
    """Every file of ``/admin/``, by site path; nothing without a GitHub ``repo_url`` (there is nowhere to
    save to). ``repository`` is the repository folder (where mkdocs.yml is). A province has one editor, at
    its root: the records, its own files and every office's."""
    found = github_repo(repo_url, edit_uri)
    if found is None:
        return {}
    repo, branch = found
    try:
        procedures = project.root.resolve().relative_to(repository.resolve()).as_posix()
    except ValueError:
        raise PhieuError(
            f"thư mục thủ tục {project.root} nằm ngoài kho {repository}: trình soạn thảo /admin/ không lưu được vào đó"
        ) from None
    settings = config(
        project, procedures=procedures, repo=repo, branch=branch, site_url=site_url, auth_url=auth_url
    )
    owner = project.province.name if project.province else project.catalogs()[0][1].office.name
    files: dict[str, str | bytes] = {
        INDEX: index_page(owner),
        CONFIG: config_text(settings),
        METADATA: json.dumps(metadata(project), ensure_ascii=False, separators=(",", ":")),
        WRITER: writer_script(),
        **vendor_files(),
    }
    return {urls.admin(name): content for name, content in files.items()}
