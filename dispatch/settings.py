"""One typed settings object, read from a TOML file and the environment.

Where the values come from, last one wins:

1. the defaults written below (each documented next to its field);
2. the TOML file named by ``$OPMS_CONFIG``, else ``<data_dir>/settings.toml`` if it exists;
3. environment variables ``OPMS_<SECTION>__<FIELD>`` (for example
   ``OPMS_TARIFF__CORE_FLAT=40.00`` or ``OPMS_GEOCODING__SERVICE=nominatim``), and
   ``OPMS_DATA_DIR`` for the data directory.

A TOML file has one table per section::

    [service_area]
    core_km = 10
    extended_km = 15

    [tariff]
    core_flat = "35.00"

Money is written as strings in TOML so that it stays exact (``Decimal``).
"""

from __future__ import annotations

import dataclasses
import json
import os
import tomllib
import types
import typing
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

import tomli_w
from platformdirs import user_data_dir

from dispatch.errors import InvalidInput
from dispatch.i18n import N_

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

_Section = TypeVar("_Section", bound="DataclassInstance")

#: Name of the product's time zone. The product works in Québec time only: every date and time
#: it shows, stores or plans is in this zone (``general.timezone`` must name it).
TIMEZONE = "America/Montreal"
#: The product's time zone, the one definition every module uses.
TZ = ZoneInfo(TIMEZONE)

#: Default road speeds (km/h) per OSM ``highway`` class where ``maxspeed`` is missing.
#: Québec practice: 100 autoroute, 70-90 regional roads, 50 urban, 40 residential.
QUEBEC_SPEEDS_KPH: dict[str, float] = {
    "motorway": 100.0,
    "motorway_link": 60.0,
    "trunk": 90.0,
    "trunk_link": 50.0,
    "primary": 80.0,
    "primary_link": 50.0,
    "secondary": 70.0,
    "secondary_link": 50.0,
    "tertiary": 50.0,
    "tertiary_link": 40.0,
    "unclassified": 50.0,
    "residential": 40.0,
    "living_street": 20.0,
    "service": 20.0,
    "road": 40.0,
}


def _default_data_dir() -> Path:
    env = os.environ.get("OPMS_DATA_DIR")
    if env:
        return Path(env).expanduser()
    return Path(user_data_dir("opms-dispatch", appauthor=False))


@dataclass(frozen=True)
class GeneralSettings:
    """Company-wide values."""

    #: Time zone of every date and time the product shows or stores. Fixed: the product works
    #: in America/Montreal (:data:`TZ`); another value is refused, never silently ignored.
    timezone: str = TIMEZONE
    #: Language of the interface and documents (Québec French first).
    language: str = "fr_CA"
    #: Name of the region used when a command or page does not say which.
    default_region: str = ""
    company_name: str = "OPMS Informatique"
    company_address: str = "Mascouche (Québec)"
    company_phone: str = ""
    company_email: str = ""

    def __post_init__(self) -> None:
        if self.timezone != TIMEZONE:
            msg = N_(
                "Setting general.timezone = {value!r} is not supported: the product works in "
                "{zone} only; remove the setting or set it to {zone}."
            )
            raise InvalidInput(msg, value=self.timezone, zone=TIMEZONE)


@dataclass(frozen=True)
class NetworkSettings:
    """Road network building and travel times."""

    #: km/h per ``highway`` class when the way has no usable ``maxspeed``.
    speeds_kph: dict[str, float] = field(default_factory=lambda: dict(QUEBEC_SPEEDS_KPH))
    #: Points farther than this from any road are flagged, never silently moved.
    snap_max_m: float = 500.0
    #: The shop must lie within this distance of a road.
    shop_max_snap_m: float = 1000.0
    #: Multiplier applied to drive times for traffic (1.0 = free flow).
    traffic_factor: float = 1.0
    #: Worker processes for large travel-time matrices (0 = one per core, max 2 here).
    matrix_workers: int = 0
    #: Margin (km) added around the extended radius when downloading from OpenStreetMap.
    download_margin_km: float = 3.0


