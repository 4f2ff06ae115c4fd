"""Worker processes for tests/test_faults.py: loops that write to the database until killed.

Run as ``python -m tests.fault_support invoices|publish DB_URL DATA_DIR``. The worker prints
``ready`` once the database is open, then issues invoices (a request driven to a visit
outcome, then invoiced) or publishes alternating day plans, forever: the test kills it with
SIGKILL at random moments and checks what is left in the database.
"""

from __future__ import annotations

import os
import sys
from datetime import date, datetime, timedelta
from types import SimpleNamespace

# Every import before ``ready``: the test kills the worker at random moments after it, and
# those moments must fall inside the writes, not inside the imports.
from dispatch import records as st
from dispatch.billing import invoices as iv
from dispatch.office import planning
from dispatch.records import appointments, open_database
from dispatch.settings import load_settings
from tests.conftest import BOOKING_CLOCK
from tests.storage_data import diagnosed, make_request

DAY = date(2026, 12, 3)
ISSUED = datetime(2026, 12, 3, 15, 0)  # made aware (America/Montreal) below
N_APPOINTMENTS = 8


def prepare_publish(db) -> None:
    """Two technicians and a day of appointments, none assigned yet."""
    st.add_technician(db, name="Alex", actor="bureau")
    st.add_technician(db, name="Sam", actor="bureau")
    for k in range(N_APPOINTMENTS):
        req = make_request(db, email=f"p{k}@example.com", phone="")
        start = datetime(2026, 12, 3, 8 + k, 0, tzinfo=st.TZ)
        st.book_appointment(db, req.id, start=start, end=start + timedelta(hours=1), actor="bureau")


def _publish_forever(db) -> None:
    techs = st.technicians(db)
    while True:
        appts = st.appointments_for_day(db, DAY)
        current = appts[0].appointment.technician_id
        target = techs[1] if current == techs[0].id else techs[0]
        visits = {planning.visit_id(a.appointment.id): a for a in appts}
        route = SimpleNamespace(
            technician=planning.technician_id(target.id),
            stops=[SimpleNamespace(visit=v) for v in visits],
        )
        day_plan = planning.DayPlan(
            day=DAY,
            problem=None,
            plan=SimpleNamespace(routes=[route]),
            visits=visits,
            technicians={planning.technician_id(t.id): t for t in techs},
        )
        planning.publish(db, day_plan, actor="dispatch")


def _invoice_forever(db, settings) -> None:
    pid = os.getpid()
    k = 0
    while True:
        k += 1
        req = diagnosed(db, email=f"c{pid}-{k}@example.com", phone="")
        iv.issue_invoice(
            db, req.id, settings=settings, actor="lea", at=ISSUED.replace(tzinfo=st.TZ)
        )


def main(argv: list[str]) -> None:
    from tests.conftest import with_legal_identity

    what, url, data_dir = argv
    at = datetime(*BOOKING_CLOCK, tzinfo=st.TZ)  # the suite's clock of the past-booking rule
    appointments.booking_clock = lambda: at
    settings = with_legal_identity(load_settings(data_dir=data_dir, env={}))
    db = open_database(url, migrate=False)
    print("ready", flush=True)
    if what == "invoices":
        _invoice_forever(db, settings)
    else:
        _publish_forever(db)


if __name__ == "__main__":
    main(sys.argv[1:])
