"""Messages to customers: e-mail (SMTP) and SMS (an HTTP SMS API), never lost, never doubled.

Every message is written to the **outbox** table in the same transaction as the event that
causes it (a request received, an appointment confirmed, an invoice issued ...), then sent by
the worker process (``opms-dispatch worker``) with retries and backoff. Modules, one idea each:

* :mod:`~dispatch.messaging.outbox`: enqueue (idempotency key per event), claim with a lease,
  mark sent / failed, backoff, retry and cancel, the office's listing;
* :mod:`~dispatch.messaging.events`: one function per event building its messages (French
  templates of :mod:`~dispatch.messaging.rendering`, ``.ics`` and invoice PDF attachments);
* :mod:`~dispatch.messaging.consent`: the channels each customer agreed to (Law 25, Canada's
  anti-spam law), withdrawal and the unsubscribe link's token;
* :mod:`~dispatch.messaging.delivery`: one pass over the due messages through the transports
  (:mod:`~dispatch.messaging._smtp`, :mod:`~dispatch.messaging._sms`);
* :mod:`~dispatch.messaging.worker`: the long-running loop (outbox, day-before reminders, jobs
  plugged in by other modules, heartbeat in the database).

**Delivery guarantee: at least once, made recognisable.** A message is claimed with a lease
(``state = sending``, ``lease_until``) and marked ``sent`` in its own short transaction right
after the server accepted it. A worker killed before the server's acceptance leaves the
message claimed; once the lease is over another pass sends it again, and the server, which
never acknowledged the first copy, has not delivered it (an SMTP server queues a message only
when it answers the end of its data; a lost connection before that drops it). The only window
for a second copy is a worker killed between the server's acceptance and the ``sent`` mark (a
few milliseconds): that copy carries the same ``Message-ID`` header (derived from the
idempotency key), so mail programs recognise it. Exactly-once is not possible over SMTP or
an SMS API without the receiver's cooperation; losing a message is the worse failure here.
"""
