"""The subject access clock: pure date arithmetic, no database, no clock of its own.

The law as implemented (docs/subject_access.md): a controller answers "without undue delay and in
any event before the end of the applicable time period" (DPA 2018 s.45(3)(b), s.54): one
calendar month from the day of receipt. The ICO reads that as ending on the corresponding
calendar date of the next month (received 3 September: due 3 October); where the next month has
no such date, on its last day (31 January: 28 or 29 February); where that day is not a working
day, on the next working day. The period may be extended by up to two further months for a
complex or numerous request, by notice given within the first month (s.54 as amended in 2025),
and it stops while the controller waits for clarification it asked for (s.54(3C)): each day
paused moves the deadline a day. Every number is a setting (`Rules`, from `BWV_SAR_*`), since
the ICO's guidance on the 2025 amendments is under review.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

import holidays
from dateutil.relativedelta import relativedelta


class DeadlineError(ValueError):
    """A pause, resumption or extension the rules do not allow."""


@dataclass(frozen=True)
class Rules:
    response_months: int = 1  # the applicable time period
    max_extension_months: int = 2  # further months for complex or numerous requests
    extension_notice_in_first_month: bool = True  # notice of an extension within the first month
    next_working_day: bool = True  # a deadline on a weekend or bank holiday moves to the next
    bank_holidays: str = "ENG"  # UK subdivision whose bank holidays count ("" for none)


@dataclass(frozen=True)
class Pause:
    start: date  # the day clarification was asked for: the clock stops
    end: date | None  # the day it arrived: the clock runs again (None: still waiting)


@dataclass(frozen=True)
class Clock:
    received: date
    due: date  # the deadline (while paused: the deadline if the clarification came today)
    first_month_due: date  # the deadline without an extension: notice of one goes by then
    extension_months: int
    paused_days: int
    paused: bool
    days_left: int  # calendar days from today to the deadline; negative when overdue

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def extended(self) -> bool:
        return self.extension_months > 0


def add_months(day: date, months: int) -> date:
    """The corresponding date `months` later; the month's last day where it has no such date."""
    result: date = day + relativedelta(months=months)
    return result


@cache
def _bank_holidays(subdivision: str, year: int) -> frozenset[date]:
    if not subdivision:
        return frozenset()
    return frozenset(holidays.country_holidays("GB", subdiv=subdivision, years=year))


def is_working_day(day: date, rules: Rules) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(rules.bank_holidays, day.year)


def working_day_on_or_after(day: date, rules: Rules) -> date:
    while not is_working_day(day, rules):
        day += timedelta(days=1)
    return day


def paused_days(pauses: Sequence[Pause], today: date) -> int:
    """Days the clock stood still: from each pause's start to its end (or today, if open)."""
    return sum(max(0, ((p.end or today) - p.start).days) for p in pauses)


def _due(received: date, months: int, stopped: int, rules: Rules) -> date:
    day = add_months(received, months) + timedelta(days=stopped)
    return working_day_on_or_after(day, rules) if rules.next_working_day else day


def clock(
    received: date,
    today: date,
    *,
    rules: Rules,
    extension_months: int = 0,
    pauses: Sequence[Pause] = (),
) -> Clock:
    """Where the request stands on `today`."""
    stopped = paused_days(pauses, today)
    due = _due(received, rules.response_months + extension_months, stopped, rules)
    return Clock(
        received=received,
        due=due,
        first_month_due=_due(received, rules.response_months, stopped, rules),
        extension_months=extension_months,
        paused_days=stopped,
        paused=any(p.end is None for p in pauses),
        days_left=(due - today).days,
    )


def check_extension(
    current: Clock, months: int, notice_on: date, rules: Rules, today: date
) -> None:
    """An extension to `months` further months in all, by notice given on `notice_on`."""
    if not 1 <= months <= rules.max_extension_months:
        raise DeadlineError(
            f"an extension is of 1 to {rules.max_extension_months} further months in all"
        )
    if months <= current.extension_months:
        raise DeadlineError(
            f"the request is already extended by {current.extension_months} month(s)"
        )
    if notice_on < current.received or notice_on > today:
        raise DeadlineError("the notice date is between receipt and today")
    if rules.extension_notice_in_first_month and notice_on > current.first_month_due:
        raise DeadlineError(
            "notice of an extension must be given within the first month "
            f"(by {current.first_month_due.isoformat()})"
        )


def check_pause(received: date, pauses: Sequence[Pause], start: date, today: date) -> None:
    """A new pause starting on `start`."""
    if any(p.end is None for p in pauses):
        raise DeadlineError("the clock is already paused: resume it first")
    if start < received or start > today:
        raise DeadlineError("a pause starts between receipt and today")
    if any(p.end is not None and start < p.end for p in pauses):
        raise DeadlineError("a pause cannot start before the last one ended")


def check_resume(pause: Pause | None, end: date, today: date) -> None:
    if pause is None:
        raise DeadlineError("the clock is not paused")
    if end < pause.start or end > today:
        raise DeadlineError("the clock resumes between the pause's start and today")
