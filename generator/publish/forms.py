"""The filled samples of the national forms: one A4 PDF per form, made with WeasyPrint and kept in the build
cache under a key that hashes everything they print (the form, ``theme/forms/``, the rendering libraries and
the phieu version), so a build remakes only the samples whose inputs changed.
"""

from __future__ import annotations

from pathlib import Path

from .. import __version__, urls
from ..digest import digest
from ..errors import PhieuError
from ..model import SharedForm
from ..render.forms import SAMPLE_REVISION, FormRenderer
from ..render.slip import render_error
from .cache import PdfCache
from .outputs import Artifact
from .plan import folder_digest, library_versions

#: Subfolder of the build cache that holds the samples.
CACHE_FOLDER = "mau"


def sample_key(form: SharedForm, theme: str, libraries: dict[str, str]) -> str:
    return digest(("sample", __version__, SAMPLE_REVISION, libraries, theme, form.model_dump(mode="json")))


def form_samples(forms: dict[str, SharedForm], theme_dir: Path, cache_dir: Path | None) -> list[Artifact]:
    """Every form's filled sample, from the cache where its key is there; ``cache_dir`` None makes them all."""
    if not forms:
        return []
    theme = folder_digest(theme_dir / "forms")
    libraries = library_versions()
    cache = PdfCache(cache_dir / CACHE_FOLDER) if cache_dir is not None else None
    renderer: FormRenderer | None = None
    samples = []
    for form_id, form in sorted(forms.items()):
        key = sample_key(form, theme, libraries)
        pdf = cache.get(key) if cache is not None else None
        reused = pdf is not None
        if pdf is None:
            renderer = renderer or FormRenderer(theme_dir)
            try:
                pdf = renderer.sample(form)
            except PhieuError:
                raise
            except Exception as exc:
                raise render_error(f"mẫu điền sẵn {form_id}", exc) from exc
            if cache is not None:
                try:
                    cache.put(key, pdf)
                except OSError:
                    cache = None  # the site is complete all the same; the samples are made again next time
        samples.append(
            Artifact(
                urls.form_sample(form_id),
                "sample",
                f"Mẫu điền sẵn: {form.name}",
                pdf.content,
                pdf.pages,
                "A4",
                form.updated,
                reused,
            )
        )
    return samples
