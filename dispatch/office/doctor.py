"""``opms-dispatch doctor``: is this installation ready for the real shop?

Each check returns a :class:`Finding`: ``ok``, ``problem`` (something is wrong: the command
exits non-zero) or ``notice`` (worth knowing, not wrong: e.g. no mail server configured), with
what was found and how to fix it, in the language of the settings (Québec French by default).

The checks, in order:

* ``legal``: the GST/QST numbers and the Interac address are not the shipped placeholders
  (they print on every invoice);
* ``database``: the database answers and is not damaged (SQLite: ``PRAGMA quick_check``);
  a missing SQLite file is a notice (the dashboard creates it);
* ``region``: a region is built and its data reaches the extended radius around the shop
  in every direction (else addresses there cannot be routed);
* ``mail``: the ``[mail]`` SMTP server accepts a TCP connection (when one is configured);
* ``backup``: a backup made by ``opms-dispatch backup`` in ``<data_dir>/backups`` is less
  than 24 h old;
* ``permissions``: nothing in the data directory (database, backups, settings) is readable
  by other users of the machine.

The checks only read (the database is opened without migrating it).
"""

from __future__ import annotations

import json
import os
import socket
import stat
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from dispatch.errors import DispatchError
from dispatch.i18n import _
from dispatch.office.setup_checklist import PLACEHOLDERS, placeholder_fields
from dispatch.settings import Settings

Status = Literal["ok", "problem", "notice"]

#: A backup older than this (hours) is a problem.
BACKUP_MAX_AGE_H = 24.0
#: Seconds to wait for the mail server's TCP connection.
MAIL_TIMEOUT_S = 5.0
#: Files of the backup folder made by ``opms-dispatch backup`` (SQLite copy, pg_dump file).
BACKUP_PATTERNS = ("opms-*.sqlite3", "opms-*.dump")
#: At most this many entries of the data directory are inspected for their modes.
MAX_FILES = 20000
#: Folders of the data directory holding no personal information (not inspected).
PUBLIC_FOLDERS = frozenset({"regions"})


@dataclass(frozen=True)
class Finding:
    """The result of one check: ``status``, what was found, how to fix it (translated)."""

    key: str
    status: Status
    message: str
    fix: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"check": self.key, "status": self.status, "message": self.message, "fix": self.fix}


@dataclass(frozen=True)
class Report:
    """Every finding of one run; ``ok`` when none is a problem."""

    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def problems(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.status == "problem")

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "problems": len(self.problems),
                "checks": [f.to_dict() for f in self.findings]}


# --- legal numbers --------------------------------------------------------------------------
def check_legal(settings: Settings) -> Finding:
    """The GST/QST numbers and Interac address printed on invoices are the company's."""
    fields = placeholder_fields(settings)
    if not fields:
        return Finding("legal", "ok", _("GST {gst}, QST {qst}, Interac {interac}.").format(
            gst=settings.billing.gst_number, qst=settings.billing.qst_number,
            interac=settings.billing.interac_email))
    shown = ", ".join(f"billing.{f} = {PLACEHOLDERS[f]!r}" for f in fields)
    return Finding(
        "legal", "problem",
        _("Placeholder values would print on invoices: {fields}.").format(fields=shown),
        _("Set the company's real numbers in Settings › Company, or in the [billing] section "
          "of the settings file (gst_number, qst_number, interac_email)."),
    )


# --- database -------------------------------------------------------------------------------
def check_database(settings: Settings) -> Finding:
    """The database answers and is sound; never creates or migrates it."""
    import sqlalchemy as sa

    from dispatch.records.database import open_database, storage_error

    url = sa.make_url(settings.database_url)
    shown = url.render_as_string(hide_password=True)
    sqlite_file = (url.get_backend_name() == "sqlite" and url.database
                   and url.database != ":memory:" and not url.database.startswith("file:"))
    if sqlite_file and not Path(str(url.database)).expanduser().is_file():
        return Finding("database", "notice", _(
                "No database yet at {url}: it is created when the dashboard or a command first "
                "uses it.").format(url=shown))
    try:
        db = open_database(settings.database_url, settings=settings, migrate=False)
        try:
            with db.engine.connect() as conn:
                if db.dialect == "sqlite":
                    rows = [r[0] for r in conn.exec_driver_sql("PRAGMA quick_check").fetchall()]
                    if rows != ["ok"]:
                        return Finding("database", "problem", _(
                            "The database {url} fails SQLite's check: {problems}.").format(
                                url=shown, problems="; ".join(map(str, rows[:3]))),
                            _("Stop the dashboard and restore the latest backup: "
                              "opms-dispatch restore FILE --yes."))
                else:
                    conn.exec_driver_sql("SELECT 1")
        finally:
            db.close()
    except DispatchError as err:
        return _database_problem(err, shown)
    except sa.exc.DBAPIError as err:
        return _database_problem(storage_error(err, url=shown), shown)
    return Finding("database", "ok", _("The database {url} answers and is sound.").format(url=shown))


