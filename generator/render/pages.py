"""Render the generated web pages (procedure, field index, A–Z) as Markdown documents.

Each document is front matter plus one raw HTML block rendered by Jinja2 with
autoescape on, so no YAML value is ever read as Markdown or HTML. MkDocs does
not rewrite links inside raw HTML, so links here are computed relative to the
page that holds them.
"""

from __future__ import annotations

import html
import json
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

import jinja2

from .. import urls
from ..load import Catalog
from ..model import Procedure, SharedForm
from . import forms, share, templates, text

CHANNEL_NAMES = {"in_person": "Nộp trực tiếp", "post": "Qua dịch vụ bưu chính", "online": "Nộp trực tuyến"}
LEVEL_NAMES = {"commune": "Cấp xã", "province": "Cấp tỉnh", "district": "Cấp huyện (trước 01/7/2025)"}


@dataclass(frozen=True)
class GeneratedPage:
    """One generated page: where it goes and its Markdown source."""

    src_uri: str
    """Path inside the docs tree, e.g. ``p/1.001193.md`` (served at ``p/1.001193/``)."""
    markdown: str
    """Front matter and body."""


def relative(from_url: str, to_url: str) -> str:
    """Relative link between two site-relative directory URLs (``p/x/`` → ``../../f/y/``)."""
    target = posixpath.relpath(to_url or ".", from_url or ".")
    if to_url.endswith("/") and not target.endswith("/"):
        target += "/"
    return "./" if target == "./" else target


def environment(theme_dir: Path) -> jinja2.Environment:
    """The page templates' environment, with the names they share."""
    env = templates.environment(theme_dir / "pages")
    env.globals.update(channel_names=CHANNEL_NAMES, level_names=LEVEL_NAMES, ask=text.ASK_AT_COUNTER)
    return env


#: Characters JSON leaves raw that a YAML reader refuses (DEL, C1 controls, non-characters) or folds
#: as line breaks. Unreadable front matter would be rendered as Markdown, title and all.
_YAML_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")


def _yaml_string(value: str) -> str:
    """A double-quoted YAML string (JSON, with the characters above escaped) that reads back as ``value``."""
    return _YAML_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(value, ensure_ascii=False))


def _document(title: str, body: str, description: str | None = None, *, searchable: bool = True) -> str:
    # JSON strings are valid YAML; the title is HTML-escaped because MkDocs and
    # Material print page titles into HTML without escaping them.
    meta = {"title": html.escape(title)}
    if description:
        meta["description"] = html.escape(description)
    front = "\n".join(f"{key}: {_yaml_string(value)}" for key, value in meta.items())
    if not searchable:
        front += "\nsearch:\n  exclude: true"
    # Blank lines would end the raw HTML block early; the templates never need them.
    body = "\n".join(line for line in body.splitlines() if line.strip())
    return f"---\n{front}\n---\n\n{body}\n"


