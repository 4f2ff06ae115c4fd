"""The worker process (``opms-dispatch worker``): periodic jobs, state in the database.

Each loop the worker writes its **heartbeat** (``worker_status``: pid, host, time) and runs
the jobs that are due. A job's last start, end, success, error and result are kept in
``worker_jobs``, so a restarted worker continues on the same schedule, and the office sees
the worker's health (:func:`health`, shown on the "Messages" page and in Paramètres).

Built-in jobs:

* ``outbox``: every ``[mail] send_interval_s`` seconds, send the due messages
  (:func:`dispatch.messaging.delivery.send_due`); a channel whose server does not answer is
  paused (1, 2, 4 ... minutes, at most 15) instead of being knocked every pass;
* ``reminders``: every 15 minutes from ``[mail] reminder_hour`` (Québec time), enqueue the
  day-before reminders of tomorrow's appointments (idempotent: one per appointment and window).

**Plugging in other jobs** (the website's mailbox, for instance): a module listed in
:data:`JOB_PROVIDERS` that defines ``worker_jobs(settings) -> list[PeriodicJob]`` has its jobs
run too (a provider that is not installed is skipped); :func:`register_job` adds one in-process.
A job is ``run(db, settings, at) -> dict`` (its JSON-ready result); an exception it raises is
recorded as the job's last error and the worker carries on.
"""

from __future__ import annotations

import importlib
import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from dispatch.errors import DispatchError
from dispatch.records import now
from dispatch.records.schema import WorkerJobRow, WorkerStatusRow

if TYPE_CHECKING:
    from dispatch.records import Database
    from dispatch.settings import Settings

log = logging.getLogger(__name__)

JobFunction = Callable[["Database", "Settings", datetime], dict[str, Any]]


@dataclass(frozen=True)
class PeriodicJob:
    """A job the worker runs every ``interval_s`` seconds."""

    name: str
    interval_s: float
    run: JobFunction


#: Modules whose ``worker_jobs(settings)`` gives more jobs (skipped when absent).
JOB_PROVIDERS: list[str] = ["dispatch.office.mailbox", "dispatch.office.live"]

_REGISTERED: list[PeriodicJob] = []


def register_job(job: PeriodicJob) -> None:
    """Add a job to every worker started afterwards in this process (same name: replaced)."""
    _REGISTERED[:] = [j for j in _REGISTERED if j.name != job.name] + [job]


def _reminders(db: Database, settings: Settings, at: datetime) -> dict[str, Any]:
    from dispatch.messaging.events import day_before_reminders

    if at.hour < settings.mail.reminder_hour:
        return {"skipped": "before reminder_hour"}
    day = (at + timedelta(days=1)).date()
    with db.write() as s:
        ids = day_before_reminders(s, day, settings=settings, at=at)
    return {"day": day.isoformat(), "messages": len(ids)}


def provided_jobs(settings: Settings) -> list[PeriodicJob]:
    """The jobs of :data:`JOB_PROVIDERS` and :func:`register_job`."""
    jobs: list[PeriodicJob] = []
    for name in JOB_PROVIDERS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as err:
            if err.name != name:
                raise
            continue
        factory = getattr(module, "worker_jobs", None)
        if callable(factory):
            jobs.extend(factory(settings))
    return jobs + list(_REGISTERED)