def _database_problem(err: DispatchError, shown: str) -> Finding:
    from dispatch.errors import DatabaseDamaged, DatabaseUnreachable

    if isinstance(err, DatabaseDamaged):
        fix = _("Stop the dashboard and restore the latest backup: opms-dispatch restore FILE --yes.")
    elif isinstance(err, DatabaseUnreachable):
        fix = _("Start PostgreSQL (systemctl start postgresql) and check [database] url: {url}.")
        fix = fix.format(url=shown)
    else:
        fix = _("Check [database] url and the data directory's permissions, then run doctor again.")
    return Finding("database", "problem", err.localized(), fix)


# --- region ---------------------------------------------------------------------------------
def data_reach_km(meta: dict[str, Any]) -> float | None:
    """How far (km) the region's data reaches from the shop in its shortest direction.

    The distance from the shop to the nearest side of the data's bounding box (south, north,
    west, east), as the region build's warning measures it; ``None`` without a bounding box.
    """
    bbox, shop = meta.get("bbox"), meta.get("shop")
    if not bbox or not shop:
        return None
    from dispatch.geo.geodesy import geodesic_m
    from dispatch.geo.point import GeoPoint

    south, west, north, east = (float(v) for v in bbox)
    centre = GeoPoint(float(shop["lat"]), float(shop["lon"]))
    lats = [south, north, centre.lat, centre.lat]
    lons = [centre.lon, centre.lon, west, east]
    inside = south <= centre.lat <= north and west <= centre.lon <= east
    if not inside:
        return 0.0
    return float(min(geodesic_m(centre, lats, lons))) / 1000


def _region_metas(settings: Settings) -> list[dict[str, Any]]:
    out = []
    folder = settings.regions_dir
    if folder.is_dir():
        for d in sorted(folder.iterdir()):
            meta_file = d / "meta.json"
            if d.name.startswith(".") or not meta_file.is_file():
                continue
            try:
                out.append(json.loads(meta_file.read_text(encoding="utf-8")))
            except (OSError, ValueError):
                continue
    return out


def check_region(settings: Settings) -> list[Finding]:
    """A region is built and covers the extended zone around the shop."""
    metas = _region_metas(settings)
    build = _("Build it on the home page of the dashboard, or: opms-dispatch region build "
              "download --name NAME --shop-latlon LAT,LON (online).")
    if not metas:
        return [Finding("region", "problem", _("No region is built in {folder}.").format(
            folder=settings.regions_dir), build)]
    default = settings.general.default_region
    chosen = [m for m in metas if m.get("name") == default] or metas
    out = []
    for meta in chosen:
        name = str(meta.get("name"))
        reach = data_reach_km(meta)
        extended = float(meta.get("extended_km") or settings.service_area.extended_km)
        if reach is not None and reach + 0.05 < extended:
            shop = meta.get("shop") or {}
            rebuild = _(
                "Download the whole area when online: opms-dispatch region build download "
                "--name {name} --shop-latlon {lat},{lon} (or build it from an extract that covers "
                "{extended} km around the shop).").format(
                    name=name, lat=shop.get("lat"), lon=shop.get("lon"),
                    extended=_km(extended, "g"))
            out.append(Finding("region", "problem", _(
                "Region {name}: the map data reaches only {reach} km from the shop in some "
                "directions, less than the extended zone ({extended} km); addresses beyond "
                "cannot be routed.").format(name=name, reach=_km(reach), extended=_km(extended, "g")),
                rebuild))
        else:
            out.append(Finding("region", "ok", _(
                "Region {name}: the map data covers the extended zone ({extended} km).").format(
                    name=name, extended=_km(extended, "g"))))
    return out


def _km(value: float, spec: str = ".1f") -> str:
    """A number as people read it here (``3,3``)."""
    from dispatch.geo.geodesy import decimal_text

    return decimal_text(value, spec)


# --- mail -----------------------------------------------------------------------------------
Connect = Callable[[tuple[str, int], float], Any]


