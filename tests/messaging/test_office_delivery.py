"""End to end: a request taken in, booked by a call and invoiced reaches the customer's mailbox
(a real SMTP server) through the worker's send pass, in French, with the invitation and the PDF."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import BytesIO

import icalendar
from pypdf import PdfReader

from dispatch import records as st
from dispatch.messaging import outbox
from dispatch.messaging.delivery import send_due
from dispatch.messaging.worker import Worker
from dispatch.office import billing_desk, intake
from dispatch.office import calls as cl
from dispatch.records import TZ
from tests.signing import sign_policy

NINE = datetime(2026, 12, 9, 13, 0, tzinfo=TZ)


def _send_pass(db, settings) -> dict:
    """One pass of the worker's outbox job (the other jobs left out)."""
    worker = Worker(db, settings)
    worker.jobs = [j for j in worker.jobs if j.name == "outbox"]
    return worker.run_once()["outbox"]


def test_intake_call_and_invoice_reach_the_customer_by_email_and_sms(db, mail_settings, smtp, sms_api):
    form = intake.RequestForm(
        name="Marie Tremblay", address="1234 chemin Sainte-Marie, Mascouche", phone="450 555-1234",
        email="marie@example.com", problem="L'ordinateur ne démarre plus", consent=True,
        channels=("email", "sms"),
    )  # fmt: skip
    req = intake.submit(db, form, settings=mail_settings)
    cl.record_call(db, req.id, "reached", kind="contact", window=(NINE, NINE + timedelta(hours=2)),
                   actor="lea", settings=mail_settings)  # fmt: skip
    st.record_arrival(db, req.id, actor="tech", at=NINE + timedelta(minutes=20))
    sign_policy(db, req.id, at=NINE + timedelta(minutes=25))
    st.record_diagnosis(db, req.id, minutes=45, actor="tech")
    st.record_outcome(db, req.id, "estimate_refused", actor="tech")
    # taken in without a region: the travel is "on quote", agreed at 40 $
    inv = billing_desk.issue_invoice(db, req.id, settings=mail_settings, actor="lea", travel_amount="40,00")
    assert outbox.state_counts(db)["queued"] == 6  # three events, e-mail and SMS each

    result = _send_pass(db, mail_settings)
    assert result["sent"] == 6 and result["failed"] == 0
    received, confirmed, invoiced = smtp.recorder.wait_for(3)
    assert received["Subject"] == f"OPMS Informatique : demande n° {req.id} reçue"
    assert f"Nous avons bien reçu votre demande d'intervention n° {req.id}" in received.get_body(("plain",)).get_content()

    assert confirmed["Subject"] == "OPMS Informatique : rendez-vous du mercredi 9 décembre, entre 13 h et 15 h"
    [ics] = list(confirmed.iter_attachments())
    [event] = icalendar.Calendar.from_ical(ics.get_payload(decode=True)).walk("VEVENT")
    assert event.decoded("dtstart") == NINE

    text = invoiced.get_body(("plain",)).get_content()
    assert f"Voici votre facture {inv.number}" in text and "Virement Interac" in text
    [pdf] = list(invoiced.iter_attachments())
    assert pdf.get_filename() == f"{inv.number}.pdf"
    assert inv.number in PdfReader(BytesIO(pdf.get_payload(decode=True))).pages[0].extract_text()

    assert [m["To"] for m in sms_api.messages] == ["+14505551234"] * 3
    assert send_due(db, mail_settings).sent == 0  # nothing twice
    assert outbox.state_counts(db)["sent"] == 6
