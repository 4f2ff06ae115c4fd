"""``opms-dispatch outbox``: the messages to customers (e-mail, SMS) and their state.

    opms-dispatch outbox list [--state failed] [--request 42] [--limit 50] --json
    opms-dispatch outbox send [--max 1000] --json      # one pass now (what the worker does)
    opms-dispatch outbox retry MESSAGE_ID              # a failed or cancelled message, queued again
    opms-dispatch outbox cancel MESSAGE_ID
    opms-dispatch outbox test --email ADDRESS | --sms NUMBER   # a test message, sent at once
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dispatch.cli.commands._db import actor, database
from dispatch.cli.streams import stderr
from dispatch.errors import InvalidInput
from dispatch.i18n import N_

if TYPE_CHECKING:
    from argparse import ArgumentParser, Namespace, _SubParsersAction

    from dispatch.settings import Settings


def register(subparsers: _SubParsersAction[ArgumentParser], common: ArgumentParser) -> None:
    p = subparsers.add_parser("outbox", parents=[common], help="messages to customers (e-mail, SMS)")
    sub = p.add_subparsers(dest="outbox_command", metavar="ACTION")

    ls = sub.add_parser("list", parents=[common], help="messages, newest first")
    ls.add_argument("--state", choices=["queued", "sending", "sent", "failed", "cancelled"])
    ls.add_argument("--request", type=int, help="messages of one request")
    ls.add_argument("--limit", type=int, default=100)
    ls.set_defaults(func=_list)

    sd = sub.add_parser("send", parents=[common], help="send the due messages now (one pass)")
    sd.add_argument("--max", type=int, default=1000, help="at most this many messages")
    sd.set_defaults(func=_send)

    rt = sub.add_parser("retry", parents=[common], help="queue a failed or cancelled message again")
    rt.add_argument("message_id", type=int)
    rt.add_argument("--actor", help="who asks (audit log)")
    rt.set_defaults(func=_retry)

    cn = sub.add_parser("cancel", parents=[common], help="cancel a queued or failed message")
    cn.add_argument("message_id", type=int)
    cn.add_argument("--actor", help="who asks (audit log)")
    cn.set_defaults(func=_cancel)

    ts = sub.add_parser("test", parents=[common], help="send a test message at once")
    ts.add_argument("--email", help="address to send the test e-mail to")
    ts.add_argument("--sms", help="phone number to send the test SMS to")
    ts.set_defaults(func=_test)

    def _help(args: Namespace, settings: Settings) -> int:
        p.print_help(stderr())
        return 2

    p.set_defaults(func=_help)


def _list(args: Namespace, settings: Settings) -> dict[str, object]:
    # lazy: keeps `opms-dispatch --help` fast (the outbox imports the records and SQLAlchemy)
    from dispatch.messaging import outbox

    if args.limit < 1:
        msg = N_("--limit must be at least 1, got {limit}.")
        raise InvalidInput(msg, limit=args.limit)
    with database(settings) as db:
        items = outbox.list_messages(db, state=args.state, request_id=args.request, limit=args.limit)
        counts = outbox.state_counts(db)
    return {"count": len(items), "states": counts, "messages": [m.to_dict() for m in items]}


def _send(args: Namespace, settings: Settings) -> dict[str, object]:
    # lazy: keeps `opms-dispatch --help` fast (smtplib, requests, the records)
    from dispatch.messaging.delivery import send_due

    if args.max < 1:
        msg = N_("--max must be at least 1, got {max}.")
        raise InvalidInput(msg, max=args.max)
    with database(settings) as db:
        report = send_due(db, settings, max_messages=args.max)
    return report.to_dict()


def _retry(args: Namespace, settings: Settings) -> dict[str, object]:
    from dispatch.messaging import outbox

    with database(settings) as db:
        return outbox.retry(db, args.message_id, actor=actor(args)).to_dict()


def _cancel(args: Namespace, settings: Settings) -> dict[str, object]:
    from dispatch.messaging import outbox

    with database(settings) as db:
        return outbox.cancel(db, args.message_id, actor=actor(args)).to_dict()


def _test(args: Namespace, settings: Settings) -> dict[str, object]:
    from dispatch.messaging.delivery import send_test

    if bool(args.email) == bool(args.sms):
        msg = N_("Give either --email ADDRESS or --sms NUMBER.")
        raise InvalidInput(msg)
    channel, recipient = ("email", args.email) if args.email else ("sms", args.sms)
    ref = send_test(settings, channel, recipient)
    return {"channel": channel, "recipient": recipient, "sent": True, "reference": ref}
