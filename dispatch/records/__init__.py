"""Records: the database schema and repositories, the intervention lifecycle, backups.

One database holds customers, their addresses (with the geocode result and the coverage found
at intake), intervention requests, technicians, appointments, visits, invoices with their lines
and payments, call outcomes, staff accounts and an audit log. Modules, one idea each:

* :mod:`~dispatch.records.schema`: column types (money in cents, UTC instants) and ORM rows;
* :mod:`~dispatch.records.database`: :class:`Database`, :func:`open_database` (migrations,
  SQLite/PostgreSQL set-up, transactions, error translation) and the clock :func:`now`;
* :mod:`~dispatch.records.values`: the frozen records the repositories return;
* :mod:`~dispatch.records.audit_trail`: the audit log written with every change;
* :mod:`~dispatch.records.guards`: row found, optimistic locking, aware datetimes, transitions;
* :mod:`~dispatch.records.customers`, :mod:`~dispatch.records.requests`,
  :mod:`~dispatch.records.roster` (technicians), :mod:`~dispatch.records.appointments`:
  the repositories;
* :mod:`~dispatch.records.visits`: the visit on site (arrival, signed policy, diagnostic clock,
  estimate, the customer's answer), :mod:`~dispatch.records.workshop` (device taken, repaired,
  returned and tested at home), :mod:`~dispatch.records.remote` (remote support sessions);
* :mod:`~dispatch.records.policies` (the versioned policy document),
  :mod:`~dispatch.records.signatures` (drawn signatures), :mod:`~dispatch.records.diagnostic_clock`
  (the clock's rules);
* :mod:`~dispatch.records.lifecycle`: the states of a request and the allowed transitions;
* :mod:`~dispatch.records.backup` (backups and restore), :mod:`~dispatch.records.migrations`.

Law 25 (export, erasure, retention purge) reads invoices too, so it is an office use case:
:mod:`dispatch.office.privacy`.

The names below are re-exported here for code outside this package::

    from dispatch import records

    db = records.open_database(settings=settings)
    req = records.create_request(db, name="Marie Tremblay", phone="450 555-1234", ...)
"""

from dispatch.records.appointments import (
    appointments_between,
    appointments_for_day,
    appointments_of,
    book_appointment,
    confirm_appointment,
    get_appointment,
    update_appointment,
)
from dispatch.records.audit_trail import audit, audit_log
from dispatch.records.customers import get_customer, update_customer
from dispatch.records.database import Database, now, open_database, schema_revision
from dispatch.records.diagnostic_clock import ClockReading
from dispatch.records.policies import PolicyVersion, current_policy, policy_version, store_policy
from dispatch.records.remote import end_remote_session, session_request, start_remote_session
from dispatch.records.requests import (
    cancel_request,
    create_request,
    get_request,
    list_requests,
    request_by_message_id,
)
from dispatch.records.roster import add_technician, technicians, update_technician
from dispatch.records.schema import (
    AddressRow,
    AppointmentRow,
    AuditRow,
    Base,
    CallRow,
    CounterRow,
    CustomerRow,
    InvoiceLineRow,
    InvoiceRow,
    PaymentRow,
    RequestRow,
    TechnicianRow,
    UserRow,
    VisitRow,
)
from dispatch.records.signatures import Signature, check_signature_png, signatures_of
from dispatch.records.values import (
    Address,
    Appointment,
    AuditEntry,
    Customer,
    DayAppointment,
    InterventionRequest,
    TechnicianRecord,
    VisitRecord,
)
from dispatch.records.visits import (
    clock_of,
    diagnostic_clock,
    estimate_lines_of,
    outcome_name,
    record_arrival,
    record_diagnosis,
    record_estimate,
    record_outcome,
    record_policy_signed,
    visits_of,
)
from dispatch.records.workshop import (
    WorkshopItem,
    advance_workshop,
    receive_device,
    record_return,
    record_test,
    record_workshop_repair,
    workshop_item,
    workshop_items,
)
from dispatch.settings import TZ

__all__ = [
    "TZ",
    "Address",
    "AddressRow",
    "Appointment",
    "AppointmentRow",
    "AuditEntry",
    "AuditRow",
    "Base",
    "CallRow",
    "ClockReading",
    "CounterRow",
    "Customer",
    "CustomerRow",
    "Database",
    "DayAppointment",
    "InterventionRequest",
    "InvoiceLineRow",
    "InvoiceRow",
    "PaymentRow",
    "PolicyVersion",
    "RequestRow",
    "Signature",
    "TechnicianRecord",
    "TechnicianRow",
    "UserRow",
    "VisitRecord",
    "VisitRow",
    "WorkshopItem",
    "add_technician",
    "advance_workshop",
    "appointments_between",
    "appointments_for_day",
    "appointments_of",
    "audit",
    "audit_log",
    "book_appointment",
    "cancel_request",
    "check_signature_png",
    "clock_of",
    "confirm_appointment",
    "create_request",
    "current_policy",
    "diagnostic_clock",
    "end_remote_session",
    "estimate_lines_of",
    "get_appointment",
    "get_customer",
    "get_request",
    "list_requests",
    "now",
    "open_database",
    "outcome_name",
    "policy_version",
    "receive_device",
    "record_arrival",
    "record_diagnosis",
    "record_estimate",
    "record_outcome",
    "record_policy_signed",
    "record_return",
    "record_test",
    "record_workshop_repair",
    "request_by_message_id",
    "schema_revision",
    "session_request",
    "signatures_of",
    "start_remote_session",
    "store_policy",
    "technicians",
    "update_appointment",
    "update_customer",
    "update_technician",
    "visits_of",
    "workshop_item",
    "workshop_items",
]
