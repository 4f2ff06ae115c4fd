"""Billing rules: pure functions over ``Decimal`` from a visit's outcome to priced lines and taxes.

The rules (amounts and rates from :class:`dispatch.settings.BillingSettings`; see
docs/billing.md for worked examples):

* **Travel** ("déplacement"): the travel fee of the address computed at intake
  (:func:`dispatch.billing.fees.travel_fee`: zone, road km, tariff) with its explanation printed under
  the line; remote support has no travel line. A fee "on quote" (outside the zone) must be
  given explicitly.
* **Diagnostic**: the recorded minutes rounded **up** to the billing increment
  (``increment_min``, 15), at least ``minimum_min`` (30), times ``hourly_rate`` (85,00 $/h).
* Outcomes:

  - ``accepted``: travel + diagnostic + the repair lines as entered (+ a second travel line
    for the return visit of a workshop repair when ``bill_return_travel``);
  - ``workshop_refused`` (estimate accepted but the workshop refused, the intervention
    stops): travel + diagnostic + a compensation of ``workshop_refused_pct`` (20 %) of the
    diagnostic price;
  - ``refused`` (estimate refused): travel + diagnostic;
  - ``remote_interrupted`` (remote session interrupted by the customer): the diagnostic time
    done so far (increment rounding; the minimum only if ``interrupted_minimum``), no travel,
    no compensation.

* **Taxes**: GST (5 %) and QST (9,975 %) are each computed on the taxable subtotal (QST is
  not charged on GST) and shown separately with the company's registration numbers.
* **Rounding**, half-up to the cent, at exactly these points: each line amount (diagnostic
  price, compensation, travel fee), then GST and QST each on the subtotal. The subtotal is
  the exact sum of the rounded lines and the total the exact sum subtotal + GST + QST, so the
  printed figures always add up.
* **Bounds**: every amount of money (an amount typed or read, a line, a subtotal, a total) is
  less than :data:`MAX_AMOUNT` (10 000 000,00 $) in absolute value: anything larger is a typo
  for a small repair business, and is refused with :class:`~dispatch.errors.InvalidInput`
  before any rounding (so ``1e30`` or ``10**29`` never reach ``decimal``'s precision limits).
  Every refusal of a typed amount says, in French, what to write instead.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from dispatch.errors import InvalidInput
from dispatch.i18n import N_, _
from dispatch.money import (
    CENT,
    MAX_AMOUNT,
    ZERO,
    check_bound,
    format_money,
    money,
    parse_amount,
    shown,
)

if TYPE_CHECKING:
    from dispatch.billing.fees import TravelFee
    from dispatch.settings import BillingSettings

class Outcome(StrEnum):
    """What the customer decided after the diagnostic (the quote command's ``--outcome``)."""

    ACCEPTED = "accepted"
    WORKSHOP_REFUSED = "workshop_refused"
    REFUSED = "refused"
    REMOTE_INTERRUPTED = "remote_interrupted"


class PaymentMethod(StrEnum):
    """Accepted payment methods."""

    CASH = "cash"
    CHEQUE = "cheque"
    BANK_TRANSFER = "bank_transfer"
    INTERAC = "interac"
    PAYPAL = "paypal"
    SQUARE = "square"


#: Labels of the payment methods (invoice, dashboard), English msgids: read them with
#: :func:`method_label`.
PAYMENT_LABELS: dict[PaymentMethod, str] = {
    PaymentMethod.CASH: N_("Cash"),
    PaymentMethod.CHEQUE: N_("Cheque"),
    PaymentMethod.BANK_TRANSFER: N_("Bank transfer"),
    PaymentMethod.INTERAC: N_("Interac e-Transfer"),
    PaymentMethod.PAYPAL: N_("PayPal"),
    PaymentMethod.SQUARE: N_("Square"),
}

#: What the reference of each method is (every method but cash needs one).
REFERENCE_OF: dict[PaymentMethod, str] = {
    PaymentMethod.CASH: "",
    PaymentMethod.CHEQUE: N_("cheque number"),
    PaymentMethod.BANK_TRANSFER: N_("transfer confirmation number"),
    PaymentMethod.INTERAC: N_("Interac reference number"),
    PaymentMethod.PAYPAL: N_("PayPal transaction number"),
    PaymentMethod.SQUARE: N_("Square receipt number"),
}


def method_label(method: PaymentMethod | str) -> str:
    """The label of a payment method in the active language (``"Comptant"`` in French)."""
    return _(PAYMENT_LABELS[PaymentMethod(method)])


def _to_cent(d: Decimal, what: str) -> Decimal:
    """Round a computed amount half-up to the cent, refusing one outside ``MAX_AMOUNT``."""
    check_bound(d, str(d), what)
    q = d.quantize(CENT, rounding=ROUND_HALF_UP)
    check_bound(q, str(q), what)
    return q


@dataclass(frozen=True)
class Line:
    """One priced line of a quote or invoice."""

    kind: str  # travel, diagnostic, compensation, repair, fee, credit
    label: str
    amount: Decimal
    detail: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal) or not self.amount.is_finite():
            msg = N_("Line {label!r}: amount must be a finite Decimal, got {amount!r}.")
            raise InvalidInput(msg, label=self.label, amount=self.amount)
        what = _("Amount of the line \"{label}\"").format(label=shown(self.label))
        check_bound(self.amount, str(self.amount), what)
        if self.amount != self.amount.quantize(CENT):
            msg = N_("Line {label!r}: amount must be a Decimal rounded to the cent, got {amount!r}.")
            raise InvalidInput(msg, label=self.label, amount=self.amount)
        if self.amount < 0:
            msg = N_("Line {label!r}: amount must not be negative ({amount}); use a credit note.")
            raise InvalidInput(msg, label=self.label, amount=self.amount)

    def to_dict(self) -> dict[str, str]:
        """``{label, amount}`` (the contract), plus ``kind`` and ``detail``."""
        out = {"label": self.label, "amount": str(self.amount), "kind": self.kind}
        if self.detail:
            out["detail"] = self.detail
        return out