class Worker:
    """Runs the periodic jobs; one instance per process (``name`` identifies it in the database)."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        name: str = "worker",
        jobs: list[PeriodicJob] | None = None,
        clock: Callable[[], datetime] = now,
    ) -> None:
        self.db = db
        self.settings = settings
        self.name = name
        self.clock = clock
        self.started_at = clock()
        self._paused: dict[str, tuple[datetime, int]] = {}
        self.jobs = (
            [
                PeriodicJob("outbox", settings.mail.send_interval_s, self._outbox),
                PeriodicJob("reminders", 900.0, _reminders),
                *provided_jobs(settings),
            ]
            if jobs is None
            else jobs
        )

    # -- the outbox job, with its pauses of a channel that does not answer
    def _outbox(self, db: Database, settings: Settings, at: datetime) -> dict[str, Any]:
        from dispatch.messaging.delivery import configured_channels, send_due

        channels = [c for c in configured_channels(settings) if self._paused.get(c, (at, 0))[0] <= at]
        # One message claimed at a time: a worker killed mid-send holds only the one it was sending.
        report = send_due(db, settings, channels=channels, clock=self.clock, batch=1)
        for c in channels:
            if c in report.down:
                n = self._paused.get(c, (at, 0))[1] + 1
                self._paused[c] = (at + timedelta(minutes=min(15, 2 ** (n - 1))), n)
            else:
                self._paused.pop(c, None)
        out = report.to_dict()
        out["paused"] = {c: until.isoformat() for c, (until, _n) in self._paused.items()}
        # a channel without a server: its messages wait, queued (the office sees it here)
        out["unconfigured"] = [c for c in ("email", "sms") if c not in configured_channels(settings)]
        return out

    def heartbeat(self) -> None:
        """Write this worker's heartbeat."""
        at = self.clock()
        with self.db.write() as s:
            row = s.get(WorkerStatusRow, self.name)
            if row is None:
                row = WorkerStatusRow(name=self.name, pid=os.getpid(), host=socket.gethostname()[:100],
                                      started_at=self.started_at, heartbeat_at=at)  # fmt: skip
                s.add(row)
            else:
                row.pid = os.getpid()
                row.host = socket.gethostname()[:100]
                row.started_at = self.started_at
                row.heartbeat_at = at

    def _state(self, name: str) -> datetime | None:
        with self.db.read() as s:
            return s.scalar(sa.select(WorkerJobRow.last_started_at).where(WorkerJobRow.name == name))

    def _record(self, name: str, *, started: datetime, result: dict[str, Any] | None, error: str) -> None:
        at = self.clock()
        with self.db.write() as s:
            row = s.get(WorkerJobRow, name)
            if row is None:
                row = WorkerJobRow(name=name, runs=0, last_error="", last_result={})
                s.add(row)
            row.runs = (row.runs or 0) + 1
            row.last_started_at = started
            row.last_finished_at = at
            if error:
                row.last_error = error[:2000]
            else:
                row.last_ok_at = at
                row.last_error = ""
                row.last_result = result or {}

    def due(self, job: PeriodicJob, at: datetime) -> bool:
        """Whether ``job`` is due at ``at`` (by its last start, kept in the database)."""
        last = self._state(job.name)
        return last is None or at >= last + timedelta(seconds=job.interval_s) or last > at

    def run_once(self) -> dict[str, Any]:
        """Heartbeat, then every due job; returns ``{job: result or {"error": ...}}``."""
        self.heartbeat()
        results: dict[str, Any] = {}
        for job in self.jobs:
            started = self.clock()
            if not self.due(job, started):
                continue
            try:
                result = job.run(self.db, self.settings, started)
            except DispatchError as err:
                self._record(job.name, started=started, result=None, error=err.localized())
                results[job.name] = {"error": err.localized()}
            except Exception as err:  # a job's bug must not stop the others
                log.exception("job %s failed", job.name)
                self._record(job.name, started=started, result=None, error=f"{type(err).__name__}: {err}")
                results[job.name] = {"error": f"{type(err).__name__}: {err}"}
            else:
                self._record(job.name, started=started, result=result, error="")
                results[job.name] = result
        return results

    def run(self, stop: threading.Event | None = None, *, max_loops: int | None = None, tick_s: float = 1.0) -> int:
        """Loop until ``stop`` is set (SIGTERM, Ctrl-C) or ``max_loops`` ran; returns the loops run.

        A database that does not answer is waited for (logged), never a reason to exit.
        """
        stop = stop or threading.Event()
        loops = 0
        while not stop.is_set() and (max_loops is None or loops < max_loops):
            try:
                self.run_once()
            except DispatchError as err:  # the database is down: wait for it
                log.warning("worker pass failed: %s", err)
            loops += 1
            stop.wait(tick_s)
        return loops


@dataclass(frozen=True)
class JobHealth:
    name: str
    runs: int
    last_started_at: datetime | None
    last_ok_at: datetime | None
    last_error: str
    last_result: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "runs": self.runs,
            "last_started_at": self.last_started_at.isoformat() if self.last_started_at else None,
            "last_ok_at": self.last_ok_at.isoformat() if self.last_ok_at else None,
            "last_error": self.last_error, "last_result": self.last_result,
        }  # fmt: skip


@dataclass(frozen=True)
class WorkerHealth:
    """What the office sees of the worker."""

    name: str
    alive: bool
    pid: int | None
    host: str
    started_at: datetime | None
    heartbeat_at: datetime | None
    jobs: tuple[JobHealth, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "alive": self.alive, "pid": self.pid, "host": self.host,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "heartbeat_at": self.heartbeat_at.isoformat() if self.heartbeat_at else None,
            "jobs": [j.to_dict() for j in self.jobs],
        }  # fmt: skip


def health(db: Database, settings: Settings, *, name: str = "worker", at: datetime | None = None) -> WorkerHealth:
    """The worker's health: alive when its heartbeat is younger than a minute (or 3 passes)."""
    when = at or now()
    limit = timedelta(seconds=max(60.0, 3 * settings.mail.send_interval_s))
    with db.read() as s:  # read every field inside the session (its end expires the rows)
        st = s.get(WorkerStatusRow, name)
        jobs = tuple(
            JobHealth(r.name, r.runs, r.last_started_at, r.last_ok_at, r.last_error, dict(r.last_result or {}))
            for r in s.scalars(sa.select(WorkerJobRow).order_by(WorkerJobRow.name)).all()
        )
        if st is None:
            return WorkerHealth(name, False, None, "", None, None, jobs)
        alive = when - st.heartbeat_at <= limit
        return WorkerHealth(name, alive, st.pid, st.host, st.started_at, st.heartbeat_at, jobs)


__all__ = ["JOB_PROVIDERS", "JobHealth", "PeriodicJob", "Worker", "WorkerHealth", "health", "provided_jobs", "register_job"]
