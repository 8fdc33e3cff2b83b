"""Wording shared by pages and slips: fees, counts, dates, folded search text, versions."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import unicodedata

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


def date_vi(day: dt.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else "chưa đối chiếu"


_FOLD = str.maketrans({"đ": "d", "Đ": "D"})


def fold(text: str) -> str:
    """Vietnamese text without diacritics, lower case: "Đăng ký" → "dang ky"."""
    decomposed = unicodedata.normalize("NFD", text.translate(_FOLD))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def printed_payload(procedure: Procedure, office: Office, field: FieldInfo, site_url: str) -> dict:
    """Everything that appears on a printed slip, and nothing else.

    Its hash is the slip's content version: a change outside it (e.g. the legal
    basis, which is not printed) does not call for a reprint.
    """
    return {
        "code": procedure.code,
        "name": procedure.name,
        "status": procedure.status.value,
        "replaced_by": procedure.replaced_by,
        "field": field.name,
        "cases": [
            {
                "name": case.name,
                "time": case.time,
                "fee": fee_text(case.fee),
                "documents": [
                    (d.name, d.action.value, d.originals, d.copies, d.optional) for d in case.documents
                ],
            }
            for case in procedure.cases
        ],
        "channels": [(c.kind, c.time, fee_text(c.fee) if c.fee else None) for c in procedure.channels],
        "counter": procedure.local.counter,
        "updated": procedure.updated.isoformat(),
        "office": office.model_dump(mode="json", exclude={"site_url"}),
        "site_url": site_url,
    }


def content_version(procedure: Procedure, office: Office, field: FieldInfo, site_url: str) -> str:
    """Short version printed on the slip and shown on the page, so staff can match them."""
    payload = json.dumps(
        printed_payload(procedure, office, field, site_url), ensure_ascii=False, sort_keys=True
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:8]