@dataclass(frozen=True)
class Bill:
    """Priced lines with their subtotal, taxes and total (a quote, an invoice's content)."""

    lines: tuple[Line, ...]
    subtotal: Decimal
    gst: Decimal
    qst: Decimal
    total: Decimal
    outcome: str = ""
    diagnostic_min: int = 0
    billed_min: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The quote command's JSON: ``lines`` [{label, amount}], subtotal, gst, qst, total."""
        return {
            "outcome": self.outcome,
            "lines": [{"label": ln.label, "amount": str(ln.amount)} for ln in self.lines],
            "details": [ln.to_dict() for ln in self.lines],
            "subtotal": str(self.subtotal),
            "gst": str(self.gst),
            "qst": str(self.qst),
            "total": str(self.total),
            "diagnostic_min": self.diagnostic_min,
            "billed_min": self.billed_min,
        }


def billed_minutes(
    minutes: int, *, increment_min: int, minimum_min: int, apply_minimum: bool = True
) -> int:
    """Minutes billed for ``minutes`` of diagnostic: rounded up to the increment, at least the minimum.

    Zero minutes bill zero (no diagnostic was made).
    """
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes < 0:
        msg = N_("Diagnostic minutes must be a whole number >= 0, got {minutes!r}.")
        raise InvalidInput(msg, minutes=minutes)
    if increment_min <= 0 or minimum_min < 0:
        msg = N_("Billing increment must be > 0 and the minimum >= 0 (settings [billing]).")
        raise InvalidInput(msg)
    if minutes == 0:
        return 0
    blocks = math.ceil(minutes / increment_min)
    billed = blocks * increment_min
    return max(billed, minimum_min) if apply_minimum else billed


def diagnostic_price(billed_min: int, hourly_rate: Decimal) -> Decimal:
    """Price of ``billed_min`` minutes at ``hourly_rate`` per hour, rounded half-up to the cent."""
    return _to_cent(Decimal(billed_min) * Decimal(hourly_rate) / Decimal(60), _("Diagnostic price"))


def percent_of(amount: Decimal, pct: Decimal) -> Decimal:
    """``pct`` % of ``amount``, rounded half-up to the cent."""
    return _to_cent(Decimal(amount) * Decimal(pct) / Decimal(100), _("Amount"))


