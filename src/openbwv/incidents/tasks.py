"""The matcher's maintenance hook: recordings whose times came with processing (after they
arrived, so the arrival hook could not place them) are matched on the sweeper's next turn."""

from __future__ import annotations

from datetime import datetime, timedelta

from openbwv.db.session import unit_of_work
from openbwv.incidents import queries, service
from openbwv.timeutil import utcnow

LOOK_BACK = timedelta(days=3)  # recordings that arrived within this are matched when unseen
BATCH = 2000
INTERVAL = timedelta(minutes=5)  # per process: the sweeper calls every hook far more often
_last_run: list[datetime] = []


def match_unseen() -> int:
    """Match recordings that arrived recently and were never matched (at most every
    `INTERVAL` in a process); returns how many."""
    now = utcnow()
    if _last_run and now - _last_run[-1] < INTERVAL:
        return 0
    _last_run[:] = [now]
    return match_unseen_now()


def match_unseen_now() -> int:
    with unit_of_work() as session:
        unseen = queries.unseen_recordings(session, utcnow() - LOOK_BACK, BATCH)
        if unseen:
            service.relink(session, evidence_ids=unseen)
    return len(unseen)
