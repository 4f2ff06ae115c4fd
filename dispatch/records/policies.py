"""The service policy the customer signs: versioned documents.

Each call to :func:`store_policy` adds a version (Markdown text, its SHA-256 over the UTF-8
text); the highest version is the one in force. Versions are never changed or deleted: a
signature names the version and the hash of the text the customer read.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from dispatch.errors import InvalidInput, NotFound
from dispatch.i18n import N_
from dispatch.records.audit_trail import audit
from dispatch.records.database import Database, now
from dispatch.records.schema import PolicyVersionRow
from dispatch.records.values import _Record

#: Longest policy accepted (characters): a policy is a page or two, not a book.
MAX_POLICY_CHARS = 100_000


@dataclass(frozen=True)
class PolicyVersion(_Record):
    """One version of the policy document."""

    version: int
    text: str
    sha256: str
    created_at: datetime
    created_by: str


def policy_hash(text: str) -> str:
    """The SHA-256 (hex) of a policy text, as stored and printed on the signed copy."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _value(row: PolicyVersionRow) -> PolicyVersion:
    return PolicyVersion(row.version, row.text, row.sha256, row.created_at, row.created_by)


def store_policy(db: Database, text: str, *, actor: str) -> PolicyVersion:
    """Add a new version of the policy (the next number); returns it.

    The text is stored as given, with line endings made ``\\n`` and surrounding blank space
    removed. Storing a text identical to the version in force adds nothing and returns it.

    Raises
    ------
    InvalidInput
        The text is empty or longer than :data:`MAX_POLICY_CHARS`.
    """
    clean = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not clean:
        raise InvalidInput(N_("The policy text is empty: write the document the customer signs."))
    if len(clean) > MAX_POLICY_CHARS:
        msg = N_("The policy text is too long ({length} characters; at most {limit}).")
        raise InvalidInput(msg, length=len(clean), limit=MAX_POLICY_CHARS)
    digest = policy_hash(clean)
    with db.write() as s:
        last = s.scalars(sa.select(PolicyVersionRow).order_by(PolicyVersionRow.version.desc())).first()
        if last is not None and last.sha256 == digest:
            return _value(last)
        row = PolicyVersionRow(
            version=(last.version + 1) if last is not None else 1,
            text=clean,
            sha256=digest,
            created_at=now(),
            created_by=actor,
        )
        s.add(row)
        s.flush()
        audit(s, actor, "create", "policy", row.id, version=row.version, sha256=digest)
        return _value(row)


def current_policy(db: Database) -> PolicyVersion | None:
    """The version in force (the highest), or ``None`` when no policy was ever stored."""
    with db.read() as s:
        row = s.scalars(sa.select(PolicyVersionRow).order_by(PolicyVersionRow.version.desc())).first()
        return _value(row) if row is not None else None


def policy_version(db: Database, version: int) -> PolicyVersion:
    """A given version (a signed copy is printed with the text that was signed)."""
    with db.read() as s:
        row = s.scalars(sa.select(PolicyVersionRow).where(PolicyVersionRow.version == version)).first()
        if row is None:
            raise NotFound(N_("No policy version {version}."), version=version)
        return _value(row)


def policy_versions(db: Database) -> list[PolicyVersion]:
    """Every version, newest first."""
    with db.read() as s:
        rows = s.scalars(sa.select(PolicyVersionRow).order_by(PolicyVersionRow.version.desc()))
        return [_value(r) for r in rows]


__all__ = [
    "MAX_POLICY_CHARS",
    "PolicyVersion",
    "current_policy",
    "policy_hash",
    "policy_version",
    "policy_versions",
    "store_policy",
]