def taxes(subtotal: Decimal, *, gst_rate: Decimal, qst_rate: Decimal) -> tuple[Decimal, Decimal]:
    """GST and QST of a taxable subtotal, each rounded half-up to the cent."""
    gst = _to_cent(Decimal(subtotal) * Decimal(gst_rate), _("GST"))
    qst = _to_cent(Decimal(subtotal) * Decimal(qst_rate), _("QST"))
    return gst, qst


def total_of(
    lines: Iterable[Line], *, gst_rate: Decimal, qst_rate: Decimal, outcome: str = "",
    diagnostic_min: int = 0, billed_min: int = 0,
) -> Bill:  # fmt: skip
    """Sum lines into a :class:`Bill` with GST and QST."""
    lines = tuple(lines)
    subtotal = sum((ln.amount for ln in lines), ZERO)
    check_bound(subtotal, format_money(subtotal), _("Subtotal"))
    gst, qst = taxes(subtotal, gst_rate=gst_rate, qst_rate=qst_rate)
    total = subtotal + gst + qst
    check_bound(total, format_money(total), _("Total"))
    return Bill(lines, subtotal, gst, qst, total, outcome, diagnostic_min, billed_min)


def _hours_label(billed: int, rate: Decimal) -> str:
    return _("{minutes} min at {rate}/h").format(minutes=billed, rate=format_money(rate))


def _repair_pair(item: object) -> tuple[object, object]:
    """``(label, amount)`` of one repair item, or InvalidInput saying the expected shape."""
    if isinstance(item, dict) and "label" in item and "amount" in item:
        return item["label"], item["amount"]
    if isinstance(item, (tuple, list)) and len(item) == 2:
        return item[0], item[1]
    msg = N_(
        "Invalid repair line: \"{item}\". Each line has a label and an amount, for example "
        '("SSD replacement", 149.50) or {{"label": "SSD replacement", "amount": "149.50"}}.'
    )
    raise InvalidInput(msg, item=shown(item))


def repair_lines(items: Sequence[object]) -> list[Line]:
    """Repair lines from ``(label, amount)`` pairs or ``{"label", "amount"}`` dicts.

    The amount is read by :func:`parse_amount` (a float is read through its shortest text,
    ``149.99`` -> ``"149.99"``), must be >= 0 and have at most two decimals.

    Raises
    ------
    InvalidInput
        An item that is not a pair, an empty label, or an amount that is not a number, is
        negative, has more than two decimals or is not less than ``MAX_AMOUNT``.
    """
    out = []
    for item in items:
        label, amount = _repair_pair(item)
        if not str(label).strip():
            msg = N_("Every repair line needs a label.")
            raise InvalidInput(msg)
        try:
            d = parse_amount(str(amount) if isinstance(amount, float) else amount)
        except InvalidInput as err:
            msg = N_("Repair line \"{label}\": {reason}")
            raise InvalidInput(msg, label=shown(label), reason=err.localized()) from err
        if d != d.quantize(CENT):
            msg = N_("Repair line {label!r}: amount {amount} has more than two decimals.")
            raise InvalidInput(msg, label=label, amount=amount)
        if d < 0:
            msg = N_(
                "Repair line \"{label}\": negative amount ({amount}). A repair is billed with a "
                "positive amount; a refund is made with a credit note."
            )
            raise InvalidInput(msg, label=shown(label), amount=shown(amount))
        out.append(Line("repair", str(label).strip(), money(d)))
    return out


def _travel_line(travel: TravelFee | None, label: str) -> Line:
    if travel is None:
        msg = N_("This visit needs its travel fee (the coverage of the address); none was given.")
        raise InvalidInput(msg)
    if travel.amount is None:
        msg = N_(
            "The travel fee is on quote ({explanation}); enter the agreed amount "
            "(--travel-amount) to bill it."
        )
        raise InvalidInput(msg, explanation=travel.explanation)
    return Line("travel", label, money(travel.amount), travel.explanation)


