"""Calendar months as the analytics count them (pure): the first day of a month stands for it;
periods are [first, last) with the last month excluded."""

from __future__ import annotations

from datetime import UTC, date, datetime

from openbwv.analytics.errors import AnalyticsError
from openbwv.timeutil import utcnow


def month_of(day: date) -> date:
    return date(day.year, day.month, 1)


def next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def months_between(start: date, end: date) -> list[date]:
    months, month = [], month_of(start)
    while month < end:
        months.append(month)
        month = next_month(month)
    return months


def instant(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def parse_month(text: str) -> date:
    year, month = text.split("-")
    return date(int(year), int(month), 1)


def period(start: str | None, end: str | None, months: int = 12) -> tuple[date, date]:
    """[first, last) from YYYY-MM values (the end month included); default: the last `months`
    months up to and including this one."""
    try:
        last = next_month(parse_month(end) if end else month_of(utcnow().date()))
        first = parse_month(start) if start else date(last.year - months // 12, last.month, 1)
    except ValueError:
        raise AnalyticsError("months are YYYY-MM") from None
    if first >= last:
        raise AnalyticsError("'from' must be before 'to'")
    return first, last