def check_mail(settings: Settings, *, timeout: float = MAIL_TIMEOUT_S,
               connect: Connect = socket.create_connection) -> Finding:
    """The configured SMTP server accepts a TCP connection (a notice when none is configured)."""
    mail = getattr(settings, "mail", None)
    host = str(getattr(mail, "smtp_host", "") or "").strip()
    if not host:
        return Finding("mail", "notice", _(
            "No outgoing mail server is configured: no e-mail is sent (confirmations, "
            "reminders)."), _("Set smtp_host, smtp_port and from_address in the [mail] section "
                              "of the settings."))
    security = str(getattr(mail, "smtp_security", "") or "")
    port = int(getattr(mail, "smtp_port", 0) or (465 if security == "ssl" else 587))
    try:
        sock = connect((host, port), timeout)
    except OSError as err:
        return Finding("mail", "problem", _(
            "The mail server {host}:{port} does not answer ({reason}).").format(
                host=host, port=port, reason=err.strerror or type(err).__name__),
            _("Check [mail] smtp_host and smtp_port, and that this machine may reach the "
              "server (firewall)."))
    close = getattr(sock, "close", None)
    if callable(close):
        close()
    return Finding("mail", "ok", _("The mail server {host}:{port} answers.").format(
        host=host, port=port))


# --- backups --------------------------------------------------------------------------------
def latest_backup(settings: Settings) -> Path | None:
    """The newest file made by ``opms-dispatch backup`` in ``<data_dir>/backups``."""
    folder = Path(settings.data_dir) / "backups"
    if not folder.is_dir():
        return None
    files = [f for p in BACKUP_PATTERNS for f in folder.glob(p) if f.is_file()]
    return max(files, key=lambda f: f.stat().st_mtime, default=None)


def check_backup(settings: Settings, *, now: float | None = None) -> Finding:
    """A backup of less than :data:`BACKUP_MAX_AGE_H` hours exists."""
    now = time.time() if now is None else now
    fix = _("Make one now (opms-dispatch backup) and schedule it daily (deploy/"
            "opms-dispatch-backup.timer, see the README's production guide).")
    newest = latest_backup(settings)
    if newest is None:
        return Finding("backup", "problem", _("No backup in {folder}.").format(
            folder=Path(settings.data_dir) / "backups"), fix)
    age_h = (now - newest.stat().st_mtime) / 3600
    if age_h > BACKUP_MAX_AGE_H:
        return Finding("backup", "problem", _(
            "The latest backup ({file}) is {hours} h old (more than {limit} h).").format(
                file=newest.name, hours=f"{age_h:.0f}", limit=f"{BACKUP_MAX_AGE_H:g}"), fix)
    return Finding("backup", "ok", _("Latest backup: {file}, {hours} h ago.").format(
        file=newest.name, hours=_km(max(age_h, 0.0))))


# --- file modes -----------------------------------------------------------------------------
def _entries(root: Path) -> Iterator[Path]:
    yield root
    count = 0
    for dirpath, dirnames, filenames in os.walk(root):
        if Path(dirpath) == root:
            dirnames[:] = [d for d in dirnames if d not in PUBLIC_FOLDERS]
        for name in [*dirnames, *filenames]:
            count += 1
            if count > MAX_FILES:
                return
            yield Path(dirpath) / name


def exposed_files(settings: Settings) -> list[Path]:
    """Entries of the data directory that other users may read (or enter), symlinks aside."""
    root = Path(settings.data_dir)
    if not root.is_dir():
        return []
    out = []
    for path in _entries(root):
        try:
            mode = path.lstat().st_mode
        except OSError:
            continue
        if stat.S_ISLNK(mode):
            continue
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            out.append(path)
    return out


def check_permissions(settings: Settings) -> Finding:
    """Nothing of the data directory is open to other users (folders 0700, files 0600)."""
    exposed = exposed_files(settings)
    if not exposed:
        return Finding("permissions", "ok", _(
            "The data directory {folder} is readable by its owner only.").format(
                folder=settings.data_dir))
    shown = ", ".join(f"{p} ({stat.filemode(p.lstat().st_mode)})" for p in exposed[:5])
    more = len(exposed) - 5
    message = _("Readable by other users of this machine: {files}.").format(files=shown)
    if more > 0:
        message += " " + _("And {count} more.").format(count=more)
    return Finding("permissions", "problem", message, _(
        "Run: chmod -R go-rwx {folder} (and UMask=0077 in the service, as in deploy/).").format(
            folder=settings.data_dir))


# --- all ------------------------------------------------------------------------------------
def run_checks(settings: Settings, *, mail_timeout: float = MAIL_TIMEOUT_S,
               connect: Connect = socket.create_connection, now: float | None = None) -> Report:
    """Every check of the installation described by ``settings``."""
    findings = [
        check_legal(settings),
        check_database(settings),
        *check_region(settings),
        check_mail(settings, timeout=mail_timeout, connect=connect),
        check_backup(settings, now=now),
        check_permissions(settings),
    ]
    return Report(tuple(findings))


__all__ = [
    "BACKUP_MAX_AGE_H",
    "Finding",
    "Report",
    "check_backup",
    "check_database",
    "check_legal",
    "check_mail",
    "check_permissions",
    "check_region",
    "data_reach_km",
    "exposed_files",
    "latest_backup",
    "run_checks",
]