@dataclass(frozen=True)
class ServiceAreaSettings:
    """Service zones around the shop."""

    #: Radius of the core zone (km).
    core_km: float = 10.0
    #: Radius of the extended zone (km); beyond it the address is outside.
    extended_km: float = 15.0
    #: Which distance decides the zone: ``straight`` (geodesic, the published radius) or ``road``.
    zone_by: str = "straight"
    #: Optional GeoJSON file of a custom service polygon (overrides the circles when set).
    custom_polygon: str = ""
    #: Optional list of postal-code prefixes (FSA, e.g. ``J7K``) served in addition.
    fsa_prefixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class TariffSettings:
    """Travel fee ("déplacement") tariff, in CAD."""

    #: Flat travel fee inside the core zone.
    core_flat: Decimal = Decimal("35.00")
    #: Flat part of the travel fee in the extended zone.
    extended_flat: Decimal = Decimal("35.00")
    #: Per road-km beyond the core radius, in the extended zone.
    extended_per_km: Decimal = Decimal("1.50")
    #: Outside the extended zone the travel fee is on quote (no automatic amount).
    outside_on_quote: bool = True
    #: Fee for a cancellation made less than ``cancellation_notice_h`` hours before.
    late_cancellation_fee: Decimal = Decimal("0.00")
    #: Notice (hours) for an on-time cancellation.
    cancellation_notice_h: int = 24


@dataclass(frozen=True)
class BillingSettings:
    """Invoices and taxes."""

    #: Hourly rate of diagnostic time.
    hourly_rate: Decimal = Decimal("85.00")
    #: Diagnostic time is billed by blocks of this many minutes (rounded up).
    increment_min: int = 15
    #: Minimum billed diagnostic minutes.
    minimum_min: int = 30
    #: Compensation when the estimate is accepted but the workshop refused (% of diagnostic).
    workshop_refused_pct: Decimal = Decimal("20")
    gst_rate: Decimal = Decimal("0.05")
    qst_rate: Decimal = Decimal("0.09975")
    gst_number: str = "123456789 RT0001"
    qst_number: str = "1234567890 TQ0001"
    invoice_prefix: str = "F"
    #: Address for Interac e-Transfer payments printed on the invoice.
    interac_email: str = "paiement@example.com"
    #: PayPal payment link printed on the invoice (empty: none). The three values above are
    #: placeholders: no invoice is issued until the company's real numbers are set (Paramètres).
    paypal_link: str = ""
    #: Years invoices are kept after a customer's erasure (Law 25 / tax law).
    retention_years: int = 6
    #: Prefix of credit-note numbers (their own gapless series, e.g. ``AV2026-00001``).
    credit_note_prefix: str = "AV"
    #: Whether ``minimum_min`` also applies to a remote session interrupted by the customer
    #: (default no: only the time done so far is billed, rounded up to ``increment_min``).
    interrupted_minimum: bool = False
    #: Bill a second travel line for the return visit of a workshop repair.
    bill_return_travel: bool = True


@dataclass(frozen=True)
class GeocodingSettings:
    """Address geocoding (offline by default: no address leaves the machine)."""

    #: ``offline`` (the region's own address points) or ``nominatim`` (opt-in, online).
    service: str = "offline"
    #: Nominatim server base URL (scheme + host), used only when ``service = "nominatim"``.
    nominatim_url: str = "https://nominatim.openstreetmap.org"
    #: User agent sent to Nominatim (required by its usage policy when online).
    user_agent: str = ""
    #: Seconds before an online request times out.
    timeout_s: float = 5.0
    #: Minimum delay between two online requests (Nominatim policy: 1 request/s).
    min_delay_s: float = 1.0
    #: Fuzzy street-name match threshold (0-100, rapidfuzz score).
    fuzzy_threshold: float = 88.0


