"""Response times by month (pure: the caller reads the closed requests): how many closed, the
median days from receipt to the answer, how many met their deadline (as extended and paused),
and the same as CSV."""

from __future__ import annotations

import csv
import io
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

HEADER = (
    "month",
    "closed",
    "median_days",
    "within_deadline",
    "within_deadline_percent",
    "extended",
)


@dataclass(frozen=True)
class Closed:
    received_on: date
    closed_on: date
    due_on: date
    extended: bool


@dataclass(frozen=True)
class Month:
    month: str
    closed: int
    median_days: float | None
    within_deadline: int
    within_deadline_percent: float | None
    extended: int


def months_between(first: date, last: date) -> list[str]:
    """Every YYYY-MM from `first`'s month to `last`'s, in order."""
    out, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def by_month(closed: Iterable[Closed], months: list[str]) -> list[Month]:
    grouped: dict[str, list[Closed]] = {m: [] for m in months}
    for row in closed:
        key = f"{row.closed_on.year:04d}-{row.closed_on.month:02d}"
        if key in grouped:
            grouped[key].append(row)
    return [_month(key, rows) for key, rows in grouped.items()]


def _month(key: str, rows: list[Closed]) -> Month:
    if not rows:
        return Month(key, 0, None, 0, None, 0)
    days = [(r.closed_on - r.received_on).days for r in rows]
    within = sum(1 for r in rows if r.closed_on <= r.due_on)
    return Month(
        month=key,
        closed=len(rows),
        median_days=float(statistics.median(days)),
        within_deadline=within,
        within_deadline_percent=round(100.0 * within / len(rows), 1),
        extended=sum(1 for r in rows if r.extended),
    )


def to_csv(months: list[Month]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for m in months:
        writer.writerow(
            [
                m.month,
                m.closed,
                "" if m.median_days is None else f"{m.median_days:g}",
                m.within_deadline,
                "" if m.within_deadline_percent is None else f"{m.within_deadline_percent:g}",
                m.extended,
            ]
        )
    return out.getvalue()
