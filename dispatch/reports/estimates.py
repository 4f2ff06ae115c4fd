"""Estimates: how the customers answered, and how long the diagnostics took.

Counted over the on-site visits whose technician **arrived in the period** and whose
customer answered the estimate (the visit's recorded outcome): repaired on site and taken to
the workshop are the two ways of accepting; workshop refused (accepted, then the workshop
refused) and estimate refused are the two refusals. Remote sessions are counted apart
(completed or interrupted). The diagnostic minutes of every visit and remote session of the
period with a diagnostic recorded are put in blocks of 15 minutes, the billing increment.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dispatch.i18n import N_, _

if TYPE_CHECKING:
    from dispatch.reports.facts import VisitFact
    from dispatch.reports.periods import Period

#: The answers to an estimate, in the chart's order, and their labels (English msgids).
ANSWERS = ("repaired_on_site", "in_workshop", "workshop_refused", "estimate_refused")
ANSWER_LABELS = {
    "repaired_on_site": N_("Accepted, repaired on site"),
    "in_workshop": N_("Accepted, workshop"),
    "workshop_refused": N_("Workshop refused"),
    "estimate_refused": N_("Estimate refused"),
}
#: Width of a block of the diagnostic minutes' distribution, and the last block's start.
BLOCK_MIN = 15
LAST_BLOCK_MIN = 120


def answer_label(answer: str) -> str:
    """The label of an answer to an estimate in the active language."""
    return _(ANSWER_LABELS[answer])


def block_label(start: int) -> str:
    """``0-14 min``, ..., ``120 min +``: a block of the diagnostic distribution."""
    if start >= LAST_BLOCK_MIN:
        return f"{LAST_BLOCK_MIN} min +"
    return f"{start}-{start + BLOCK_MIN - 1} min"


@dataclass(frozen=True)
class EstimateReport:
    """Answers to the estimates and diagnostic minutes of a period."""

    answers: dict[str, int]
    remote_completed: int
    remote_interrupted: int
    diagnostic_blocks: dict[int, int]
    diagnostic_count: int
    diagnostic_median: float | None

    @property
    def answered(self) -> int:
        return sum(self.answers.values())

    @property
    def accepted(self) -> int:
        """Estimates accepted (repaired on site or taken to the workshop)."""
        return self.answers["repaired_on_site"] + self.answers["in_workshop"]

    def share(self, answer: str) -> float:
        """Share of ``answer`` among the estimates answered (0 when none)."""
        return self.answers[answer] / self.answered if self.answered else 0.0

    @property
    def acceptance(self) -> float:
        return self.accepted / self.answered if self.answered else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "answered": self.answered,
            "accepted": self.accepted,
            "acceptance": round(self.acceptance, 4),
            "answers": dict(self.answers),
            "remote_completed": self.remote_completed,
            "remote_interrupted": self.remote_interrupted,
            "diagnostic_count": self.diagnostic_count,
            "diagnostic_median_min": self.diagnostic_median,
            "diagnostic_blocks": {block_label(k): v for k, v in self.diagnostic_blocks.items()},
        }


def estimate_report(visits: Iterable[VisitFact], period: Period) -> EstimateReport:
    """Answers and diagnostic minutes of the visits that arrived in ``period``."""
    answers = dict.fromkeys(ANSWERS, 0)
    remote = {"remote_completed": 0, "remote_interrupted": 0}
    blocks = dict.fromkeys(range(0, LAST_BLOCK_MIN + 1, BLOCK_MIN), 0)
    minutes: list[int] = []
    for v in visits:
        if v.arrived_at is None or not period.contains(v.arrived_at):
            continue
        if v.kind == "visit" and v.outcome in answers:
            answers[v.outcome] += 1
        elif v.kind == "remote" and v.outcome in remote:
            remote[v.outcome] += 1
        if v.kind in {"visit", "remote"} and v.diagnostic_min is not None:
            minutes.append(v.diagnostic_min)
            blocks[min(LAST_BLOCK_MIN, v.diagnostic_min // BLOCK_MIN * BLOCK_MIN)] += 1
    return EstimateReport(
        answers=answers,
        remote_completed=remote["remote_completed"],
        remote_interrupted=remote["remote_interrupted"],
        diagnostic_blocks=blocks,
        diagnostic_count=len(minutes),
        diagnostic_median=float(statistics.median(minutes)) if minutes else None,
    )


__all__ = [
    "ANSWERS",
    "ANSWER_LABELS",
    "BLOCK_MIN",
    "EstimateReport",
    "answer_label",
    "block_label",
    "estimate_report",
]
