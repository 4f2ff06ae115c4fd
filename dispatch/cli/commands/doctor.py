"""``opms-dispatch doctor``: check an installation and say what to fix.

    opms-dispatch doctor [--mail-timeout S] [--json]

Checks the legal numbers (no placeholders), the database (answers, not damaged), the region
(built, covering the extended zone), the mail server (answers, when configured), the backups
(one of less than 24 h) and the data directory's file modes (readable by the owner only);
see :mod:`dispatch.office.doctor`. Each finding says what is wrong and how to fix it, in the
settings' language. Exit code 0 when nothing is wrong, 1 when something is (``--json``
prints the report either way).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from dispatch.errors import InvalidInput
from dispatch.i18n import N_

if TYPE_CHECKING:
    from argparse import ArgumentParser, Namespace, _SubParsersAction

    from dispatch.settings import Settings

#: Exit code when a check found a problem.
PROBLEM_EXIT = 1


def register(subparsers: _SubParsersAction[ArgumentParser], common: ArgumentParser) -> None:
    p = subparsers.add_parser(
        "doctor", parents=[common],
        help="check this installation (legal numbers, database, region, mail, backups, files)",
    )
    p.add_argument("--mail-timeout", type=float, default=5.0, metavar="S",
                   help="seconds to wait for the mail server (default 5)")
    p.set_defaults(func=run)


def run(args: Namespace, settings: Settings) -> int:
    # lazy: keeps `opms-dispatch --help` fast (the checks import the database and geo modules)
    from dispatch.cli.main import dumps
    from dispatch.i18n import _
    from dispatch.office.doctor import run_checks

    if not 0 < args.mail_timeout <= 120:
        msg = N_("--mail-timeout must be between 0 and 120 seconds, got {value}.")
        raise InvalidInput(msg, value=args.mail_timeout)
    report = run_checks(settings, mail_timeout=args.mail_timeout)
    if args.json:
        sys.stdout.write(dumps(report.to_dict()) + "\n")
    else:
        marks = {"ok": "✓", "problem": "✗", "notice": "•"}
        for f in report.findings:
            print(f"{marks[f.status]} {f.message}")
            if f.status != "ok" and f.fix:
                print(f"    → {f.fix}")
        print(_("Everything is ready.") if report.ok else _(
            "{count} problem(s) to fix.").format(count=len(report.problems)))
    sys.stdout.flush()
    return 0 if report.ok else PROBLEM_EXIT
