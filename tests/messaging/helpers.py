"""Shared steps of the messaging tests."""

from __future__ import annotations

from dispatch.messaging import consent
from tests.storage_data import make_request

WORDING = "J'accepte de recevoir des messages par courriel et texto au sujet de ma demande."


def request_with_consent(db, channels=("email", "sms"), **kw):
    """A stored request whose customer agreed to ``channels``."""
    req = make_request(db, **kw)
    with db.write() as s:
        consent.record_consent(s, req.customer.id, channels, wording=WORDING, source="form", actor="test")
    return req
