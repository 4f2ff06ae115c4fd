"""``opms-dispatch intake FILE.eml|MAILDIR`` (or ``--imap``): requests from the website's e-mails.

``--imap`` reads the website's mailbox once (``[mail] imap_*``, :mod:`dispatch.office.mailbox`):
free-text e-mails become requests flagged ``à vérifier``, the messages taken in are moved to
the folder ``Traités``; the JSON adds ``moved``, ``automatic`` and ``free_text``.

Each e-mail following docs/intake.md becomes a request (state ``requested``) with its
coverage; a Message-ID already taken in is skipped. JSON: ``created`` (id, message_id, name,
zone, flags, file), ``duplicates`` (Message-IDs), ``errors`` ({file, error}), ``counts``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dispatch.cli.commands._db import actor, database
from dispatch.cli.streams import say
from dispatch.errors import InvalidInput
from dispatch.i18n import N_

if TYPE_CHECKING:
    from argparse import ArgumentParser, Namespace, _SubParsersAction

    from dispatch.settings import Settings


def register(subparsers: _SubParsersAction[ArgumentParser], common: ArgumentParser) -> None:
    p = subparsers.add_parser(
        "intake", parents=[common], help="take in request e-mails (.eml file, Maildir or folder, or the mailbox: --imap)"
    )
    p.add_argument("path", metavar="FILE.eml|MAILDIR", nargs="?")
    p.add_argument(
        "--imap", action="store_true",
        help="read the website's mailbox once ([mail] imap_*): unseen messages, moved when taken in",
    )
    p.add_argument("--region", metavar="NAME", help="region for coverage (default: settings)")
    p.add_argument("--actor", help="who runs the intake (audit log)")
    p.set_defaults(func=run)


def run(args: Namespace, settings: Settings) -> dict[str, object]:
    # lazy: keeps `opms-dispatch --help` fast (measured: dispatch.office.intake and dispatch.records import in 0.26 s)
    from dispatch.office.intake import IntakeReport, intake_path

    if bool(args.imap) == bool(args.path):
        msg = N_("Give either FILE.eml|MAILDIR or --imap (the mailbox of the settings).")
        raise InvalidInput(msg)
    with database(settings) as db:
        report: IntakeReport
        if args.imap:
            from dispatch.office.mailbox import poll_mailbox

            report = poll_mailbox(db, settings, region=args.region, actor=actor(args))
        else:
            report = intake_path(
                db, args.path, settings=settings, region=args.region, actor=actor(args)
            )
    for err in report.errors:
        if not args.quiet:
            say(f"opms-dispatch: {err['file']}: {err['error']}")
    if report.errors and not report.created and not report.duplicates:
        msg = N_("No request taken in: {count} e-mail(s) could not be read.")
        raise InvalidInput(msg, count=len(report.errors))
    return report.to_dict()