def price(
    outcome: Outcome | str,
    *,
    diagnostic_min: int,
    billing: BillingSettings,
    travel: TravelFee | None = None,
    remote: bool = False,
    repairs: Sequence[object] = (),
    return_travel: TravelFee | None = None,
) -> Bill:
    """Price a visit under the billing rules (see the module docstring).

    Parameters
    ----------
    outcome
        ``accepted``, ``workshop_refused``, ``refused`` or ``remote_interrupted``.
    diagnostic_min
        Diagnostic minutes recorded (whole minutes).
    billing
        The billing section of the settings (rates, increment, minimum, taxes).
    travel
        Travel fee of the visit (ignored for remote support).
    remote
        Remote support: no travel line (``remote_interrupted`` is always remote).
    repairs
        Repair lines ``(label, amount)`` of an accepted estimate.
    return_travel
        Travel fee of the return visit of a workshop repair (billed if
        ``billing.bill_return_travel``).

    Returns
    -------
    Bill
        Lines, subtotal, GST, QST and total, all ``Decimal`` rounded to the cent.
    """
    try:
        oc = Outcome(str(outcome))
    except ValueError as err:
        msg = N_("Unknown outcome {outcome!r}; expected one of: {expected}.")
        raise InvalidInput(msg, outcome=outcome, expected=", ".join(o.value for o in Outcome)) from err
    if oc is Outcome.REMOTE_INTERRUPTED:
        remote = True
    if repairs and oc is not Outcome.ACCEPTED:
        msg = N_("Repair lines are billed only when the estimate is accepted, not for {outcome}.")
        raise InvalidInput(msg, outcome=oc.value)
    rate = Decimal(billing.hourly_rate)
    apply_min = billing.interrupted_minimum if oc is Outcome.REMOTE_INTERRUPTED else True
    billed = billed_minutes(
        diagnostic_min,
        increment_min=billing.increment_min,
        minimum_min=billing.minimum_min,
        apply_minimum=apply_min,
    )
    lines: list[Line] = []
    if not remote:
        lines.append(_travel_line(travel, _("Travel")))
    diag = diagnostic_price(billed, rate)
    if billed:
        label = _("Diagnostic time") if oc is not Outcome.REMOTE_INTERRUPTED else (
            _("Remote support (interrupted by the customer)")
        )
        detail = _("{done} min done, billed in blocks of {increment} min").format(
            done=diagnostic_min, increment=billing.increment_min
        )
        lines.append(Line("diagnostic", f"{label} ({_hours_label(billed, rate)})", diag, detail))
    if oc is Outcome.WORKSHOP_REFUSED:
        pct = Decimal(billing.workshop_refused_pct)
        lines.append(
            Line(
                "compensation",
                _("Compensation: {pct} % of the diagnostic (workshop refused)").format(pct=f"{pct.normalize():f}"),
                percent_of(diag, pct),
            )
        )
    if oc is Outcome.ACCEPTED:
        lines.extend(repair_lines(repairs))
        if return_travel is not None and billing.bill_return_travel and not remote:
            lines.append(_travel_line(return_travel, _("Travel (return visit)")))
    return total_of(
        lines,
        gst_rate=billing.gst_rate,
        qst_rate=billing.qst_rate,
        outcome=oc.value,
        diagnostic_min=diagnostic_min,
        billed_min=billed,
    )


def credit_lines(original: Sequence[Line], amount: Decimal | None, reason: str) -> list[Line]:
    """Lines of a credit note: the whole original (``amount=None``) or one pre-tax amount.

    A partial credit cannot exceed the original subtotal.
    """
    if amount is None:
        return [
            Line("credit", _("Cancellation: {label}").format(label=ln.label), ln.amount, ln.detail)
            for ln in original
        ]
    amt = money(amount)
    subtotal = sum((ln.amount for ln in original), ZERO)
    if amt <= 0 or amt > subtotal:
        msg = N_("A credit must be more than 0 and at most the invoice subtotal ({subtotal}), got {amount}.")
        raise InvalidInput(msg, subtotal=subtotal, amount=amt)
    return [Line("credit", _("Credit: {reason}").format(reason=reason.strip() or _("correction")), amt)]


