"""Technicians' live positions (issue 19): raw points of the day, consents, daily aggregates.

* ``technician_positions``: the positions a technician's phone shared (latitude, longitude,
  accuracy in metres, time), with their consent of the day; personal data kept for the day
  only (Law 25): the worker purges the points of past days.
* ``position_consents``: one row per technician and day the technician agreed to share their
  position (the time of the consent, and of its withdrawal).
* ``position_days``: what is kept of a past day once its points are purged: the number of
  points and the first and last time, per technician and day.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "technician_positions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("technician_id", sa.Integer(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("accuracy_m", sa.Float(), nullable=True),
        sa.Column("recorded_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["technician_id"], ["technicians.id"], name=op.f("fk_technician_positions_technician_id_technicians")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_technician_positions")),
    )
    with op.batch_alter_table("technician_positions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_technician_positions_technician_id"), ["technician_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_technician_positions_recorded_at"), ["recorded_at"], unique=False)
    op.create_table(
        "position_consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("technician_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("consented_at", _TS, nullable=False),
        sa.Column("withdrawn_at", _TS, nullable=True),
        sa.ForeignKeyConstraint(
            ["technician_id"], ["technicians.id"], name=op.f("fk_position_consents_technician_id_technicians")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_position_consents")),
        sa.UniqueConstraint("technician_id", "day", name=op.f("uq_position_consents_technician_id_day")),
    )
    with op.batch_alter_table("position_consents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_position_consents_technician_id"), ["technician_id"], unique=False)
    op.create_table(
        "position_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("technician_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("first_at", _TS, nullable=True),
        sa.Column("last_at", _TS, nullable=True),
        sa.ForeignKeyConstraint(
            ["technician_id"], ["technicians.id"], name=op.f("fk_position_days_technician_id_technicians")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_position_days")),
        sa.UniqueConstraint("technician_id", "day", name=op.f("uq_position_days_technician_id_day")),
    )
    with op.batch_alter_table("position_days", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_position_days_technician_id"), ["technician_id"], unique=False)


def downgrade() -> None:
    for table in ("position_days", "position_consents", "technician_positions"):
        op.drop_table(table)
