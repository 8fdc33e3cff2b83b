"""What a procedure page shows when it is shared in Zalo or Facebook: Open Graph and Twitter card tags,
schema.org ``GovernmentService`` data, and a small preview image per field (a PNG drawn here, with no
network and no browser). The page itself never loads the image: only link previews fetch it.
"""

from __future__ import annotations

import io
import json
from functools import cache

from PIL import Image, ImageDraw, ImageFont

from .. import urls
from ..errors import RenderError
from ..model import ChannelKind, FieldInfo, Office, Procedure
from . import text

IMAGE_SIZE = (1200, 630)
"""The size Facebook and Zalo show large; both refuse SVG."""
#: Fonts tried in order (Debian: fonts-noto-core, then fonts-dejavu-core); both cover Vietnamese.
FONTS = {
    "regular": ("NotoSans-Regular.ttf", "DejaVuSans.ttf"),
    "bold": ("NotoSans-Bold.ttf", "DejaVuSans-Bold.ttf"),
}
_INK, _PAPER, _BAND, _SOFT = (26, 35, 126), (255, 255, 255), (40, 53, 147), (197, 202, 233)
_MARGIN = 72
_STATUS = {"abolished": "Thủ tục đã bãi bỏ.", "replaced": "Thủ tục đã được thay thế."}
#: Link previews cut long descriptions anyway; a whole short sentence reads better than a cut one.
DESCRIPTION_MAX = 300


def description(procedure: Procedure, office: Office) -> str:
    """One line for a shared link: what the procedure is, its fee and time, and the office."""
    parts = [_STATUS.get(procedure.status.value, "")]
    parts.append(_sentence(procedure.summary or procedure.name))
    if len(procedure.cases) == 1:
        case = procedure.cases[0]
        parts.append(f"Lệ phí: {_sentence(text.fee_text(case.fee))} Thời hạn: {_sentence(case.time)}")
    else:
        parts.append("Lệ phí và thời hạn tùy trường hợp.")
    parts.append(_sentence(f"{office.unit}, {office.name}"))
    line = " ".join(" ".join(p.split()) for p in parts if p)
    if len(line) <= DESCRIPTION_MAX:
        return line
    return line[: DESCRIPTION_MAX - 1].rsplit(" ", 1)[0] + "…"


def _sentence(value: str) -> str:
    value = " ".join(value.split())
    return value if value.endswith((".", "!", "?", "…")) else value + "."


def government_service(procedure: Procedure, office: Office, field: FieldInfo, url: str) -> dict:
    """schema.org ``GovernmentService`` of a procedure in force: only what the page says, and only fees
    someone verified."""
    provider = {"@type": "GovernmentOrganization", "name": office.name, "address": office.address}
    channels = []
    for channel in procedure.channels:
        entry: dict = {
            "@type": "ServiceChannel",
            "name": _CHANNELS[channel.kind],
            "description": channel.time,
        }
        if channel.kind == ChannelKind.in_person:
            entry["serviceLocation"] = {"@type": "Place", "name": office.unit, "address": office.address}
        if channel.url:
            entry["serviceUrl"] = channel.url
        channels.append(entry)
    offers = [
        {"@type": "Offer", "name": case.name, "price": case.fee.amount, "priceCurrency": "VND"}
        for case in procedure.cases
        if case.fee.shown and case.fee.amount is not None
    ]
    data: dict = {
        "@context": "https://schema.org",
        "@type": "GovernmentService",
        "name": procedure.name,
        "identifier": procedure.code,
        "url": url,
        "serviceType": field.name,
        "provider": provider,
        "audience": {"@type": "Audience", "audienceType": "; ".join(procedure.who)},
        "availableChannel": channels,
    }
    if procedure.summary:
        data["description"] = procedure.summary
    if offers:
        data["offers"] = offers
    return data


_CHANNELS = {
    ChannelKind.in_person: "Nộp trực tiếp",
    ChannelKind.post: "Qua dịch vụ bưu chính",
    ChannelKind.online: "Nộp trực tuyến",
}


