"""Drawn signatures: the customer's signature (PNG) and name, kept with what was signed.

A signature is stored for the service policy of a visit (``purpose="policy"``, with the
policy's version and SHA-256) or for the receipt of a device taken to the workshop
(``purpose="workshop_receipt"``). The image must be a real PNG with ink on it: an empty
canvas is refused (:func:`check_signature_png`). Signatures are personal information: the
Law 25 export includes them and the erasure deletes them.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from dispatch.errors import InvalidInput
from dispatch.i18n import N_
from dispatch.records.database import Database
from dispatch.records.schema import SignatureRow
from dispatch.records.values import _Record

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

#: Largest signature image accepted (bytes); a phone canvas is about 10-40 kB.
MAX_SIGNATURE_BYTES = 2_000_000
#: Fewest dark pixels for an image to count as signed (a tap is not a signature).
MIN_INK_PIXELS = 30
PURPOSES = ("policy", "workshop_receipt")


@dataclass(frozen=True)
class Signature(_Record):
    """A stored signature (``png`` is left out of :meth:`to_dict`)."""

    id: int
    request_id: int
    visit_id: int | None
    workshop_item_id: int | None
    purpose: str
    signer_name: str
    signed_at: datetime
    document_version: int | None
    document_sha256: str
    png: bytes

    def to_dict(self) -> dict[str, object]:  # the image is binary: its size only
        out = super().to_dict()
        out["png"] = f"{len(self.png)} bytes"
        return out


def check_signature_png(data: bytes) -> tuple[int, int]:
    """Check that ``data`` is a PNG with a signature drawn on it; returns (width, height).

    The image is flattened on white; at least :data:`MIN_INK_PIXELS` pixels must be clearly
    darker than the paper.

    Raises
    ------
    InvalidInput
        Not a PNG, too large, or blank (French message saying to sign again).
    """
    from PIL import Image, UnidentifiedImageError  # Pillow comes with Streamlit; 40 ms to import

    if not isinstance(data, bytes | bytearray) or not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise InvalidInput(N_("The signature must be a PNG image."))
    if len(data) > MAX_SIGNATURE_BYTES:
        msg = N_("The signature image is too large ({size} bytes; at most {limit}).")
        raise InvalidInput(msg, size=len(data), limit=MAX_SIGNATURE_BYTES)
    try:
        with Image.open(io.BytesIO(bytes(data))) as img:
            img.load()
            rgba = img.convert("RGBA")
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise InvalidInput(N_("The signature image is damaged: sign again.")) from exc
    paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    gray = Image.alpha_composite(paper, rgba).convert("L")
    ink = sum(gray.histogram()[:160])
    if ink < MIN_INK_PIXELS:
        raise InvalidInput(N_("The signature is empty: have the customer sign in the box."))
    return rgba.size


def _clean_name(name: str) -> str:
    clean = " ".join(str(name).split())
    if not clean:
        raise InvalidInput(N_("Give the name of the person who signs."))
    if len(clean) > 200:
        raise InvalidInput(N_("The signer's name is too long (at most 200 characters)."))
    return clean


def add_signature(
    s: Session,
    *,
    request_id: int,
    purpose: str,
    signer_name: str,
    png: bytes,
    signed_at: datetime,
    visit_id: int | None = None,
    workshop_item_id: int | None = None,
    document_version: int | None = None,
    document_sha256: str = "",
) -> SignatureRow:
    """Store a checked signature inside the caller's transaction."""
    if purpose not in PURPOSES:
        msg = N_("Unknown signature purpose {purpose!r}.")
        raise InvalidInput(msg, purpose=purpose)
    name = _clean_name(signer_name)
    check_signature_png(png)
    row = SignatureRow(
        request_id=request_id, visit_id=visit_id, workshop_item_id=workshop_item_id,
        purpose=purpose, signer_name=name, png=bytes(png), signed_at=signed_at,
        document_version=document_version, document_sha256=document_sha256,
    )  # fmt: skip
    s.add(row)
    s.flush()
    return row


def _value(r: SignatureRow) -> Signature:
    return Signature(
        r.id, r.request_id, r.visit_id, r.workshop_item_id, r.purpose, r.signer_name,
        r.signed_at, r.document_version, r.document_sha256, bytes(r.png),
    )  # fmt: skip


def signatures_of(db: Database, request_id: int, *, purpose: str | None = None) -> list[Signature]:
    """The signatures given for a request, oldest first."""
    with db.read() as s:
        q = sa.select(SignatureRow).where(SignatureRow.request_id == request_id)
        if purpose is not None:
            q = q.where(SignatureRow.purpose == purpose)
        return [_value(r) for r in s.scalars(q.order_by(SignatureRow.id))]


__all__ = [
    "MAX_SIGNATURE_BYTES",
    "MIN_INK_PIXELS",
    "PURPOSES",
    "Signature",
    "add_signature",
    "check_signature_png",
    "signatures_of",
]
