"""The life of an intervention, from the request to the paid invoice: an explicit state machine.

Only the transitions listed in :data:`TRANSITIONS` are allowed; anything else raises
:class:`~dispatch.errors.InvalidTransition` with a message naming the allowed next steps.

On-site track::

    requested ─> contacted (time agreed: an appointment with a window)
              ─> confirmed (day-before call done)
              ─> on_site ─> policy_signed ─> diagnosed (diagnostic minutes, estimate)
              ─> repaired_on_site          (estimate accepted, repaired on site)
               | in_workshop               (accepted, equipment taken to the workshop)
                   ─> repaired_in_workshop ─> return_scheduled (return visit booked)
                   ─> returned (tested at the customer's home in their presence or that of
                      a person they designate; the invoice is presented there)
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
from dispatch.i18n import N_


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
    S.CONTACTED: frozenset({S.CONFIRMED, S.REMOTE_SESSION, S.CANCELLED}),
    S.CONFIRMED: frozenset({S.ON_SITE, S.CANCELLED}),
    S.ON_SITE: frozenset({S.POLICY_SIGNED}),
    S.POLICY_SIGNED: frozenset({S.DIAGNOSED}),
    S.DIAGNOSED: frozenset(
        {S.REPAIRED_ON_SITE, S.IN_WORKSHOP, S.WORKSHOP_REFUSED, S.ESTIMATE_REFUSED}
    ),
    S.REPAIRED_ON_SITE: frozenset({S.INVOICED}),
    S.IN_WORKSHOP: frozenset({S.REPAIRED_IN_WORKSHOP}),
    S.REPAIRED_IN_WORKSHOP: frozenset({S.RETURN_SCHEDULED}),
    S.RETURN_SCHEDULED: frozenset({S.RETURNED}),
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

#: French labels of the states (dashboard, documents).
LABELS: dict[State, str] = {
    S.REQUESTED: "Demande reçue",
    S.CONTACTED: "Client joint, rendez-vous fixé",
    S.CONFIRMED: "Rendez-vous confirmé",
    S.ON_SITE: "Technicien sur place",
    S.POLICY_SIGNED: "Politique signée",
    S.DIAGNOSED: "Diagnostic fait",
    S.REPAIRED_ON_SITE: "Réparé sur place",
    S.IN_WORKSHOP: "Équipement à l'atelier",
    S.WORKSHOP_REFUSED: "Atelier refusé",
    S.ESTIMATE_REFUSED: "Estimation refusée",
    S.REPAIRED_IN_WORKSHOP: "Réparé à l'atelier",
    S.RETURN_SCHEDULED: "Visite de retour fixée",
    S.RETURNED: "Équipement rapporté et testé",
    S.REMOTE_SESSION: "Session à distance",
    S.REMOTE_COMPLETED: "Session à distance terminée",
    S.REMOTE_INTERRUPTED: "Session à distance interrompue par le client",
    S.INVOICED: "Facturé",
    S.PAID: "Payé",
    S.CANCELLED: "Annulé",
}

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
            msg, current=cur.value, target=tgt.value, current_label=LABELS[cur],
            target_label=LABELS[tgt], allowed=", ".join(sorted(s.value for s in allowed)),
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
]