def parse_method(value: str | PaymentMethod) -> PaymentMethod:
    """The payment method named ``value`` (English key or French label, any case)."""
    text = str(value).strip().lower()
    aliases = {
        "comptant": "cash", "espèces": "cash", "especes": "cash", "chèque": "cheque",
        "check": "cheque", "virement": "bank_transfer", "virement bancaire": "bank_transfer",
        "transfer": "bank_transfer", "bank": "bank_transfer", "virement interac": "interac",
        "e-transfer": "interac", "etransfer": "interac",
    }  # fmt: skip
    text = aliases.get(text, text)
    try:
        return PaymentMethod(text)
    except ValueError as err:
        msg = N_("Unknown payment method {value!r}; expected one of: {expected}.")
        raise InvalidInput(msg, value=value, expected=", ".join(m.value for m in PaymentMethod)) from err


def check_payment(method: PaymentMethod | str, amount: object, reference: str) -> tuple[PaymentMethod, Decimal, str]:
    """Validate a payment: method known, amount > 0 to the cent, reference given (except cash)."""
    m = parse_method(method)
    amt = money(amount)
    if amt <= 0:
        msg = N_("A payment must be more than 0, got {amount}.")
        raise InvalidInput(msg, amount=amt)
    ref = (reference or "").strip()
    if m is not PaymentMethod.CASH and not ref:
        msg = N_("A payment by {method} needs its reference ({reference}).")
        raise InvalidInput(msg, method=method_label(m), reference=_(REFERENCE_OF[m]))
    return m, amt, ref


def balance_due(total: Decimal, *, credited: Iterable[Decimal] = (), paid: Iterable[Decimal] = ()) -> Decimal:
    """What the customer still owes: total - credit notes - payments (negative = overpaid)."""
    return Decimal(total) - sum(credited, ZERO) - sum(paid, ZERO)


def _mod97(compact: str) -> int:
    """``int(digits) % 97`` where each ASCII letter or digit of ``compact`` is its base-36 value.

    Computed digit by digit, so a long text never meets ``int``'s digit limit.
    """
    rest = 0
    for ch in compact:
        for digit in str(int(ch, 36)):
            rest = (rest * 10 + int(digit)) % 97
    return rest


def _is_ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def interac_reference(number: str) -> str:
    """The reference the customer writes in an Interac e-Transfer message.

    The invoice number without separators plus two check digits (ISO 7064 mod 97-10, as in
    IBANs), so a mistyped reference is detected: ``F2026-00012`` -> ``F202600012-xx``.

    Raises
    ------
    InvalidInput
        ``number`` is not text, holds a letter or digit outside A-Z and 0-9 (``É``, ``²``), or
        holds no letter or digit at all.
    """
    text = number.upper() if isinstance(number, str) else None
    if text is None or any(ch.isalnum() and not ch.isascii() for ch in text) or not any(
        _is_ascii_alnum(ch) for ch in text
    ):
        msg = N_(
            "Invalid invoice number for an Interac reference: \"{number}\". Use only letters A-Z, "
            "digits 0-9 and dashes, for example F2026-00012."
        )
        raise InvalidInput(msg, number=shown(number))
    compact = "".join(ch for ch in text if _is_ascii_alnum(ch))
    check = 98 - (_mod97(compact) * 100 % 97)
    return f"{compact}-{check:02d}"


def check_interac_reference(ref: object) -> bool:
    """True when an Interac reference's check digits are right.

    A boolean check: any text that is not a well-formed reference (no ``-``, check digits that
    are not ASCII digits, a letter or digit outside A-Z and 0-9, not text at all) is ``False``.
    """
    if not isinstance(ref, str):
        return False
    compact, _dash, check = ref.strip().upper().rpartition("-")
    if not compact or not check or not all(ch in "0123456789" for ch in check):
        return False
    if any(ch.isalnum() and not ch.isascii() for ch in compact):
        return False
    return _mod97("".join(ch for ch in compact if _is_ascii_alnum(ch)) + check) == 1


__all__ = [
    "MAX_AMOUNT",
    "PAYMENT_LABELS",
    "REFERENCE_OF",
    "Bill",
    "Line",
    "Outcome",
    "PaymentMethod",
    "balance_due",
    "billed_minutes",
    "check_interac_reference",
    "check_payment",
    "credit_lines",
    "diagnostic_price",
    "interac_reference",
    "method_label",
    "money",
    "parse_amount",
    "parse_method",
    "percent_of",
    "price",
    "repair_lines",
    "taxes",
    "total_of",
]