class PageRenderer:
    """Renders every generated page of a catalog."""

    def __init__(
        self, catalog: Catalog, theme_dir: Path, *, site_url: str | None = None, in_province: bool = False
    ):
        self.catalog = catalog
        self.site_url = site_url or catalog.office.site_url
        self.env = environment(theme_dir)
        self.in_province = in_province
        """One office of a province's site: its pages also show its phone (a single office's do not, so
        that its site stays as it was)."""

    def version(self, procedure: Procedure) -> str:
        field = self.catalog.field(procedure.field)
        return text.content_version(procedure, self.catalog.office, field, self.site_url)

    def procedure(self, procedure: Procedure) -> GeneratedPage:
        here = urls.page(procedure.code)
        replacement = self.catalog.procedure(procedure.replaced_by) if procedure.replaced_by else None
        version = self.version(procedure)
        body = self.env.get_template("procedure.html.j2").render(
            p=procedure,
            office=self.catalog.office,
            offices=None,
            home_url=None,
            show_phone=self.in_province,
            field=self.catalog.field(procedure.field),
            field_url=relative(here, urls.field(procedure.field)),
            replacement=replacement,
            replacement_url=replacement and relative(here, urls.page(replacement.code)),
            slip_url=relative(here, urls.slip(procedure.code)),
            shared_forms={
                f.id: {
                    "form": f,
                    "fill": relative(here, urls.form(f.id)),
                    "sample": relative(here, urls.form_sample(f.id)),
                }
                for f in forms.used_by(procedure, self.catalog.forms)
            },
            version=version,
            storage_key=f"phieu:{procedure.code}:{version}",
            short_url=urls.absolute(self.catalog.office, here, self.site_url),
        )
        return GeneratedPage(
            urls.page_source(procedure.code), _document(procedure.name, body, procedure.summary)
        )

    def share_head(self, procedure: Procedure) -> str:
        """The ``<head>`` tags a shared link to the procedure's page shows (Open Graph, JSON-LD)."""
        field = self.catalog.field(procedure.field)
        data = share.share_data(procedure, self.catalog.office, field, self.site_url)
        return self.env.get_template("share.html.j2").render(s=data).strip()

    def field(self, field_id: str) -> GeneratedPage:
        here = urls.field(field_id)
        info = self.catalog.field(field_id)
        procedures = sorted(
            self.catalog.in_field(field_id), key=lambda p: (not p.in_force, text.fold(p.name))
        )
        body = self.env.get_template("field.html.j2").render(
            field=info,
            procedures=procedures,
            links={p.code: relative(here, urls.page(p.code)) for p in procedures},
            poster_url=relative(here, urls.poster(field_id)),
        )
        return GeneratedPage(urls.field_source(field_id), _document(info.name, body, info.description))

    def az(self) -> GeneratedPage:
        here = urls.AZ
        groups: dict[str, list[Procedure]] = {}
        for p in sorted(self.catalog.procedures, key=lambda p: (text.fold(p.name), p.name)):
            groups.setdefault(p.name[0].upper(), []).append(p)
        body = self.env.get_template("az.html.j2").render(
            groups=groups,
            links={p.code: relative(here, urls.page(p.code)) for p in self.catalog.procedures},
            fields={f.id: f.name for f in self.catalog.fields},
        )
        # Every name is already indexed on its own page.
        return GeneratedPage(urls.AZ_SOURCE, _document("Tra cứu thủ tục từ A đến Z", body, searchable=False))

    def field_list(self, from_url: str) -> str:
        """The home page's list of fields with their counts, as an HTML fragment."""
        counts = {f.id: sum(p.in_force for p in self.catalog.in_field(f.id)) for f in self.catalog.fields}
        body = self.env.get_template("fields.html.j2").render(
            fields=self.catalog.fields,
            counts=counts,
            links={f.id: relative(from_url, urls.field(f.id)) for f in self.catalog.fields},
            az_url=relative(from_url, urls.AZ),
        )
        return "\n".join(line for line in body.splitlines() if line.strip())

    def office_card(self, from_url: str) -> str:
        """An office of a province: its address, reception points, hours and phone, as an HTML fragment
        for its home page, with a link back to the province's list of offices."""
        body = self.env.get_template("office-card.html.j2").render(
            office=self.catalog.office, province_url=relative(from_url, "../")
        )
        return "\n".join(line for line in body.splitlines() if line.strip())

    def form(self, form: SharedForm) -> GeneratedPage:
        """The page where ``form`` is filled in on the phone and printed."""
        here = urls.form(form.id)
        users = [p for p in self.catalog.procedures if form in forms.used_by(p, self.catalog.forms)]
        body = self.env.get_template("form.html.j2").render(
            **forms.page_context(
                form,
                sample_url=relative(here, urls.form_sample(form.id)),
                script_url=relative(here, urls.FORM_SCRIPT),
                style_url=relative(here, urls.FORM_STYLE),
                procedures=[(p.name, relative(here, urls.page(p.code))) for p in users],
            )
        )
        description = (
            f"Điền {form.name.lower()} trên điện thoại rồi in theo mẫu; có mẫu đã điền sẵn để tham khảo."
        )
        return GeneratedPage(urls.form_source(form.id), _document(form.name, body, description))

    def all(self) -> list[GeneratedPage]:
        pages = [self.procedure(p) for p in self.catalog.procedures]
        pages += [self.field(f.id) for f in self.catalog.fields]
        pages.append(self.az())
        pages += [self.form(f) for _, f in sorted(self.catalog.forms.items())]
        return pages

    def search_terms(self, procedure: Procedure) -> str:
        """Extra words for the search index: keywords as typed, and everything folded."""
        words = [procedure.name, procedure.code, *procedure.keywords]
        return " ".join([*procedure.keywords, *(text.fold(w) for w in words)])
