"""The matcher's maintenance hook: recordings whose times came with processing (after they
arrived, so the arrival hook could not place them) are matched on the sweeper's next turn."""

from __future__ import annotations

from datetime import timedelta

from openbwv.db.session import unit_of_work
from openbwv.incidents import queries, service
from openbwv.timeutil import utcnow

LOOK_BACK = timedelta(days=3)  # recordings that arrived within this are matched when unseen
BATCH = 2000


def match_unseen() -> int:
    """Match recordings that arrived recently and were never matched; returns how many."""
    with unit_of_work() as session:
        unseen = queries.unseen_recordings(session, utcnow() - LOOK_BACK, BATCH)
        if unseen:
            service.relink(session, evidence_ids=unseen)
    return len(unseen)
