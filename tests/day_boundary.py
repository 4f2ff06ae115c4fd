"""Keep a test run on one Montréal day.

The browser tests seed "today's" visits in the test process, then open pages whose day picker
starts on the dashboard's today. A run that crosses midnight (America/Montreal) seeds one day
and opens the next: the seeded cards are not there. This happened on CI once (a run started at
23:52). Every process involved (pytest, the Streamlit server, Chromium's JavaScript) reads the
real clock, so no single clock can be pinned for all of them; instead a run that would cross
midnight waits for it first. A run started at any other time is not delayed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

#: How long a full run may take, at most, in minutes: about 10 on a quiet machine, 17 with
#: both cores taken by other work (measured). Override with ``OPMS_TEST_RUN_MINUTES``.
RUN_MINUTES = 20

#: Seconds past midnight to start at, so that "today" is surely the new day everywhere.
AFTER_MIDNIGHT_S = 5


def seconds_to_wait(now: datetime, *, run_minutes: float = RUN_MINUTES) -> float:
    """Seconds to wait so that a run of ``run_minutes`` starting then stays on one day.

    Parameters
    ----------
    now : datetime
        The current time, aware, in America/Montreal.
    run_minutes : float
        The longest the run may take.

    Returns
    -------
    float
        0 when midnight is more than ``run_minutes`` away; otherwise the seconds until just
        after midnight.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), now.tzinfo)
    left = (midnight - now).total_seconds()
    if left > run_minutes * 60:
        return 0.0
    return left + AFTER_MIDNIGHT_S
