"""The preview images of shared links, one per field, drawn once and kept in the build cache."""

from __future__ import annotations

from pathlib import Path

from .. import __version__, urls
from ..digest import digest
from ..errors import os_reason
from ..load import Catalog
from ..render import share
from .cache import FileCache
from .notice import tell_once

#: Bump when the drawing in ``render/share.py`` changes: it is part of every image's cache key.
IMAGE_REVISION = 1
IMAGES_UNCACHED = "Không ghi được bộ nhớ đệm ảnh xem trước {root}: {error}. Trang vẫn dựng đủ; lần sau các ảnh sẽ được vẽ lại."


def share_images(catalog: Catalog, cache_dir: Path | None) -> dict[str, bytes]:
    """Each field's preview image by site path; drawn only when its field or the office changed (every
    time without a cache folder)."""
    cache = FileCache(cache_dir, ".png") if cache_dir is not None else None
    office = catalog.office
    out: dict[str, bytes] = {}
    for field in catalog.fields:
        key = digest(
            (
                "share-image",
                __version__,
                IMAGE_REVISION,
                share.IMAGE_SIZE,
                field.model_dump(mode="json"),
                office.name,
                office.province,
            )
        )
        found = cache.get_file(key) if cache is not None else None
        if found is not None:
            out[urls.share_image(field.id)] = found[0]
            continue
        content = share.preview_image(field, office)
        if cache is not None:
            try:
                cache.put_file(key, content)
            except OSError as exc:  # the site is complete all the same: a notice, not a failure
                tell_once(IMAGES_UNCACHED.format(root=cache_dir, error=os_reason(exc)))
                cache = None
        out[urls.share_image(field.id)] = content
    return out
