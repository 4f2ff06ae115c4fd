"""Invoices cannot disappear before their retention ends; invoices keep no e-mail or phone.

* ``DELETE`` on ``invoices``, ``invoice_lines`` and ``payments`` is refused by triggers (SQLite
  and PostgreSQL, as ``UPDATE`` already is since 0002) while the invoice's ``retain_until`` is
  on or after the database's current date (``CURRENT_DATE``: UTC on SQLite, the session's time
  zone on PostgreSQL). Only the real clock decides: no parameter, no application code, no raw
  SQL client can remove an invoice, its lines or its payments within the retention period.
* The invoice keeps only what tax law requires (name, address, amounts): the customer's
  e-mail and phone are emptied on every existing invoice (the ``UPDATE`` trigger is dropped
  and recreated around that one change) and are no longer written (``dispatch.billing``).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

#: Marker in the error raised by the triggers (translated in ``dispatch.records.database``).
MESSAGE = "invoice_retained: an invoice within its retention period cannot be deleted"
IMMUTABLE = "issued invoices are immutable: issue a credit note"

#: Table -> SQL giving the invoice's ``retain_until`` for the row being deleted (``OLD``).
RETAIN = {
    "invoices": "OLD.retain_until",
    "invoice_lines": "(SELECT retain_until FROM invoices WHERE id = OLD.invoice_id)",
    "payments": "(SELECT retain_until FROM invoices WHERE id = OLD.invoice_id)",
}


def _blank_contact_details(dialect: str) -> None:
    """Empty the e-mail and phone kept on invoices, around the immutability trigger."""
    blank = "UPDATE invoices SET customer_email = '', customer_phone = '' "
    blank += "WHERE customer_email <> '' OR customer_phone <> ''"
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS invoices_immutable")
        op.execute(blank)
        op.execute(
            "CREATE TRIGGER invoices_immutable BEFORE UPDATE ON invoices "
            f"BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}'); END"
        )
    elif dialect == "postgresql":
        op.execute("ALTER TABLE invoices DISABLE TRIGGER invoices_immutable")
        op.execute(blank)
        op.execute("ALTER TABLE invoices ENABLE TRIGGER invoices_immutable")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    _blank_contact_details(dialect)
    if dialect == "sqlite":
        for table, retain in RETAIN.items():
            op.execute(
                f"CREATE TRIGGER {table}_retained BEFORE DELETE ON {table} "
                f"WHEN {retain} >= CURRENT_DATE "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )
    elif dialect == "postgresql":
        for table, retain in RETAIN.items():
            op.execute(
                f"CREATE FUNCTION opms_{table}_retained() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN IF {retain} >= CURRENT_DATE THEN "
                f"RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation'; "
                "END IF; RETURN OLD; END $$"
            )
            op.execute(
                f"CREATE TRIGGER {table}_retained BEFORE DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION opms_{table}_retained()"
            )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in RETAIN:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_retained" + (f" ON {table}" if dialect == "postgresql" else ""))
        if dialect == "postgresql":
            op.execute(f"DROP FUNCTION IF EXISTS opms_{table}_retained()")
