"""Messages to customers (e-mail and SMS) kept in an outbox, their consent, the worker's health.

Used by :mod:`dispatch.messaging`.

* ``outbox``: one row per message to send, written in the same transaction as the event that
  causes it. ``idempotency_key`` (unique) names the event and the channel, so enqueuing the
  same event twice gives one message; ``message_id`` is the ``Message-ID`` header derived from
  it, so a re-sent e-mail is recognisable. ``state`` is ``queued``, ``sending`` (claimed by a
  worker until ``lease_until``), ``sent``, ``failed`` (given up, ``last_error`` says why) or
  ``cancelled`` (no consent, or by the office). ``attachments`` is a JSON list of
  ``{"name", "mime", "data"}`` (base64).
* ``customer_consents``: one row per channel (``email``, ``sms``) a customer agreed to, with
  the time, the wording shown and where it was given (Law 25, Canada's anti-spam law);
  ``withdrawn_at`` ends it (unsubscribe link, office). ``token`` is the unsubscribe link's
  secret.
* ``worker_status``: the heartbeat of each worker process; ``worker_jobs``: the last run of
  each periodic job, so a restarted worker continues on schedule.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("message_id", sa.String(length=300), nullable=False),
        sa.Column("channel", sa.String(length=5), nullable=False),
        sa.Column("event", sa.String(length=30), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _TS, nullable=False),
        sa.Column("lease_until", _TS, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("sent_at", _TS, nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_outbox_customer_id_customers")),
        sa.ForeignKeyConstraint(["request_id"], ["requests.id"], name=op.f("fk_outbox_request_id_requests")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_outbox_idempotency_key")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_state_next_attempt_at"), ["state", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_request_id"), ["request_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_created_at"), ["created_at"], unique=False)
    op.create_table(
        "customer_consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=5), nullable=False),
        sa.Column("consented_at", _TS, nullable=False),
        sa.Column("wording", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("withdrawn_at", _TS, nullable=True),
        sa.Column("withdrawn_how", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_customer_consents_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_consents")),
        sa.UniqueConstraint("token", name=op.f("uq_customer_consents_token")),
    )
    with op.batch_alter_table("customer_consents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customer_consents_customer_id"), ["customer_id"], unique=False)
    op.create_table(
        "worker_status",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(length=100), nullable=False),
        sa.Column("started_at", _TS, nullable=False),
        sa.Column("heartbeat_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_worker_status")),
    )
    op.create_table(
        "worker_jobs",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.Column("last_started_at", _TS, nullable=True),
        sa.Column("last_finished_at", _TS, nullable=True),
        sa.Column("last_ok_at", _TS, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("last_result", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_worker_jobs")),
    )


def downgrade() -> None:
    op.drop_table("worker_jobs")
    op.drop_table("worker_status")
    with op.batch_alter_table("customer_consents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_consents_customer_id"))
    op.drop_table("customer_consents")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_created_at"))
        batch_op.drop_index(batch_op.f("ix_outbox_customer_id"))
        batch_op.drop_index(batch_op.f("ix_outbox_request_id"))
        batch_op.drop_index(batch_op.f("ix_outbox_state_next_attempt_at"))
    op.drop_table("outbox")
