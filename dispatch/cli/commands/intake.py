"""``opms-dispatch intake FILE.eml|MAILDIR``: requests from the website's e-mails.

Each e-mail following docs/intake.md becomes a request (state ``requested``) with its
coverage; a Message-ID already taken in is skipped. JSON: ``created`` (id, message_id, name,
zone, flags, file), ``duplicates`` (Message-IDs), ``errors`` ({file, error}), ``counts``.
"""

from __future__ import annotations

import sys

from dispatch.cli.commands._db import actor, database
from dispatch.errors import InvalidInput


def register(subparsers, common) -> None:
    p = subparsers.add_parser(
        "intake", parents=[common], help="take in request e-mails (.eml file, Maildir or folder)"
    )
    p.add_argument("path", metavar="FILE.eml|MAILDIR")
    p.add_argument("--region", metavar="NAME", help="region for coverage (default: settings)")
    p.add_argument("--actor", help="who runs the intake (audit log)")
    p.set_defaults(func=run)


def run(args, settings):
    from dispatch.office.intake import intake_path

    with database(settings) as db:
        report = intake_path(
            db, args.path, settings=settings, region=args.region, actor=actor(args)
        )
    for err in report.errors:
        if not args.quiet:
            print(f"opms-dispatch: {err['file']}: {err['error']}", file=sys.stderr)
    if report.errors and not report.created and not report.duplicates:
        msg = f"No request taken in: {len(report.errors)} e-mail(s) could not be read."
        raise InvalidInput(msg)
    return report.to_dict()
