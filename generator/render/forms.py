"""Render the national forms: a filled sample as an A4 PDF laid out like the official form (WeasyPrint,
templates under ``theme/forms/``), and a page where citizens fill the form in on the phone and print it
(``theme/pages/form.html.j2``; its script keeps what is typed on the phone).

WeasyPrint may read only files inside ``theme/forms/``, as the slips may read only ``theme/slip/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from ..model import FormInput, FormSection, InputKind, Procedure, SharedForm
from . import templates
from .slip import PDF_OPTIONS, TIME_LIMIT_S, Pdf, ThemeOnlyFetcher, time_limit

WATERMARK = "MẪU — KHÔNG DÙNG ĐỂ NỘP"
"""Printed across every page of a filled sample: it shows how to fill the form in, it is not one."""
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
SIGNATURE_HINT = "(Ký, ghi rõ họ, chữ đệm, tên)"
#: A sample longer than this is also written under its input: a phone shows only the start of a placeholder.
EXAMPLE_INLINE = 28
#: Bump when the sample's rendering changes in a way its inputs do not show: part of its cache key.
SAMPLE_REVISION = 1


def answers(form: SharedForm) -> dict[str, str]:
    """The sample value of every input, by id: what the filled sample answers."""
    return {i.id: i.sample for i in form.inputs}


def applies(form: SharedForm, item: FormInput, values: dict[str, str]) -> bool:
    """Whether ``item`` is to be filled in, given the other inputs' ``values`` (conditions may chain)."""
    by_id = {i.id: i for i in form.inputs}
    seen: set[str] = set()
    while item.when is not None and item.id not in seen:
        seen.add(item.id)
        if values.get(item.when.field) != item.when.equals:
            return False
        item = by_id[item.when.field]
    return True


#: A label or a text after an input longer than this makes its line flow like a sentence, the answer
#: underlined where it falls, instead of a ruled line with the label beside it.
SENTENCE_LABEL = 48
SENTENCE_AFTER = 24


@dataclass(frozen=True)
class Row:
    """One printed line of a form: its inputs side by side."""

    inputs: tuple[FormInput, ...]

    @property
    def sentence(self) -> bool:
        """A line that reads as a sentence with a blank in it ("Tôi cam đoan việc nhận … nói trên là…")."""
        return any(
            len(i.after or "") > SENTENCE_AFTER or len(i.label) > SENTENCE_LABEL or i.kind is InputKind.long
            for i in self.inputs
        )


def rows(section: FormSection) -> list[Row]:
    """The printed lines of a section: an ``inline`` input joins the line before it; questions that are
    not printed are left out."""
    lines: list[list[FormInput]] = []
    for item in section.inputs:
        if not item.printed:
            continue
        if item.inline and lines:
            lines[-1].append(item)
        else:
            lines.append([item])
    return [Row(tuple(line)) for line in lines]


def blocks(form: SharedForm) -> list[tuple[FormSection, FormSection | None]]:
    """The sections in printed order, each with the section printed beside it as a second column."""
    out: list[tuple[FormSection, FormSection | None]] = []
    for section in form.sections:
        if section.beside and out:
            out[-1] = (out[-1][0], section)
        else:
            out.append((section, None))
    return out


def printed_samples(form: SharedForm) -> list[str]:
    """Every sample value a filled sample prints: the printed inputs that apply to the sample."""
    values = answers(form)
    return [i.sample for i in form.inputs if i.printed and applies(form, i, values)]


def _paper_globals(env) -> None:
    env.globals.update(
        nation=NATION,
        motto=MOTTO,
        signature_hint=SIGNATURE_HINT,
        rows=rows,
        blocks=blocks,
    )


class FormRenderer:
    """Turns national forms into filled-sample PDFs."""

    def __init__(self, theme_dir: Path):
        self.assets = (theme_dir / "forms").resolve()
        self.env = templates.environment(self.assets)
        _paper_globals(self.env)
        self.fetcher = ThemeOnlyFetcher(self.assets)
        self.fonts = FontConfiguration()
        self.base_url = self.assets.as_uri() + "/"
        self.stylesheet = CSS(
            filename=str(self.assets / "form.css"), font_config=self.fonts, url_fetcher=self.fetcher
        )

    def sample_html(self, form: SharedForm) -> str:
        values = answers(form)
        return self.env.get_template("sample.html.j2").render(
            form=form,
            values=values,
            applies=lambda item: applies(form, item, values),
            watermark=WATERMARK,
        )

    def sample(self, form: SharedForm) -> Pdf:
        """The filled sample of ``form``: A4, the sample values in blue, the watermark on every page."""
        with time_limit(TIME_LIMIT_S):
            document = HTML(
                string=self.sample_html(form), base_url=self.base_url, url_fetcher=self.fetcher
            ).render(stylesheets=[self.stylesheet], font_config=self.fonts)
            return Pdf(document.write_pdf(**PDF_OPTIONS), len(document.pages))


def used_by(procedure: Procedure, forms: dict[str, SharedForm]) -> list[SharedForm]:
    """The national forms a procedure's documents name, in the order they are first named."""
    ids = dict.fromkeys(d.form for c in procedure.cases for d in c.documents if d.form in forms)
    return [forms[i] for i in ids if i is not None]


def page_context(
    form: SharedForm, *, sample_url: str, script_url: str, style_url: str, procedures: list[tuple[str, str]]
) -> dict:
    """What the fill-in page's template sees; ``procedures`` are (name, link) of the procedures whose
    documents name the form. The stored answers are kept per form, so that a new version of the form
    (``updated``) starts empty rather than fill moved inputs with old answers."""
    return {
        "form": form,
        "notes": {n.mark: n.text for n in form.notes},
        "sample_url": sample_url,
        "script_url": script_url,
        "style_url": style_url,
        "procedures": procedures,
        "storage_key": f"phieu:mau:{form.id}:{form.updated.isoformat()}",
        "nation": NATION,
        "motto": MOTTO,
        "signature_hint": SIGNATURE_HINT,
        "blocks": blocks,
        "example_inline": EXAMPLE_INLINE,
    }
