"""Login throttling instead of lockout: one row per client address and per attacked account.

Used by :mod:`dispatch.office.auth`. ``scope`` is ``client`` (``key`` = the client's address,
``cli`` for the command line) or ``account`` (``key`` = an existing username; unknown names are
never stored, they may be a password typed in the wrong field). ``failures`` counts the current
series of failed logins, ``delayed_until`` is the time before which a new attempt is refused
without checking the password, ``refused`` counts the attempts refused that way and
``last_failure_at`` lets a series be forgotten (and old rows deleted) an hour after its last
failure. The columns ``users.failed_logins`` and ``users.locked_until`` now mirror the account's
row (failures and the end of its delay); no account is ever locked.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_throttles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        sa.Column("first_failure_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delayed_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_throttles")),
        sa.UniqueConstraint("scope", "key", name=op.f("uq_login_throttles_scope_key")),
    )
    with op.batch_alter_table("login_throttles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_throttles_last_failure_at"), ["last_failure_at"], unique=False)
    # the lockouts of the old design are lifted: from now on only delays apply
    op.execute("UPDATE users SET locked_until = NULL, failed_logins = 0")


def downgrade() -> None:
    with op.batch_alter_table("login_throttles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_throttles_last_failure_at"))
    op.drop_table("login_throttles")
