"""Wording shared by pages and slips: fees, counts, dates, folded search text, versions."""

from __future__ import annotations

import datetime as dt
import functools
import unicodedata

from .. import urls
from ..digest import digest
from ..model import Action, Document, Fee, FieldInfo, Office, Procedure

ASK_AT_COUNTER = "Hỏi tại quầy"


def fee_text(fee: Fee) -> str:
    """What a citizen is told about a fee. An unverified amount is never shown."""
    if not fee.shown:
        return ASK_AT_COUNTER
    if fee.text:
        return fee.text
    return "Miễn phí" if fee.amount == 0 else f"{money(fee.amount or 0)}"


def money(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đồng"


def copies_text(doc: Document) -> str:
    """How many of a document to bring, and whether it is handed in: "1 bản chính, 2 bản sao"."""
    parts = []
    if doc.originals:
        parts.append(f"{doc.originals} bản chính")
    if doc.copies:
        parts.append(f"{doc.copies} bản sao")
    counted = ", ".join(parts)
    if doc.action is Action.show:
        return f"Xuất trình {counted}, không nộp" if counted else "Xuất trình, không nộp"
    return counted


#: How a document name that says when it is needed begins or ends (folded): such a name needs no "(nếu có)".
_SAYS_WHEN = ("neu ", "khi ", "chi khi ", "truong hop ", "doi voi ")


def optional_mark(name: str, optional: bool) -> bool:
    """Whether "(nếu có)" follows a document's printed name: it is optional and the name does not already
    say when it is needed ("Nếu nhờ người khác làm thay: …", "Trường hợp …", "… (nếu có)")."""
    if not optional:
        return False
    folded = fold(" ".join(name.split()))
    return not (folded.startswith(_SAYS_WHEN) or folded.rstrip(" .;").endswith("(neu co)"))


def date_vi(day: dt.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else "chưa đối chiếu"


_FOLD = str.maketrans({"đ": "d", "Đ": "D"})


@functools.lru_cache(maxsize=1 << 16)  # the same names fold again for every office and every build step
def fold(text: str) -> str:
    """Vietnamese text without diacritics, lower case: "Đăng ký" → "dang ky"."""
    decomposed = unicodedata.normalize("NFD", text.translate(_FOLD))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def printed_payload(procedure: Procedure, office: Office, field: FieldInfo, site_url: str) -> dict:
    """Everything a slip prints, as the text it prints, and nothing else.

    The slip template sees only these values (plus the version and the QR code drawn from ``url``), so
    the two cannot drift: whatever the template shows is here, and a change outside it (the legal
    basis, a fee's source, a case id) changes neither the paper nor the version. Choices of what is
    shown (a fee nobody verified, the heading of a lone case, the status of a procedure in force)
    are made here, not in the template. Runs of white space are one space, as on paper.
    """
    many_cases = len(procedure.cases) > 1
    payload = {
        "office": {
            "name": office.name,
            "unit": office.unit,
            "address": office.address,
            "hours": list(office.hours),
            "phone": office.phone,
            **reception_points(office),
        },
        "field": field.name,
        "code": procedure.code,
        "name": procedure.name,
        # What the QR code opens and the slip prints under it: a countable address that forwards to the page.
        "url": urls.absolute(office, urls.scan(procedure.code), site_url),
        "status": None if procedure.in_force else procedure.status.value,
        "replaced_by": None if procedure.in_force else procedure.replaced_by,
        "cases": [
            {
                "name": case.name if many_cases else None,
                "time": case.time,
                "fee": fee_text(case.fee),
                "documents": [
                    # The slip prints the short name staff wrote, if any, in place of the official name and
                    # its note; the page always shows both in full.
                    {
                        "name": d.short or d.name,
                        "optional": optional_mark(d.short or d.name, d.optional),
                        "note": None if d.short else d.note,
                        "count": copies_text(d),
                    }
                    for d in case.documents
                ],
            }
            for case in procedure.cases
        ],
        "counter": procedure.local.counter,
        "same_visit": procedure.local.same_visit if procedure.in_force else None,
        "online": [c.time for c in procedure.channels if c.kind == "online"],
        "updated": date_vi(procedure.updated),
    }
    return _one_spaced(payload)


def reception_points(office: Office) -> dict:
    """The office's other reception points as printed (slips and posters list them after its own address),
    under ``reception``; nothing for an office that has none, so that its slips' versions stay what they were
    before offices could have several points (a changed version asks for a reprint)."""
    if not office.reception:
        return {}
    return {
        "reception": [
            {"name": p.name, "address": p.address, "hours": list(p.hours), "phone": p.phone}
            for p in office.reception
        ]
    }


def poster_payload(field: FieldInfo, procedures: list[Procedure], office: Office, site_url: str) -> dict:
    """Everything a field's poster prints, and nothing else: its version decides whether it is reprinted.

    ``procedures`` are the field's procedures; the poster lists those in force, A–Z as citizens look.
    """
    listed = sorted((p for p in procedures if p.in_force), key=lambda p: (fold(p.name), p.code))
    updated = max((p.updated for p in listed), default=None)
    payload = {
        "office": {
            "name": office.name,
            "unit": office.unit,
            "address": office.address,
            "hours": list(office.hours),
            **reception_points(office),
        },
        "field": field.name,
        "url": urls.absolute(office, urls.field_scan(field.id), site_url),
        "procedures": [{"name": p.name, "code": p.code, "same_visit": p.local.same_visit} for p in listed],
        "updated": updated.isoformat() if updated else None,
        "updated_vi": date_vi(updated) if updated else None,
    }
    return _one_spaced(payload)


def _one_spaced(value):
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, list):
        return [_one_spaced(v) for v in value]
    if isinstance(value, dict):
        return {k: _one_spaced(v) for k, v in value.items()}
    return value


def version_of(payload: dict) -> str:
    """The short version printed in a slip's footer: a hash of its printed payload."""
    return digest(payload)[:8]


def content_version(procedure: Procedure, office: Office, field: FieldInfo, site_url: str) -> str:
    """Short version printed on the slip and shown on the page, so staff can match them."""
    return version_of(printed_payload(procedure, office, field, site_url))
