"""``opms-dispatch worker``: the background process beside the dashboard.

    opms-dispatch worker                 # runs until SIGTERM / Ctrl-C
    opms-dispatch worker --once --json   # one pass of every due job, then exit
    opms-dispatch worker --status --json # the worker's health (heartbeat, last run of each job)

It sends the outbox, fires the day-before reminders and runs the jobs plugged in by other
modules (:mod:`dispatch.messaging.worker`); its state is in the database, so it can be
stopped and started again at any time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dispatch.cli.commands._db import database
from dispatch.cli.streams import say
from dispatch.i18n import _

if TYPE_CHECKING:
    from argparse import ArgumentParser, Namespace, _SubParsersAction

    from dispatch.settings import Settings


def register(subparsers: _SubParsersAction[ArgumentParser], common: ArgumentParser) -> None:
    p = subparsers.add_parser("worker", parents=[common], help="send messages and run periodic jobs")
    p.add_argument("--once", action="store_true", help="one pass of the due jobs, then exit")
    p.add_argument("--status", action="store_true", help="show the worker's health and exit")
    p.add_argument("--name", default="worker", help="name of this worker in the database")
    p.add_argument("--tick", type=float, default=1.0, help="seconds between two loops")
    p.set_defaults(func=run)


def run(args: Namespace, settings: Settings) -> object:
    # lazy: keeps `opms-dispatch --help` fast (the worker imports the records and the transports)
    import signal
    import threading

    from dispatch.messaging.worker import Worker, health

    with database(settings) as db:
        if args.status:
            return health(db, settings, name=args.name).to_dict()
        worker = Worker(db, settings, name=args.name)
        if args.once:
            return {"jobs": worker.run_once()}
        stop = threading.Event()

        def _stop(signum: int, frame: object) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        if not args.quiet:
            say(_("Worker started: jobs {jobs}.").format(jobs=", ".join(j.name for j in worker.jobs)))
        loops = worker.run(stop, tick_s=args.tick)
    return {"stopped": True, "loops": loops}
