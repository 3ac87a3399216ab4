"""Drawing a weekly review sample: pure and reproducible — the same seed over the same
recordings (in recording order) draws the same sample, so the seed recorded with a sample lets
anyone check it was drawn fairly."""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from openbwv.timeutil import utcnow

LONDON = ZoneInfo("Europe/London")
SAMPLE_SIZE = 5
CHECKLIST = (
    ("started_in_time", "Recording started before or on arrival"),
    ("whole_encounter", "The whole encounter was recorded"),
    ("announced", "The officer said they were recording"),
    ("camera_position", "The camera's view was clear"),
    ("conduct", "The officer's conduct met the standard"),
)
OUTCOMES = ("satisfactory", "advice_given", "refer_to_professional_standards")


def draw(seed: int, recordings: Sequence[uuid.UUID], size: int = SAMPLE_SIZE) -> list[uuid.UUID]:
    """`size` of `recordings` (in the order given), chosen by `seed`."""
    return random.Random(seed).sample(list(recordings), min(size, len(recordings)))


def week_bounds(week: str) -> tuple[datetime, datetime]:
    """[Monday 00:00, next Monday 00:00) London, for a week named by its Monday."""
    monday = date.fromisoformat(week)
    start = datetime.combine(monday, time(0), LONDON)
    return start, datetime.combine(monday + timedelta(days=7), time(0), LONDON)


def monday_of(day: date) -> str:
    return (day - timedelta(days=day.weekday())).isoformat()


def this_week() -> str:
    return monday_of(utcnow().astimezone(LONDON).date())
