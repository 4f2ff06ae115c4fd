"""Alembic environment: runs on the connection handed over by :func:`run_upgrade`."""

from __future__ import annotations

from alembic import context

from dispatch.records.schema import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - always called programmatically
    msg = "Run the migrations through dispatch.records.database.open_database (or dispatch.records.migrations)."
    raise RuntimeError(msg)

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
