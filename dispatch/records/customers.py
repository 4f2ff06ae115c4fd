"""Customers: matched on e-mail or phone at intake, read and edited by the office.

A request (:mod:`dispatch.records.requests`) finds its customer with :func:`_find_customer`
(same e-mail, case-insensitive, else same last ten phone digits; erased customers excluded)
or creates one.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import sqlalchemy as sa

from dispatch.errors import InvalidInput
from dispatch.i18n import N_
from dispatch.records.audit_trail import audit
from dispatch.records.database import Database
from dispatch.records.guards import _check_version, _get
from dispatch.records.schema import CustomerRow
from dispatch.records.values import Customer, _customer

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

_DIGITS = re.compile(r"\D+")


def _phone_key(phone: str) -> str:
    digits = _DIGITS.sub("", phone or "")
    return digits[-10:]


def _find_customer(s: Session, *, email: str, phone: str) -> Customer | None:
    base = sa.select(CustomerRow).where(CustomerRow.erased_at.is_(None))
    if email.strip():
        row = s.scalars(
            base.where(sa.func.lower(CustomerRow.email) == email.strip().lower()).order_by(
                CustomerRow.id
            )
        ).first()
        if row is not None:
            return _customer(row)
    key = _phone_key(phone)
    if len(key) >= 7:
        for row in s.scalars(base.where(CustomerRow.phone != "").order_by(CustomerRow.id)):
            if _phone_key(row.phone) == key:
                return _customer(row)
    return None


def get_customer(db: Database, customer_id: int) -> Customer:
    """The customer with this id (raise NotFound)."""
    with db.read() as s:
        return _customer(_get(s, CustomerRow, customer_id, "customer"))


def update_customer(
    db: Database,
    customer_id: int,
    *,
    expected_version: int | None,
    actor: str,
    **changes: object,
) -> Customer:
    """Change a customer's ``name``, ``phone`` or ``email`` (optimistic locking)."""
    allowed = {"name", "phone", "email"}
    unknown = set(changes) - allowed
    if unknown:
        msg = N_("Cannot change {fields} of a customer; allowed: {allowed}.")
        raise InvalidInput(msg, fields=", ".join(sorted(unknown)), allowed=", ".join(sorted(allowed)))
    with db.write() as s:
        row = _get(s, CustomerRow, customer_id, "customer")
        _check_version(row, expected_version, "customer")
        for k, v in changes.items():
            setattr(row, k, str(v).strip())
        s.flush()
        audit(s, actor, "update", "customer", row.id, fields=sorted(changes))
        return _customer(row)


__all__ = ["get_customer", "update_customer"]
