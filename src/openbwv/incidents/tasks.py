"""The matcher's jobs: a window of arrivals matched soon after it closes (the arrival hook,
`service.match_on_arrival`, makes the job), and the maintenance hook: recordings whose times came
with processing (after they arrived, so the arrival hook could not place them), or that an
arrival job missed, are matched on the sweeper's next turn."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from openbwv.db.session import unit_of_work
from openbwv.incidents import service
from openbwv.jobs.models import Job
from openbwv.jobs.registry import register
from openbwv.timeutil import utcnow

LOOK_BACK = timedelta(days=3)  # recordings that arrived within this are matched when unseen
BATCH = 2000
Finish = Callable[[Session], dict[str, Any]]
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
        return service.match_unseen_since(session, utcnow() - LOOK_BACK, BATCH)


@register(service.MATCH_ARRIVALS, queue="default")
def match_arrivals(job: Job) -> Finish:
    """Phase two only: the matching is one join and a bulk write in the job's transaction."""
    since = datetime.fromisoformat(job.params["since"])

    def finish(session: Session) -> dict[str, Any]:
        return {"matched": service.match_unseen_since(session, since, BATCH)}

    return finish


KINDS = (service.MATCH_ARRIVALS,)
