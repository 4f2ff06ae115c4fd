"""Billing rules: pure functions over ``Decimal`` from a visit's outcome to priced lines and taxes.

The rules (amounts and rates from :class:`dispatch.settings.BillingSettings`; see
docs/billing.md for worked examples):

* **Travel** ("déplacement"): the travel fee of the address computed at intake
  (:func:`dispatch.fees.travel_fee`: zone, road km, tariff) with its explanation printed under
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
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from dispatch.errors import InvalidInput
from dispatch.fees import format_money

if TYPE_CHECKING:
    from dispatch.fees import TravelFee
    from dispatch.settings import BillingSettings

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


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


#: French labels of the payment methods (invoice, dashboard).
PAYMENT_LABELS: dict[PaymentMethod, str] = {
    PaymentMethod.CASH: "Comptant",
    PaymentMethod.CHEQUE: "Chèque",
    PaymentMethod.BANK_TRANSFER: "Virement bancaire",
    PaymentMethod.INTERAC: "Virement Interac",
    PaymentMethod.PAYPAL: "PayPal",
    PaymentMethod.SQUARE: "Square",
}

#: What the reference of each method is (every method but cash needs one).
REFERENCE_OF: dict[PaymentMethod, str] = {
    PaymentMethod.CASH: "",
    PaymentMethod.CHEQUE: "numéro du chèque",
    PaymentMethod.BANK_TRANSFER: "numéro de confirmation du virement",
    PaymentMethod.INTERAC: "numéro de référence Interac",
    PaymentMethod.PAYPAL: "numéro de transaction PayPal",
    PaymentMethod.SQUARE: "numéro de reçu Square",
}


def money(value: Any) -> Decimal:
    """Convert to ``Decimal`` exactly (never through float) and round half-up to the cent."""
    if isinstance(value, (bool, float)):
        msg = f"Money must be a Decimal, an int or a string, never {type(value).__name__} ({value!r})."
        raise InvalidInput(msg)
    try:
        d = Decimal(str(value).strip().replace(",", ".")) if isinstance(value, str) else Decimal(value)
    except ArithmeticError as err:
        msg = f"Not an amount of money: {value!r} (write it like 12.50)."
        raise InvalidInput(msg) from err
    if not d.is_finite():
        msg = f"Not an amount of money: {value!r}."
        raise InvalidInput(msg)
    return d.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Line:
    """One priced line of a quote or invoice."""

    kind: str  # travel, diagnostic, compensation, repair, fee, credit
    label: str
    amount: Decimal
    detail: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal) or self.amount != self.amount.quantize(CENT):
            msg = f"Line {self.label!r}: amount must be a Decimal rounded to the cent, got {self.amount!r}."
            raise InvalidInput(msg)
        if self.amount < 0:
            msg = f"Line {self.label!r}: amount must not be negative ({self.amount}); use a credit note."
            raise InvalidInput(msg)

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
        msg = f"Diagnostic minutes must be a whole number >= 0, got {minutes!r}."
        raise InvalidInput(msg)
    if increment_min <= 0 or minimum_min < 0:
        msg = "Billing increment must be > 0 and the minimum >= 0 (settings [billing])."
        raise InvalidInput(msg)
    if minutes == 0:
        return 0
    blocks = math.ceil(minutes / increment_min)
    billed = blocks * increment_min
    return max(billed, minimum_min) if apply_minimum else billed


def diagnostic_price(billed_min: int, hourly_rate: Decimal) -> Decimal:
    """Price of ``billed_min`` minutes at ``hourly_rate`` per hour, rounded half-up to the cent."""
    return (Decimal(billed_min) * Decimal(hourly_rate) / Decimal(60)).quantize(
        CENT, rounding=ROUND_HALF_UP
    )


def percent_of(amount: Decimal, pct: Decimal) -> Decimal:
    """``pct`` % of ``amount``, rounded half-up to the cent."""
    return (Decimal(amount) * Decimal(pct) / Decimal(100)).quantize(CENT, rounding=ROUND_HALF_UP)


def taxes(subtotal: Decimal, *, gst_rate: Decimal, qst_rate: Decimal) -> tuple[Decimal, Decimal]:
    """GST and QST of a taxable subtotal, each rounded half-up to the cent."""
    gst = (Decimal(subtotal) * Decimal(gst_rate)).quantize(CENT, rounding=ROUND_HALF_UP)
    qst = (Decimal(subtotal) * Decimal(qst_rate)).quantize(CENT, rounding=ROUND_HALF_UP)
    return gst, qst


def total_of(
    lines: Iterable[Line], *, gst_rate: Decimal, qst_rate: Decimal, outcome: str = "",
    diagnostic_min: int = 0, billed_min: int = 0,
) -> Bill:  # fmt: skip
    """Sum lines into a :class:`Bill` with GST and QST."""
    lines = tuple(lines)
    subtotal = sum((ln.amount for ln in lines), ZERO)
    gst, qst = taxes(subtotal, gst_rate=gst_rate, qst_rate=qst_rate)
    return Bill(lines, subtotal, gst, qst, subtotal + gst + qst, outcome, diagnostic_min, billed_min)


def _hours_label(billed: int, rate: Decimal) -> str:
    return f"{billed} min à {format_money(rate)}/h"


def repair_lines(items: Sequence[Any]) -> list[Line]:
    """Repair lines from ``(label, amount)`` pairs or ``{"label", "amount"}`` dicts."""
    out = []
    for item in items:
        label, amount = (item["label"], item["amount"]) if isinstance(item, dict) else item
        if not str(label).strip():
            msg = "Every repair line needs a label."
            raise InvalidInput(msg)
        d = Decimal(str(amount))
        if d != d.quantize(CENT):
            msg = f"Repair line {label!r}: amount {amount} has more than two decimals."
            raise InvalidInput(msg)
        out.append(Line("repair", str(label).strip(), money(d)))
    return out


def _travel_line(travel: TravelFee | None, label: str) -> Line:
    if travel is None:
        msg = "This visit needs its travel fee (the coverage of the address); none was given."
        raise InvalidInput(msg)
    if travel.amount is None:
        msg = (
            f"The travel fee is on quote ({travel.explanation}); enter the agreed amount "
            "(--travel-amount) to bill it."
        )
        raise InvalidInput(msg)
    return Line("travel", label, money(travel.amount), travel.explanation)


def price(
    outcome: Outcome | str,
    *,
    diagnostic_min: int,
    billing: BillingSettings,
    travel: TravelFee | None = None,
    remote: bool = False,
    repairs: Sequence[Any] = (),
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
        msg = f"Unknown outcome {outcome!r}; expected one of: {', '.join(o.value for o in Outcome)}."
        raise InvalidInput(msg) from err
    if oc is Outcome.REMOTE_INTERRUPTED:
        remote = True
    if repairs and oc is not Outcome.ACCEPTED:
        msg = f"Repair lines are billed only when the estimate is accepted, not for {oc.value}."
        raise InvalidInput(msg)
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
        lines.append(_travel_line(travel, "Déplacement"))
    diag = diagnostic_price(billed, rate)
    if billed:
        label = "Temps de diagnostic" if oc is not Outcome.REMOTE_INTERRUPTED else (
            "Soutien à distance (interrompu par le client)"
        )
        detail = f"{diagnostic_min} min effectuées, facturées par tranches de {billing.increment_min} min"
        lines.append(Line("diagnostic", f"{label} ({_hours_label(billed, rate)})", diag, detail))
    if oc is Outcome.WORKSHOP_REFUSED:
        pct = Decimal(billing.workshop_refused_pct)
        lines.append(
            Line(
                "compensation",
                f"Compensation : {pct.normalize():f} % du diagnostic (atelier refusé)",
                percent_of(diag, pct),
            )
        )
    if oc is Outcome.ACCEPTED:
        lines.extend(repair_lines(repairs))
        if return_travel is not None and billing.bill_return_travel and not remote:
            lines.append(_travel_line(return_travel, "Déplacement (visite de retour)"))
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
        return [Line("credit", f"Annulation : {ln.label}", ln.amount, ln.detail) for ln in original]
    amt = money(amount)
    subtotal = sum((ln.amount for ln in original), ZERO)
    if amt <= 0 or amt > subtotal:
        msg = f"A credit must be more than 0 and at most the invoice subtotal ({subtotal}), got {amt}."
        raise InvalidInput(msg)
    return [Line("credit", f"Crédit : {reason.strip() or 'correction'}", amt)]


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
        msg = f"Unknown payment method {value!r}; expected one of: {', '.join(m.value for m in PaymentMethod)}."
        raise InvalidInput(msg) from err


def check_payment(method: PaymentMethod | str, amount: Any, reference: str) -> tuple[PaymentMethod, Decimal, str]:
    """Validate a payment: method known, amount > 0 to the cent, reference given (except cash)."""
    m = parse_method(method)
    amt = money(amount)
    if amt <= 0:
        msg = f"A payment must be more than 0, got {amt}."
        raise InvalidInput(msg)
    ref = (reference or "").strip()
    if m is not PaymentMethod.CASH and not ref:
        msg = f"A payment by {PAYMENT_LABELS[m]} needs its reference ({REFERENCE_OF[m]})."
        raise InvalidInput(msg)
    return m, amt, ref


def balance_due(total: Decimal, *, credited: Iterable[Decimal] = (), paid: Iterable[Decimal] = ()) -> Decimal:
    """What the customer still owes: total - credit notes - payments (negative = overpaid)."""
    return Decimal(total) - sum(credited, ZERO) - sum(paid, ZERO)


def interac_reference(number: str) -> str:
    """The reference the customer writes in an Interac e-Transfer message.

    The invoice number without separators plus two check digits (ISO 7064 mod 97-10, as in
    IBANs), so a mistyped reference is detected: ``F2026-00012`` -> ``F202600012-xx``.
    """
    compact = "".join(ch for ch in number.upper() if ch.isalnum())
    digits = "".join(str(int(ch, 36)) for ch in compact)
    check = 98 - (int(digits + "00") % 97)
    return f"{compact}-{check:02d}"


def check_interac_reference(ref: str) -> bool:
    """True when an Interac reference's check digits are right."""
    compact, _, check = ref.strip().upper().rpartition("-")
    if not compact or not check.isdigit():
        return False
    digits = "".join(str(int(ch, 36)) for ch in compact if ch.isalnum())
    return int(digits + check) % 97 == 1


__all__ = [
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
    "money",
    "parse_method",
    "percent_of",
    "price",
    "repair_lines",
    "taxes",
    "total_of",
]
