"""The life of an intervention, from the request to the paid invoice: an explicit state machine.

Only the transitions listed in :data:`TRANSITIONS` are allowed; anything else raises
:class:`~dispatch.errors.InvalidTransition` with a message naming the allowed next steps.

On-site track::

    requested ─> contacted (time agreed: an appointment with a window)
              ─> confirmed (day-before call done; it confirms, but a booked visit can be
                            worked without it: contacted ─> on_site is allowed too)
              ─> on_site ─> policy_signed (the customer read and signed the policy)
              ─> diagnosed (the diagnostic clock stopped; the estimate's lines stored)
              ─> repaired_on_site          (estimate accepted, repaired on site)
               | in_workshop               (accepted, equipment taken to the workshop)
                   ─> repaired_in_workshop ─> return_scheduled (return visit booked)
                   ─> returned (tested at the customer's home in their presence or that of
                      a person they designate; the invoice is presented there)
                      | in_workshop (the test at home failed: back to the workshop)
               | workshop_refused          (accepted but workshop refused: intervention stops)
               | estimate_refused
              ─> invoiced ─> paid

Remote track: ``requested``/``contacted`` ─> ``remote_session`` ─> ``remote_completed`` or
``remote_interrupted`` (by the customer) ─> ``invoiced`` ─> ``paid``.

Cancellation by the customer (``cancelled``) is possible before the technician is on site. It
is *on time* when made at least ``cancellation_notice_h`` hours (default 24) before the start
of the appointment window, *late* otherwise (see :func:`cancellation_timing`).

This module is pure: :mod:`dispatch.records.guards` applies the transitions to stored requests.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from dispatch.errors import InvalidInput, InvalidTransition
from dispatch.i18n import N_, _


class State(StrEnum):
    """States of an intervention request."""

    REQUESTED = "requested"
    CONTACTED = "contacted"
    CONFIRMED = "confirmed"
    ON_SITE = "on_site"
    POLICY_SIGNED = "policy_signed"
    DIAGNOSED = "diagnosed"
    REPAIRED_ON_SITE = "repaired_on_site"
    IN_WORKSHOP = "in_workshop"
    WORKSHOP_REFUSED = "workshop_refused"
    ESTIMATE_REFUSED = "estimate_refused"
    REPAIRED_IN_WORKSHOP = "repaired_in_workshop"
    RETURN_SCHEDULED = "return_scheduled"
    RETURNED = "returned"
    REMOTE_SESSION = "remote_session"
    REMOTE_COMPLETED = "remote_completed"
    REMOTE_INTERRUPTED = "remote_interrupted"
    INVOICED = "invoiced"
    PAID = "paid"
    CANCELLED = "cancelled"


S = State

#: Every allowed transition: state -> the states it may go to.
TRANSITIONS: dict[State, frozenset[State]] = {
    S.REQUESTED: frozenset({S.CONTACTED, S.REMOTE_SESSION, S.CANCELLED}),
    # the day-before call confirms, but a visit not yet confirmed can still be worked
    S.CONTACTED: frozenset({S.CONFIRMED, S.ON_SITE, S.REMOTE_SESSION, S.CANCELLED}),
    S.CONFIRMED: frozenset({S.ON_SITE, S.CANCELLED}),
    S.ON_SITE: frozenset({S.POLICY_SIGNED}),
    S.POLICY_SIGNED: frozenset({S.DIAGNOSED}),
    S.DIAGNOSED: frozenset(
        {S.REPAIRED_ON_SITE, S.IN_WORKSHOP, S.WORKSHOP_REFUSED, S.ESTIMATE_REFUSED}
    ),
    S.REPAIRED_ON_SITE: frozenset({S.INVOICED}),
    S.IN_WORKSHOP: frozenset({S.REPAIRED_IN_WORKSHOP}),
    S.REPAIRED_IN_WORKSHOP: frozenset({S.RETURN_SCHEDULED}),
    # the test at the customer's home failed: the device goes back to the workshop
    S.RETURN_SCHEDULED: frozenset({S.RETURNED, S.IN_WORKSHOP}),
    S.RETURNED: frozenset({S.INVOICED}),
    S.WORKSHOP_REFUSED: frozenset({S.INVOICED}),
    S.ESTIMATE_REFUSED: frozenset({S.INVOICED}),
    S.REMOTE_SESSION: frozenset({S.REMOTE_COMPLETED, S.REMOTE_INTERRUPTED}),
    S.REMOTE_COMPLETED: frozenset({S.INVOICED}),
    S.REMOTE_INTERRUPTED: frozenset({S.INVOICED}),
    S.INVOICED: frozenset({S.PAID}),
    S.PAID: frozenset(),
    S.CANCELLED: frozenset(),
}

#: Labels of the states (dashboard, documents), English msgids: read them with :func:`state_label`.
LABELS: dict[State, str] = {
    S.REQUESTED: N_("Request received"),
    S.CONTACTED: N_("Customer reached, appointment set"),
    S.CONFIRMED: N_("Appointment confirmed"),
    S.ON_SITE: N_("Technician on site"),
    S.POLICY_SIGNED: N_("Policy signed"),
    S.DIAGNOSED: N_("Diagnostic done"),
    S.REPAIRED_ON_SITE: N_("Repaired on site"),
    S.IN_WORKSHOP: N_("Device in the workshop"),
    S.WORKSHOP_REFUSED: N_("Workshop refused"),
    S.ESTIMATE_REFUSED: N_("Estimate refused"),
    S.REPAIRED_IN_WORKSHOP: N_("Repaired in the workshop"),
    S.RETURN_SCHEDULED: N_("Return visit set"),
    S.RETURNED: N_("Device returned and tested"),
    S.REMOTE_SESSION: N_("Remote session"),
    S.REMOTE_COMPLETED: N_("Remote session completed"),
    S.REMOTE_INTERRUPTED: N_("Remote session interrupted by the customer"),
    S.INVOICED: N_("Invoiced"),
    S.PAID: N_("Paid in full"),
    S.CANCELLED: N_("Cancelled"),
}


def state_label(state: State | str) -> str:
    """The label of ``state`` in the active language (``"Demande reçue"`` in French)."""
    return _(LABELS[State(state)])

#: States from which an invoice can be issued, and the billing outcome each one means.
BILLABLE: dict[State, str] = {
    S.REPAIRED_ON_SITE: "accepted",
    S.RETURNED: "accepted",
    S.WORKSHOP_REFUSED: "workshop_refused",
    S.ESTIMATE_REFUSED: "refused",
    S.REMOTE_COMPLETED: "accepted",
    S.REMOTE_INTERRUPTED: "remote_interrupted",
}

#: States where the customer may still cancel (the technician is not on site yet).
CANCELLABLE: frozenset[State] = frozenset({S.REQUESTED, S.CONTACTED, S.CONFIRMED})


def parse_state(value: str | State) -> State:
    """Return the :class:`State` named ``value`` (raise InvalidInput if unknown)."""
    try:
        return State(str(value))
    except ValueError as err:
        msg = N_("Unknown state {value!r}; expected one of: {expected}.")
        raise InvalidInput(msg, value=value, expected=", ".join(s.value for s in State)) from err


def allowed_next(state: str | State) -> frozenset[State]:
    """States reachable in one step from ``state``."""
    return TRANSITIONS[parse_state(state)]


def check_transition(current: str | State, target: str | State) -> State:
    """Check that ``current -> target`` is allowed and return the target state.

    Raises
    ------
    InvalidTransition
        When the step is not in :data:`TRANSITIONS`; the message lists the allowed steps.
    """
    cur, tgt = parse_state(current), parse_state(target)
    allowed = TRANSITIONS[cur]
    if tgt not in allowed:
        msg = N_(
            "Transition {current} -> {target} is not allowed "
            "(« {current_label} » -> « {target_label} »); from {current} the allowed next "
            "states are: {allowed}."
        )
        if not allowed:
            msg = N_(
                "Transition {current} -> {target} is not allowed "
                "(« {current_label} » -> « {target_label} »); from {current} the allowed next "
                "states are: none (final state)."
            )
        raise InvalidTransition(
            msg, current=cur.value, target=tgt.value, current_label=state_label(cur),
            target_label=state_label(tgt), allowed=", ".join(sorted(s.value for s in allowed)),
        )  # fmt: skip
    return tgt


def cancellation_timing(
    appointment_start: datetime | None, cancelled_at: datetime, *, notice_h: int = 24
) -> str:
    """Say whether a cancellation is ``"on_time"`` or ``"late"``.

    A cancellation made at least ``notice_h`` hours before the start of the appointment window
    is on time (exactly 24 h 00 before: on time; 23 h 59 before: late). Without an appointment
    the cancellation is on time.

    Parameters
    ----------
    appointment_start
        Start of the appointment window (timezone-aware), or ``None``.
    cancelled_at
        When the customer cancelled (timezone-aware).
    notice_h
        Required notice in hours (``settings.tariff.cancellation_notice_h``).
    """
    if appointment_start is None:
        return "on_time"
    if appointment_start.tzinfo is None or cancelled_at.tzinfo is None:
        msg = N_("Cancellation times must be timezone-aware (America/Montreal).")
        raise InvalidInput(msg)
    return "on_time" if appointment_start - cancelled_at >= timedelta(hours=notice_h) else "late"


__all__ = [
    "BILLABLE",
    "CANCELLABLE",
    "LABELS",
    "TRANSITIONS",
    "State",
    "allowed_next",
    "cancellation_timing",
    "check_transition",
    "parse_state",
    "state_label",
]
