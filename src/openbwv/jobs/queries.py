"""Reads of the job outbox (the console's progress line)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openbwv.jobs.models import Job


def counts_by_state(session: Session) -> dict[str, int]:
    """How many jobs are in each state (pending, running, done, failed)."""
    rows = session.execute(select(Job.state, func.count()).group_by(Job.state)).all()
    return {state: count for state, count in rows}