def json_for_script(data: dict) -> str:
    """JSON safe inside ``<script>``: no ``</script>``, no ``<!--``, whatever the YAML said."""
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return raw.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def share_data(procedure: Procedure, office: Office, field: FieldInfo, site_url: str) -> dict:
    """What the share tags of a procedure page say (the template escapes every value)."""
    url = urls.absolute(office, urls.page(procedure.code), site_url)
    jsonld = government_service(procedure, office, field, url) if procedure.in_force else None
    return {
        "title": procedure.name,
        "description": description(procedure, office),
        "site_name": office.name,
        "url": url,
        "image": urls.absolute(office, urls.share_image(field.id), site_url),
        "image_alt": f"{field.name}: phiếu hướng dẫn thủ tục hành chính, {office.name}",
        "image_size": IMAGE_SIZE,
        "jsonld": json_for_script(jsonld) if jsonld else None,
    }


# --------------------------------------------------------------------------- the preview image


@cache
def _font(weight: str, size: int) -> ImageFont.FreeTypeFont:
    for name in FONTS[weight]:
        try:
            return ImageFont.truetype(name, size)  # Pillow looks in the system font folders
        except OSError:
            continue
    raise RenderError(
        f"không tìm thấy phông chữ {' hoặc '.join(FONTS[weight])} để vẽ ảnh xem trước "
        "(cài: apt-get install fonts-noto-core)"
    )


def _lines(
    draw: ImageDraw.ImageDraw, value: str, font: ImageFont.FreeTypeFont, width: int, most: int
) -> list[str]:
    """``value`` wrapped to ``width`` pixels in at most ``most`` lines, the last one cut with "…"."""
    lines: list[str] = []
    for word in " ".join(value.split()).split(" "):
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    if len(lines) > most:
        lines = lines[:most]
        lines[-1] += "…"
    for i, line in enumerate(lines):  # a single word wider than the line is cut too
        while draw.textlength(line, font=font) > width and len(line) > 1:
            line = line[:-2] + "…"
        lines[i] = line
    return lines


def preview_image(field: FieldInfo, office: Office) -> bytes:
    """The 1200×630 PNG shown with a shared link to any page of ``field``."""
    width, height = IMAGE_SIZE
    image = Image.new("RGB", IMAGE_SIZE, _PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, 150), fill=_BAND)
    small, label = _font("bold", 30), _font("regular", 34)
    draw.text((_MARGIN, 56), "PHIẾU HƯỚNG DẪN THỦ TỤC HÀNH CHÍNH", font=small, fill=_PAPER)
    text_width = width - 2 * _MARGIN - 260
    y = 200
    big = _font("bold", 84)
    for line in _lines(draw, field.name, big, text_width, 2):
        draw.text((_MARGIN, y), line, font=big, fill=_INK)
        y += 104
    y += 8
    for line in _lines(draw, field.description or "", label, text_width, 3):
        draw.text((_MARGIN, y), line, font=label, fill=(51, 51, 51))
        y += 48
    draw.line((_MARGIN, height - 110, width - _MARGIN, height - 110), fill=_SOFT, width=3)
    where = f"{office.name}, {office.province}"
    for line in _lines(draw, where, label, width - 2 * _MARGIN, 1):
        draw.text((_MARGIN, height - 86), line, font=label, fill=_INK)
    _checklist(draw, width - _MARGIN - 200, 210)
    out = io.BytesIO()
    image.save(out, "PNG")  # no text chunks or times: the same inputs give the same bytes
    return out.getvalue()


def _checklist(draw: ImageDraw.ImageDraw, x: int, y: int) -> None:
    """A ticked list: what the page helps with, drawn as shapes (no icon font, no file)."""
    for row in range(3):
        top = y + row * 86
        draw.rounded_rectangle((x, top, x + 56, top + 56), radius=8, outline=_INK, width=6)
        draw.line((x + 12, top + 30, x + 25, top + 43, x + 46, top + 14), fill=_INK, width=8, joint="curve")
        draw.rounded_rectangle((x + 80, top + 20, x + 200, top + 36), radius=8, fill=_SOFT)
