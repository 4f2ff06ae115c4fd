"""The setup checklist "Mise en route": what a real company sets before its first customer.

After the first administrator, the owner goes through six items; each says whether it is
done, what is in force, and which page does it (one click away on the dashboard):

* ``region``: the shop's position and the road map of the territory (a built region);
* ``technicians``: at least one active technician;
* ``tariff``: the travel and diagnostic rates, confirmed (saved once in the settings file:
  the shipped defaults are OPMS's own rates, but the owner must have looked at them);
* ``company``: the legal name and the GST/QST registration numbers and Interac address printed
  on invoices (the shipped placeholders ``123456789 RT0001``, ``1234567890 TQ0001`` and
  ``paiement@example.com`` count as not done);
* ``policy``: the company's policy text (a versioned document, when the installed version has
  one: looked up lazily, see :func:`lookup_policy_check`, else reported as not available);
* ``mail``: the outgoing mail server (``[mail] smtp_host`` and ``from_address``, read with
  defaults so that a version without a ``[mail]`` section reports it as not available); set in
  Settings › E-mail and SMS, which also sends a test message.

``region``, ``technicians`` and ``company`` are needed before the first invoice
(:attr:`Checklist.missing_for_invoice`); the dashboard's home page names what is missing.

The checklist only reads: the settings, the settings file, the built regions' list and the
database (technicians).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dispatch.i18n import _
from dispatch.settings import BillingSettings, Settings

if TYPE_CHECKING:
    from dispatch.records import Database

#: The shipped placeholders of the legal numbers and the Interac address (never a real company's).
PLACEHOLDERS: dict[str, str] = {
    "gst_number": BillingSettings.gst_number,
    "qst_number": BillingSettings.qst_number,
    "interac_email": BillingSettings.interac_email,
}

#: The pages that do each item (paths of ``views/``, for ``st.page_link``).
SETTINGS_PAGE = "views/parametres.py"
HOME_PAGE = "views/welcome.py"

#: ``policy_check(db, settings) -> (done, detail)``: the policy item's state.
PolicyCheck = Callable[["Database", Settings], tuple[bool, str]]


@dataclass(frozen=True)
class SetupItem:
    """One item of the checklist.

    Attributes
    ----------
    key
        Stable name (``region``, ``technicians``, ``tariff``, ``company``, ``policy``, ``mail``).
    title
        What to set, for people (translated).
    done
        Whether it is set.
    detail
        What is in force, or what is missing and where to set it (translated).
    page
        The dashboard page that does it (``views/...``).
    place
        Where on that page (a tab's name, translated), or ``""``.
    required_for_invoice
        Whether an invoice needs it.
    available
        False when the installed version cannot do it yet (then never counted as missing).
    """

    key: str
    title: str
    done: bool
    detail: str
    page: str
    place: str = ""
    required_for_invoice: bool = False
    available: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key, "title": self.title, "done": self.done, "detail": self.detail,
            "page": self.page, "place": self.place,
            "required_for_invoice": self.required_for_invoice, "available": self.available,
        }


@dataclass(frozen=True)
class Checklist:
    """The items, in the order they are best done."""

    items: tuple[SetupItem, ...]

    @property
    def complete(self) -> bool:
        """Every available item is done."""
        return all(i.done for i in self.items if i.available)

    @property
    def missing(self) -> tuple[SetupItem, ...]:
        """Available items not done yet."""
        return tuple(i for i in self.items if i.available and not i.done)

    @property
    def missing_for_invoice(self) -> tuple[SetupItem, ...]:
        """Items not done that the first invoice needs."""
        return tuple(i for i in self.missing if i.required_for_invoice)

    def item(self, key: str) -> SetupItem:
        """The item named ``key``."""
        return next(i for i in self.items if i.key == key)

    def to_dict(self) -> dict[str, Any]:
        return {"complete": self.complete, "items": [i.to_dict() for i in self.items]}


def settings_file(settings: Settings, env: Mapping[str, str] | None = None) -> Path:
    """The settings file in force: ``$OPMS_CONFIG``, else ``<data_dir>/settings.toml``."""
    env = os.environ if env is None else env
    return Path(env["OPMS_CONFIG"]).expanduser() if env.get("OPMS_CONFIG") else (
        Path(settings.data_dir) / "settings.toml"
    )


def configured_sections(settings: Settings, env: Mapping[str, str] | None = None) -> set[str]:
    """Sections set by the settings file or by ``OPMS_<SECTION>__*`` variables (not defaults)."""
    env = os.environ if env is None else env
    found = {
        key[5:].partition("__")[0].lower()
        for key in env if key.startswith("OPMS_") and "__" in key
    }
    path = settings_file(settings, env)
    try:
        values = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        values = {}
    found.update(k for k, v in values.items() if isinstance(v, dict))
    return found


def placeholder_fields(settings: Settings) -> list[str]:
    """Names of the ``[billing]`` fields still holding the shipped placeholders."""
    return [name for name, value in PLACEHOLDERS.items()
            if str(getattr(settings.billing, name, "")).strip() in {"", value}]


def lookup_policy_check() -> PolicyCheck | None:
    """The policy document's state, from the modules of the installed version.

    Looks in :mod:`dispatch.office.policy` for ``setup_status(db, settings) -> (done, detail)``
    or ``current_policy(db)``, then in :mod:`dispatch.records.policies` for ``current_policy``
    (done when it returns a stored version); ``None`` when none of them exists.
    """
    import importlib

    current: Callable[[Database], Any] | None = None
    for module_name in ("dispatch.office.policy", "dispatch.records.policies"):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        status = getattr(module, "setup_status", None)
        if callable(status):
            return status  # type: ignore[no-any-return,unused-ignore]
        found = getattr(module, "current_policy", None)
        if callable(found):
            current = found
            break
    if current is None:
        return None
    read_current = current

    def check(db: Database, settings: Settings) -> tuple[bool, str]:
        doc = read_current(db)
        if doc is None:
            return False, _("No policy text yet: write it in Settings.")
        version = getattr(doc, "version", None)
        return True, (_("Policy text in force: version {version}.").format(version=version)
                      if version is not None else _("Policy text in force."))

    return check


def _region_item(settings: Settings, regions: list[dict[str, Any]]) -> SetupItem:
    title = _("Shop address and region")
    if not regions:
        return SetupItem("region", title, False, _(
            "No region yet: build the road map of your territory and place the shop."
        ), HOME_PAGE, _("Build a region"), required_for_invoice=True)
    names = ", ".join(str(r.get("name")) for r in regions)
    address = settings.general.company_address.strip()
    detail = _("Region {names}; shop address: {address}.").format(
        names=names, address=address or _("not given"))
    if not address:
        return SetupItem("region", title, False, detail + " " + _(
            "Give the shop's address in Settings › Company."), SETTINGS_PAGE, _("Company"),
            required_for_invoice=True)
    return SetupItem("region", title, True, detail, SETTINGS_PAGE, _("Region and map"),
                     required_for_invoice=True)


def _technicians_item(db: Database) -> SetupItem:
    from dispatch import records

    active = records.technicians(db, active_only=True)
    title = _("Technicians")
    if not active:
        return SetupItem("technicians", title, False, _(
            "No active technician: add the team (name, hours, skills)."), SETTINGS_PAGE,
            _("Technicians"), required_for_invoice=True)
    return SetupItem("technicians", title, True, _("{count} active technician(s): {names}.").format(
        count=len(active), names=", ".join(t.name for t in active)), SETTINGS_PAGE,
        _("Technicians"), required_for_invoice=True)


def _number(value: object) -> str:
    """``35.00`` -> ``35,00``, ``0.575`` -> ``0,575``: an amount or a rate, the Québec way
    (at least two decimals, the comma; the ``$`` is in the sentence)."""
    d = Decimal(str(value))
    text = f"{d:.2f}" if d == d.quantize(Decimal("0.01")) else f"{d.normalize():f}"
    return text.replace(".", ",")


def _tariff_item(settings: Settings, sections: set[str]) -> SetupItem:
    t, b = settings.tariff, settings.billing
    in_force = _(
        "core zone {core} $, extended zone {extended} $ + {per_km} $/km, diagnostic {hourly} $/h"
    ).format(core=_number(t.core_flat), extended=_number(t.extended_flat),
             per_km=_number(t.extended_per_km), hourly=_number(b.hourly_rate))
    done = "tariff" in sections
    detail = (_("Rates saved: {rates}.") if done else _(
        "Default rates ({rates}): check them and save them once.")).format(rates=in_force)
    return SetupItem("tariff", _("Rates"), done, detail, SETTINGS_PAGE, _("Rates"))


def _company_item(settings: Settings) -> SetupItem:
    name = settings.general.company_name.strip()
    placeholders = placeholder_fields(settings)
    missing = ([_("legal name")] if not name else []) + [
        {"gst_number": _("GST number"), "qst_number": _("QST number"),
         "interac_email": _("Interac address")}[f] for f in placeholders
    ]
    title = _("Legal name, GST and QST numbers")
    if missing:
        detail = _("Still to set (printed on every invoice): {fields}.").format(
            fields=", ".join(missing))
        return SetupItem("company", title, False, detail, SETTINGS_PAGE, _("Company"),
                         required_for_invoice=True)
    b = settings.billing
    return SetupItem("company", title, True, _("{name}; GST {gst}; QST {qst}.").format(
        name=name, gst=b.gst_number, qst=b.qst_number), SETTINGS_PAGE, _("Company"),
        required_for_invoice=True)


def _policy_item(db: Database, settings: Settings, check: PolicyCheck | None) -> SetupItem:
    title = _("Policy text")
    if check is None:
        return SetupItem("policy", title, False, _(
            "This version has no policy document to edit yet."), SETTINGS_PAGE, available=False)
    done, detail = check(db, settings)
    return SetupItem("policy", title, bool(done), detail, SETTINGS_PAGE)


def _mail_item(settings: Settings) -> SetupItem:
    title = _("E-mail")
    mail = getattr(settings, "mail", None)
    if mail is None:
        return SetupItem("mail", title, False, _(
            "This version does not send e-mail yet."), SETTINGS_PAGE, available=False)
    host = str(getattr(mail, "smtp_host", "") or "").strip()
    sender = str(getattr(mail, "from_address", "") or "").strip()
    if not host or not sender:
        return SetupItem("mail", title, False, _(
            "No outgoing mail server: give the SMTP server and the sender's address."),
            SETTINGS_PAGE, _("E-mail and SMS"))
    port = getattr(mail, "smtp_port", "")
    return SetupItem("mail", title, True, _("Sent by {host}:{port} from {sender}.").format(
        host=host, port=port, sender=sender), SETTINGS_PAGE, _("E-mail and SMS"))


def setup_checklist(
    settings: Settings,
    db: Database,
    *,
    regions: list[dict[str, Any]] | None = None,
    policy_check: PolicyCheck | bool | None = True,
    env: Mapping[str, str] | None = None,
) -> Checklist:
    """The checklist of an installation.

    Parameters
    ----------
    settings
        The settings in force.
    db
        The open database (for the technicians and the policy document).
    regions
        The built regions (:func:`dispatch.geo.list_regions`); read from the data directory
        when not given.
    policy_check
        The policy item's state; ``True`` (default) looks it up in
        :mod:`dispatch.office.policy` (:func:`lookup_policy_check`), ``None``/``False``: not
        available.
    env
        The environment (``OPMS_CONFIG`` and ``OPMS_*`` overrides); default ``os.environ``.
    """
    if regions is None:
        from dispatch.geo.region import list_regions

        regions = list_regions(settings=settings)
    check = lookup_policy_check() if policy_check is True else (policy_check or None)
    sections = configured_sections(settings, env)
    return Checklist((
        _region_item(settings, regions),
        _technicians_item(db),
        _tariff_item(settings, sections),
        _company_item(settings),
        _policy_item(db, settings, check),
        _mail_item(settings),
    ))


__all__ = [
    "PLACEHOLDERS",
    "Checklist",
    "PolicyCheck",
    "SetupItem",
    "configured_sections",
    "lookup_policy_check",
    "placeholder_fields",
    "settings_file",
    "setup_checklist",
]
