"""Redirects: the old URLs of renamed procedure codes and field ids keep working.

A renamed procedure code or field id is declared in ``redirects.yml`` (project
root, not in ``procedures/``, where every ``.yml`` is a procedure)::

    procedures:
      "1.000001": "1.000009"   # mã cũ: mã mới
    fields:
      ho-tich-cu: ho-tich

For each entry the build emits a redirect page (meta refresh and a canonical
link, since GitHub Pages has no server-side redirects) at the old page URL,
and a copy of the new PDF at the old PDF path (a PDF cannot redirect).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import yaml

from .. import urls
from ..errors import DataError, Problem, display_path
from ..load import Catalog
from ..model import SLUG_PATTERN, code_is_valid
from ..render import templates
from .impose import LAYOUTS

REDIRECTS_FILE = "redirects.yml"


@dataclass(frozen=True)
class Redirects:
    """Declared renames: old procedure code → new code, old field id → new id."""

    procedures: dict[str, str] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)
    path: Path | None = None
    places: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    """(section, old) → (line, column) of the declaration, for error messages."""

    def __bool__(self) -> bool:
        return bool(self.procedures or self.fields)


def _nodes(node: yaml.Node) -> Iterator[tuple[yaml.ScalarNode, yaml.ScalarNode]]:
    yield from node.value


def load_redirects(path: Path) -> Redirects:
    """Read ``redirects.yml``; a missing file means no redirects. Errors carry ``path:line:col``."""
    if not path.is_file():
        return Redirects(path=path)
    shown = display_path(path)
    problems: list[Problem] = []

    def problem(node: yaml.Node, message: str) -> None:
        mark = node.start_mark
        problems.append(Problem(shown, mark.line + 1, mark.column + 1, message))

    try:
        # Composed, not constructed: scalars stay strings ("1.001190" must not become 1.00119).
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (yaml.YAMLError, UnicodeDecodeError, OSError) as exc:
        mark = getattr(exc, "problem_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = f"không đọc được tệp chuyển hướng: {exc}"
        raise DataError([Problem(shown, line, col, message)]) from exc
    if root is None:
        return Redirects(path=path)
    result: dict[str, dict[str, str]] = {"procedures": {}, "fields": {}}
    places: dict[tuple[str, str], tuple[int, int]] = {}
    if not isinstance(root, yaml.MappingNode):
        message = "tệp chuyển hướng phải có mục 'procedures:' và/hoặc 'fields:'"
        raise DataError([Problem(shown, 1, 1, message)])
    for key, value in _nodes(root):
        section = key.value if isinstance(key, yaml.ScalarNode) else None
        if section not in result:
            problem(key, f"mục không hợp lệ '{section}'; chỉ dùng 'procedures' hoặc 'fields'")
            continue
        if isinstance(value, yaml.ScalarNode) and value.value in ("", "~", "null"):
            continue
        if not isinstance(value, yaml.MappingNode):
            problem(value, f"mục '{section}' phải là danh sách dạng 'cũ: mới'")
            continue
        pattern_ok = code_is_valid if section == "procedures" else _slug_is_valid
        wanted = 'mã thủ tục (ví dụ "1.001193")' if section == "procedures" else "mã lĩnh vực (ví dụ ho-tich)"
        for old_node, new_node in _nodes(value):
            scalars = isinstance(old_node, yaml.ScalarNode) and isinstance(new_node, yaml.ScalarNode)
            if not scalars:
                problem(old_node, 'mỗi dòng phải có dạng \'"mã cũ": "mã mới"\'')
                continue
            old, new = old_node.value.strip(), new_node.value.strip()
            bad = False
            for node, val in ((old_node, old), (new_node, new)):
                if not pattern_ok(val):
                    hint = "mỗi dòng có dạng 'mã cũ: mã mới'"
                    problem(node, f"'{val}' không phải {wanted}; {hint}")
                    bad = True
            if bad:
                continue
            if old in result[section]:
                problem(old_node, f"'{old}' đã khai báo chuyển hướng ở dòng trên")
            elif old == new:
                problem(old_node, f"'{old}' chuyển hướng tới chính nó")
            else:
                result[section][old] = new
                mark = old_node.start_mark
                places[(section, old)] = (mark.line + 1, mark.column + 1)
    if problems:
        raise DataError(problems)
    return Redirects(result["procedures"], result["fields"], path=path, places=places)


def _slug_is_valid(value: str) -> bool:
    return re.fullmatch(SLUG_PATTERN, value) is not None and len(value) <= 60


def check_redirects(redirects: Redirects, catalog: Catalog) -> list[Problem]:
    """Each redirect must lead to something that exists and must not hide something that exists."""
    shown = display_path(redirects.path) if redirects.path else REDIRECTS_FILE
    problems = []
    codes = {p.code for p in catalog.procedures}
    fields = {f.id for f in catalog.fields}
    for kind, mapping, existing, name in (
        ("procedures", redirects.procedures, codes, "thủ tục"),
        ("fields", redirects.fields, fields, "lĩnh vực"),
    ):
        for old in mapping:
            final = resolve(mapping, old)  # chains are followed: a → b → c
            line, col = redirects.places.get((kind, old), (1, 1))
            if old in existing:
                message = (
                    f"{name} '{old}' vẫn còn tệp dữ liệu nên không thể chuyển hướng; bỏ dòng này, "
                    f"hoặc giữ tệp và ghi 'status: replaced', 'replaced_by: \"{final}\"'"
                )
                problems.append(Problem(shown, line, col, message))
            elif final not in existing:
                message = f"'{old}' chuyển tới '{final}', nhưng không có {name} nào mã '{final}'"
                problems.append(Problem(shown, line, col, message))
    return problems


def checked_redirects(path: Path, catalog: Catalog) -> Redirects:
    """Load ``redirects.yml`` and check it against the catalog; raise :class:`DataError` listing every problem."""
    redirects = load_redirects(path)
    problems = check_redirects(redirects, catalog)
    if problems:
        raise DataError(problems)
    return redirects


def resolve(mapping: dict[str, str], old: str) -> str:
    """The end of a chain of renames (a → b → c gives c); stops on a loop."""
    new, seen = mapping[old], {old}
    while new in mapping and new not in seen:
        seen.add(new)
        new = mapping[new]
    return new


def redirect_page(env: jinja2.Environment, from_path: str, to_path: str, site_url: str, title: str) -> str:
    """A static redirect page: meta refresh, canonical link, and a visible link for people."""
    target = posixpath.relpath(to_path, from_path) + "/"
    canonical = site_url.rstrip("/") + "/" + to_path
    return env.get_template("redirect.html.j2").render(target=target, canonical=canonical, title=title) + "\n"


def redirect_pages(redirects: Redirects, site_url: str, theme_dir: Path) -> dict[str, str]:
    """A redirect page at each renamed procedure's and field's old URL: site path → HTML."""
    env = templates.environment(theme_dir / "pages")
    out: dict[str, str] = {}
    for old in sorted(redirects.procedures):
        new = resolve(redirects.procedures, old)
        old_url, new_url = urls.page(old), urls.page(new)
        out[old_url + "index.html"] = redirect_page(
            env, old_url, new_url, site_url, f"Thủ tục mã {old} nay có mã {new}"
        )
    for old in sorted(redirects.fields):
        new = resolve(redirects.fields, old)
        old_url, new_url = urls.field(old), urls.field(new)
        out[old_url + "index.html"] = redirect_page(
            env, old_url, new_url, site_url, f"Lĩnh vực '{old}' nay có mã '{new}'"
        )
    return out


def redirect_pdfs(redirects: Redirects, pdfs: dict[str, bytes]) -> dict[str, bytes]:
    """PDFs cannot redirect: each old slip, poster, table tent and pack URL gets a copy of the new PDF.

    ``pdfs`` are the published PDFs by site path.
    """
    out: dict[str, bytes] = {}
    for old in sorted(redirects.procedures):
        new = resolve(redirects.procedures, old)
        if urls.slip(new) in pdfs:
            out[urls.slip(old)] = pdfs[urls.slip(new)]
    for old in sorted(redirects.fields):
        new = resolve(redirects.fields, old)
        if urls.poster(new) in pdfs:
            out[urls.poster(old)] = pdfs[urls.poster(new)]
        for size in urls.PAPER_SIZES:
            if urls.pack(new, size) in pdfs:
                out[urls.pack(old, size)] = pdfs[urls.pack(new, size)]
        if urls.tent(new) in pdfs:
            out[urls.tent(old)] = pdfs[urls.tent(new)]
        for layout in LAYOUTS.values():
            if urls.imposed(new, layout.id) in pdfs:
                out[urls.imposed(old, layout.id)] = pdfs[urls.imposed(new, layout.id)]
    return out