@dataclass(frozen=True)
class OnlineSettings:
    """Online sources, all optional."""

    #: Overpass API endpoint for ``region build download``.
    overpass_url: str = "https://overpass-api.de/api/interpreter"
    #: Seconds before an Overpass request times out.
    overpass_timeout_s: float = 180.0
    #: Tile URL template for map basemaps; empty = draw the region's roads (offline).
    tile_url: str = ""
    tile_attribution: str = "© OpenStreetMap contributors"


@dataclass(frozen=True)
class DatabaseSettings:
    """Storage."""

    #: SQLAlchemy URL; empty = SQLite file ``<data_dir>/opms.sqlite3``.
    url: str = ""


@dataclass(frozen=True)
class BackupSettings:
    """Backups of the database (``opms-dispatch backup``)."""

    #: Days a file of ``<data_dir>/backups`` (backups, pre-restore copies) is kept: older ones
    #: are deleted when a backup is made and by ``customer purge`` (Law 25: erased customers
    #: leave the backups within this delay).
    keep_days: int = 30


@dataclass(frozen=True)
class RoutingSettings:
    """Dispatch optimisation."""

    #: Default time limit (s) of a day's optimisation.
    time_limit_s: float = 5.0
    #: Default random seed (same input and seed give the same plan).
    seed: int = 1


@dataclass(frozen=True)
class SecuritySettings:
    """Staff access."""

    session_timeout_min: int = 30
    max_failed_logins: int = 5
    lockout_min: int = 15
    upload_max_mb: int = 300


@dataclass(frozen=True)
class MailSettings:
    """The company's mailbox: outgoing e-mail (SMTP) to customers, incoming requests (IMAP)."""

    #: SMTP server of the company's mailbox; empty = no e-mail is sent (messages wait queued).
    smtp_host: str = ""
    #: SMTP port: 587 for ``starttls``, 465 for ``ssl``, 25 for ``none``.
    smtp_port: int = 587
    #: SMTP login; empty = no login (a local relay).
    smtp_user: str = ""
    smtp_password: str = ""
    #: ``none`` (plain, local relays only), ``starttls`` or ``ssl`` (implicit TLS).
    smtp_security: str = "starttls"
    #: Sender of the e-mails (``From``); empty = ``general.company_email``.
    from_address: str = ""
    #: Seconds before an SMTP exchange times out.
    timeout_s: float = 30.0
    #: IMAP server of the website's mailbox (IMAPS); empty = not read.
    imap_host: str = ""
    imap_port: int = 993
    imap_user: str = ""
    imap_password: str = ""
    #: Folder read for new requests.
    imap_folder: str = "INBOX"
    #: Seconds between two readings of the mailbox and two passes over the outbox.
    poll_interval_s: float = 60.0
    #: Attempts of a message before it is marked failed (retries back off: 1, 2, 4 ... min, max 1 h).
    max_attempts: int = 12
    #: Hour (0-23, Québec time) from which the worker sends the day-before reminders.
    reminder_hour: int = 10
    #: Seconds between two passes of the worker over the outbox.
    send_interval_s: float = 5.0
    #: Seconds a worker holds a message it is sending; a message still held after that (its
    #: worker died) is sent again. Must exceed the longest send (``timeout_s`` and more).
    lease_s: float = 300.0
    #: Public address of the dashboard (``https://rv.example.com``) for the links in messages
    #: (unsubscribe, appointment); empty = messages carry no link.
    public_url: str = ""

    def __post_init__(self) -> None:
        if self.smtp_security not in {"none", "starttls", "ssl"}:
            msg = N_("Setting mail.smtp_security = {value!r} is not one of none, starttls, ssl.")
            raise InvalidInput(msg, value=self.smtp_security)


