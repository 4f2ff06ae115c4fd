"""The consent wording shown beside the channel choice (a light module: the public form imports
it without the database layer). Stored with each consent by :mod:`dispatch.messaging.consent`."""

from __future__ import annotations

from dispatch.i18n import N_

#: The wording the public form shows beside the channel choice (stored with each consent).
WORDING = N_(
    "I agree that {company} writes to me about this request (acknowledgement, appointment, "
    "reminder, arrival, invoice) by the channels I ticked. I can withdraw this consent at "
    "any time with the link at the bottom of each message or by calling {company}."
)

__all__ = ["WORDING"]
