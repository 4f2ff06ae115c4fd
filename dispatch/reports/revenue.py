"""Revenue of a period: billed by outcome, collected, and payments by method.

* **Billed** is the total (taxes included) of the invoices issued in the period minus the
  credit notes issued in it, and the pre-tax revenue the same way on subtotals. Each document
  is counted under the **outcome** of its intervention (:func:`outcome_category`): repaired on
  site, workshop (repaired in the workshop and returned), workshop refused, estimate refused,
  remote support, late cancellation. A credit note counts under the outcome of the invoice it
  credits.
* **Collected** is the payments received in the period (whatever the period of the invoice),
  in total and for each of the six payment methods (zero when a method was not used).

Everything here is pure: :mod:`dispatch.office.reporting` reads the stored documents and the
visits' outcomes and hands them over.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from dispatch.billing.rules import PaymentMethod, method_label
from dispatch.i18n import N_, _
from dispatch.money import ZERO

if TYPE_CHECKING:
    from dispatch.billing.ledger import Invoice, Payment
    from dispatch.reports.periods import Period

#: The outcomes a report groups revenue by, in the order of the charts' legend.
CATEGORIES = ("on_site", "workshop", "workshop_refused", "refused", "remote", "late_cancellation", "other")

#: Labels of the categories (English msgids): read them with :func:`category_label`.
CATEGORY_LABELS = {
    "on_site": N_("Repaired on site"),
    "workshop": N_("Workshop repair"),
    "workshop_refused": N_("Workshop refused"),
    "refused": N_("Estimate refused"),
    "remote": N_("Remote support"),
    "late_cancellation": N_("Late cancellation"),
    "other": N_("Other"),
}


def category_label(category: str) -> str:
    """The label of a revenue category in the active language."""
    return _(CATEGORY_LABELS.get(category, CATEGORY_LABELS["other"]))


def outcome_category(invoice_outcome: str, visit_outcome: str | None = None) -> str:
    """The report's outcome of an invoice, from its billing outcome and its visit's outcome.

    The billing outcome ``accepted`` covers three cases told apart by the visit's outcome:
    ``repaired_on_site`` -> ``on_site``, ``in_workshop`` -> ``workshop``, a remote session
    (``remote_completed``) -> ``remote``.

    Examples
    --------
    >>> outcome_category("accepted", "in_workshop"), outcome_category("refused")
    ('workshop', 'refused')
    """
    if invoice_outcome == "accepted":
        if visit_outcome in {"remote_completed", "remote_interrupted"}:
            return "remote"
        if visit_outcome == "in_workshop":
            return "workshop"
        return "on_site"
    return {
        "workshop_refused": "workshop_refused",
        "refused": "refused",
        "remote_interrupted": "remote",
        "late_cancellation": "late_cancellation",
    }.get(invoice_outcome, "other")


@dataclass(frozen=True)
class RevenuePoint:
    """Billed (taxes included) in one step of the period and one outcome."""

    start: date
    category: str
    billed: Decimal


@dataclass(frozen=True)
class CollectedPoint:
    """Payments received in one step of the period."""

    start: date
    collected: Decimal


@dataclass(frozen=True)
class MethodTotal:
    """Payments received by one method."""

    method: str
    count: int
    amount: Decimal

    @property
    def label(self) -> str:
        return method_label(self.method)


@dataclass(frozen=True)
class RevenueReport:
    """What was billed and collected in a period (see the module docstring)."""

    period: Period
    billed: Decimal
    revenue: Decimal
    collected: Decimal
    by_category: dict[str, Decimal]
    billed_series: tuple[RevenuePoint, ...]
    collected_series: tuple[CollectedPoint, ...]
    by_method: tuple[MethodTotal, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.period.to_dict(),
            "billed": str(self.billed),
            "revenue_before_taxes": str(self.revenue),
            "collected": str(self.collected),
            "by_outcome": {k: str(v) for k, v in self.by_category.items()},
            "by_method": {m.method: {"count": m.count, "amount": str(m.amount)} for m in self.by_method},
        }


def revenue_report(
    documents: Iterable[Invoice],
    payments: Iterable[Payment],
    period: Period,
    *,
    visit_outcomes: Mapping[int, str] | None = None,
) -> RevenueReport:
    """Billed by outcome and collected by method in ``period``.

    Parameters
    ----------
    documents
        Stored invoices and credit notes (those issued outside the period are left out; all
        of them are used to find the invoice a credit note credits).
    payments
        Stored payments (those received outside the period are left out).
    period
        The report's days.
    visit_outcomes
        Request id -> outcome of its first visit (``repaired_on_site``, ``in_workshop``,
        ``remote_completed``...), to tell the ``accepted`` invoices apart.
    """
    outcomes = dict(visit_outcomes or {})
    docs = list(documents)
    category_of: dict[str, str] = {}
    for d in docs:
        if d.kind == "invoice":
            visit = outcomes.get(d.request_id) if d.request_id is not None else None
            category_of[d.number] = outcome_category(d.outcome, visit)
    buckets = period.buckets()
    billed = {(b, c): ZERO for b in buckets for c in CATEGORIES}
    by_category = dict.fromkeys(CATEGORIES, ZERO)
    revenue = ZERO
    for d in docs:
        if not period.contains(d.issued_at):
            continue
        sign = Decimal(-1) if d.kind == "credit_note" else Decimal(1)
        key = d.credits_number if d.kind == "credit_note" else d.number
        cat = category_of.get(key or "", "other")
        billed[(period.bucket_of(d.issued_at), cat)] += sign * d.total
        by_category[cat] += sign * d.total
        revenue += sign * d.subtotal
    collected = dict.fromkeys(buckets, ZERO)
    counts = {m.value: 0 for m in PaymentMethod}
    amounts = {m.value: ZERO for m in PaymentMethod}
    for p in payments:
        if not period.contains(p.received_at):
            continue
        collected[period.bucket_of(p.received_at)] += p.amount
        counts[p.method] = counts.get(p.method, 0) + 1
        amounts[p.method] = amounts.get(p.method, ZERO) + p.amount
    return RevenueReport(
        period=period,
        billed=sum(by_category.values(), ZERO),
        revenue=revenue,
        collected=sum(collected.values(), ZERO),
        by_category=by_category,
        billed_series=tuple(RevenuePoint(b, c, v) for (b, c), v in billed.items()),
        collected_series=tuple(CollectedPoint(b, v) for b, v in collected.items()),
        by_method=tuple(MethodTotal(m, n, amounts[m]) for m, n in counts.items()),
    )


__all__ = [
    "CATEGORIES",
    "CATEGORY_LABELS",
    "CollectedPoint",
    "MethodTotal",
    "RevenuePoint",
    "RevenueReport",
    "category_label",
    "outcome_category",
    "revenue_report",
]