@dataclass(frozen=True)
class SmsSettings:
    """Text messages through an HTTP SMS API in Twilio's REST form
    (``POST {url}/Accounts/{account}/Messages.json``, form-encoded ``To``/``From``/``Body``,
    HTTP basic authentication with the account and the token)."""

    #: Whether text messages are sent at all.
    enabled: bool = False
    #: Base URL of the API (Twilio: ``https://api.twilio.com/2010-04-01``).
    url: str = "https://api.twilio.com/2010-04-01"
    #: Account identifier (Twilio: the Account SID).
    account: str = ""
    token: str = ""
    #: Sending number in E.164 form (``+14505551234``).
    from_number: str = ""
    #: Seconds before a request to the API times out.
    timeout_s: float = 15.0


@dataclass(frozen=True)
class Settings:
    """Every setting of the product; see the module docstring for where values come from."""

    data_dir: Path = field(default_factory=_default_data_dir)
    general: GeneralSettings = field(default_factory=GeneralSettings)
    network: NetworkSettings = field(default_factory=NetworkSettings)
    service_area: ServiceAreaSettings = field(default_factory=ServiceAreaSettings)
    tariff: TariffSettings = field(default_factory=TariffSettings)
    billing: BillingSettings = field(default_factory=BillingSettings)
    geocoding: GeocodingSettings = field(default_factory=GeocodingSettings)
    online: OnlineSettings = field(default_factory=OnlineSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    backup: BackupSettings = field(default_factory=BackupSettings)
    routing: RoutingSettings = field(default_factory=RoutingSettings)
    security: SecuritySettings = field(default_factory=SecuritySettings)
    mail: MailSettings = field(default_factory=MailSettings)
    sms: SmsSettings = field(default_factory=SmsSettings)

    @property
    def regions_dir(self) -> Path:
        """Folder of the cached region bundles."""
        return self.data_dir / "regions"

    @property
    def cache_dir(self) -> Path:
        """Folder of on-disk caches (online geocoder answers, downloads)."""
        return self.data_dir / "cache"

    @property
    def database_url(self) -> str:
        """The SQLAlchemy URL in force (SQLite in the data directory by default)."""
        return self.database.url or f"sqlite:///{self.data_dir / 'opms.sqlite3'}"

    def with_section(self, name: str, **changes: object) -> Settings:
        """Return a copy with fields of one section changed (for tests and pages)."""
        return replace(self, **{name: replace(getattr(self, name), **changes)})


def _coerce(value: Any, tp: object, where: str) -> object:
    """Convert a TOML or environment value to the declared field type."""
    origin = typing.get_origin(tp)
    try:
        if tp is Decimal:
            if isinstance(value, float):
                value = repr(value)
            return Decimal(str(value).strip())
        if tp is bool:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in {"1", "true", "yes", "oui", "on"}:
                return True
            if text in {"0", "false", "no", "non", "off", ""}:
                return False
            raise ValueError(value)
        if tp is int:
            if isinstance(value, bool):
                raise ValueError(value)
            return int(str(value).strip())
        if tp is float:
            return float(str(value).strip())
        if tp is str:
            return str(value)
        if tp is Path:
            return Path(str(value)).expanduser()
        if origin is tuple:
            if isinstance(value, str):
                value = [v.strip() for v in value.split(",") if v.strip()]
            return tuple(str(v) for v in value)
        if origin is dict:
            if isinstance(value, str):
                value = json.loads(value)
            _, vt = typing.get_args(tp)
            return {str(k): _coerce(v, vt, where) for k, v in dict(value).items()}
        if isinstance(tp, types.UnionType):
            return value
    except (ValueError, TypeError, InvalidOperation) as err:
        msg = N_(
            "Setting {where} = {value!r} is not a valid {type}; fix the settings file or environment "
            "variable."
        )
        raise InvalidInput(msg, where=where, value=value, type=getattr(tp, "__name__", tp)) from err
    return value


def _apply(section_obj: _Section, values: dict[str, Any], where: str) -> _Section:
    hints = typing.get_type_hints(type(section_obj))
    known = {f.name for f in fields(section_obj)}
    changes: dict[str, object] = {}
    for key, value in values.items():
        if key not in known:
            msg = N_("Unknown setting {where}.{key}; known: {known}.")
            raise InvalidInput(msg, where=where, key=key, known=", ".join(sorted(known)))
        tp = hints[key]
        if dataclasses.is_dataclass(tp):
            if not isinstance(value, dict):
                msg = N_("Setting {where}.{key} must be a table.")
                raise InvalidInput(msg, where=where, key=key)
            changes[key] = _apply(getattr(section_obj, key), value, f"{where}.{key}")
        else:
            changes[key] = _coerce(value, tp, f"{where}.{key}")
    return replace(section_obj, **changes)


def _env_values(env: typing.Mapping[str, str]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for key, value in env.items():
        if not key.startswith("OPMS_") or "__" not in key:
            continue
        section, _, name = key[5:].partition("__")
        out.setdefault(section.lower(), {})[name.lower()] = value
    return out


def load_settings(
    path: str | os.PathLike[str] | None = None,
    *,
    env: typing.Mapping[str, str] | None = None,
    data_dir: str | os.PathLike[str] | None = None,
) -> Settings:
    """Read the settings in force.

    Parameters
    ----------
    path
        TOML file to read; default ``$OPMS_CONFIG``, else ``<data_dir>/settings.toml``.
    env
        Environment to read ``OPMS_*`` variables from (default ``os.environ``).
    data_dir
        Data directory, overriding ``$OPMS_DATA_DIR``.

    Returns
    -------
    Settings
        The frozen settings object.
    """
    env = os.environ if env is None else env
    if data_dir is not None:
        base = Settings(data_dir=Path(data_dir).expanduser())
    elif env.get("OPMS_DATA_DIR"):
        base = Settings(data_dir=Path(env["OPMS_DATA_DIR"]).expanduser())
    else:
        base = Settings()
    if path is None and env.get("OPMS_CONFIG"):
        path = env["OPMS_CONFIG"]
    file_values: dict[str, Any] = {}
    if path is not None:
        p = Path(path).expanduser()
        if not p.is_file():
            msg = N_("Settings file {path} does not exist; create it or unset OPMS_CONFIG.")
            raise InvalidInput(msg, path=p)
    else:
        p = base.data_dir / "settings.toml"
    if p.is_file():
        try:
            file_values = tomllib.loads(p.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
            msg = N_("Settings file {path} is not valid TOML: {reason}")
            raise InvalidInput(msg, path=p, reason=str(err)) from err
    settings = base
    for source in (file_values, _env_values(env)):
        if not source:
            continue
        changes = dict(source)
        if "data_dir" in changes:
            settings = replace(settings, data_dir=Path(str(changes.pop("data_dir"))).expanduser())
        settings = _apply(settings, changes, "settings")
    return settings


def settings_to_toml(settings: Settings, *, env: typing.Mapping[str, str] | None = None) -> str:
    """Serialise settings to TOML text (what the Settings page saves).

    The fields set by ``OPMS_<SECTION>__<FIELD>`` variables of ``env`` (default
    ``os.environ``) are left out: the environment gives them again at every start, and a
    password passed that way (``OPMS_MAIL__SMTP_PASSWORD``) must not land in the file.
    """

    def plain(obj: object) -> Any:  # a TOML value
        if dataclasses.is_dataclass(obj):
            return {f.name: plain(getattr(obj, f.name)) for f in fields(obj)}
        if isinstance(obj, Decimal):
            return str(obj)
        if isinstance(obj, Path):
            return str(obj)
        if isinstance(obj, tuple):
            return list(obj)
        if isinstance(obj, dict):
            return {k: plain(v) for k, v in obj.items()}
        return obj

    data = plain(settings)
    data.pop("data_dir", None)
    for section, values in _env_values(os.environ if env is None else env).items():
        for name in values:
            if isinstance(data.get(section), dict):
                data[section].pop(name, None)
    return tomli_w.dumps(data)


__all__ = ["QUEBEC_SPEEDS_KPH", "TIMEZONE", "TZ", "Settings", "load_settings", "settings_to_toml"]
