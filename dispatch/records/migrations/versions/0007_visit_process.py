"""The company's visit process on record: policy versions, signatures, diagnostic clock,
estimate lines, workshop items and their history.

* ``policy_versions``: the service policy the customer signs, one row per version (Markdown
  text, its SHA-256); the highest ``version`` is the one in force.
* ``signatures``: a drawn signature (PNG) and the signer's name, for the policy of a visit
  (``purpose = 'policy'``, with the version and hash signed) or the workshop receipt
  (``'workshop_receipt'``).
* ``clock_events``: start / pause / resume / stop of a visit's diagnostic (or a remote
  session), so the running time survives a reload, a second device or a crash.
* ``estimate_lines``: the estimate presented to the customer (labour and parts lines).
* ``workshop_items`` and ``workshop_events``: a device taken to the workshop (device, serial,
  accessories) and each change of its state (received, repairing, ready, returned).
* ``visits`` gains the time the estimate was presented and answered, the remote consent time,
  the policy version and hash signed, and the result of the test at the customer's home.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "policy_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_versions")),
        sa.UniqueConstraint("version", name=op.f("uq_policy_versions_version")),
    )
    op.create_table(
        "workshop_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=True),
        sa.Column("device", sa.String(length=200), nullable=False),
        sa.Column("serial", sa.String(length=100), nullable=False),
        sa.Column("accessories", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("received_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["requests.id"], name=op.f("fk_workshop_items_request_id_requests")),
        sa.ForeignKeyConstraint(["visit_id"], ["visits.id"], name=op.f("fk_workshop_items_visit_id_visits")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workshop_items")),
    )
    with op.batch_alter_table("workshop_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_workshop_items_request_id"), ["request_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_workshop_items_state"), ["state"], unique=False)
    op.create_table(
        "workshop_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["workshop_items.id"], name=op.f("fk_workshop_events_item_id_workshop_items")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workshop_events")),
    )
    with op.batch_alter_table("workshop_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_workshop_events_item_id"), ["item_id"], unique=False)
    op.create_table(
        "signatures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=True),
        sa.Column("workshop_item_id", sa.Integer(), nullable=True),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("signer_name", sa.String(length=200), nullable=False),
        sa.Column("png", sa.LargeBinary(), nullable=False),
        sa.Column("signed_at", _TS, nullable=False),
        sa.Column("document_version", sa.Integer(), nullable=True),
        sa.Column("document_sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["requests.id"], name=op.f("fk_signatures_request_id_requests")),
        sa.ForeignKeyConstraint(["visit_id"], ["visits.id"], name=op.f("fk_signatures_visit_id_visits")),
        sa.ForeignKeyConstraint(
            ["workshop_item_id"], ["workshop_items.id"], name=op.f("fk_signatures_workshop_item_id_workshop_items")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signatures")),
    )
    with op.batch_alter_table("signatures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_signatures_request_id"), ["request_id"], unique=False)
    op.create_table(
        "clock_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["visit_id"], ["visits.id"], name=op.f("fk_clock_events_visit_id_visits")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clock_events")),
    )
    with op.batch_alter_table("clock_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_clock_events_visit_id"), ["visit_id"], unique=False)
    op.create_table(
        "estimate_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("label", sa.String(length=500), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["visit_id"], ["visits.id"], name=op.f("fk_estimate_lines_visit_id_visits")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_estimate_lines")),
    )
    with op.batch_alter_table("estimate_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_estimate_lines_visit_id"), ["visit_id"], unique=False)
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.add_column(sa.Column("estimate_at", _TS, nullable=True))
        batch_op.add_column(sa.Column("outcome_at", _TS, nullable=True))
        batch_op.add_column(sa.Column("consent_at", _TS, nullable=True))
        batch_op.add_column(sa.Column("policy_version", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("policy_sha256", sa.String(length=64), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("test_passed", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("visits", schema=None) as batch_op:
        for col in ("test_passed", "policy_sha256", "policy_version", "consent_at", "outcome_at", "estimate_at"):
            batch_op.drop_column(col)
    for table in ("estimate_lines", "clock_events", "signatures", "workshop_events", "workshop_items"):
        op.drop_table(table)
    op.drop_table("policy_versions")
