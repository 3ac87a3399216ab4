"""The subject access clock (pure arithmetic): one calendar month to the corresponding date (the
month's last day where there is none), leap years, the next working day (weekends and England's
bank holidays), pauses awaiting clarification and extensions by notice in the first month."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from openbwv.config import Settings
from openbwv.subject_access import deadline
from openbwv.subject_access.deadline import DeadlineError, Pause, Rules
from openbwv.subject_access.queries import rules

CALENDAR = Rules(next_working_day=False)  # the corresponding date alone
WORKING = Rules()  # the defaults: next working day, England's bank holidays
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))


def due(received: date, rules: Rules = CALENDAR, **kwargs: object) -> date:
    return deadline.clock(received, received, rules=rules, **kwargs).due  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        (date(2026, 9, 3), date(2026, 10, 3)),  # the ICO's own example
        (date(2026, 1, 31), date(2026, 2, 28)),  # no 31 February: the month's last day
        (date(2028, 1, 31), date(2028, 2, 29)),  # a leap year
        (date(2028, 1, 30), date(2028, 2, 29)),
        (date(2028, 1, 29), date(2028, 2, 29)),
        (date(2028, 2, 29), date(2028, 3, 29)),
        (date(2026, 3, 31), date(2026, 4, 30)),
        (date(2026, 12, 15), date(2027, 1, 15)),  # across the year
        (date(2100, 1, 31), date(2100, 2, 28)),  # 2100 is no leap year
    ],
)
def test_one_calendar_month_to_the_corresponding_date(received: date, expected: date) -> None:
    assert due(received) == expected


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        (date(2026, 1, 31), date(2026, 3, 2)),  # 28 Feb 2026 is a Saturday: Monday
        (date(2026, 4, 1), date(2026, 5, 1)),  # a Friday stays
        (date(2026, 7, 31), date(2026, 9, 1)),  # 31 Aug 2026: the summer bank holiday
        (date(2026, 11, 25), date(2026, 12, 29)),  # Christmas, then Boxing Day's substitute
        (date(2027, 3, 26), date(2027, 4, 26)),  # 26 Apr 2027 is a Monday, no holiday
    ],
)
def test_a_deadline_on_a_weekend_or_bank_holiday_moves_to_the_next_working_day(
    received: date, expected: date
) -> None:
    assert due(received, WORKING) == expected


def test_bank_holidays_are_the_chosen_nations() -> None:
    # 30 November 2026 (St Andrew's Day) is a bank holiday in Scotland only.
    received = date(2026, 10, 30)
    assert due(received, WORKING) == date(2026, 11, 30)
    assert due(received, Rules(bank_holidays="SCT")) == date(2026, 12, 1)
    assert due(date(2026, 11, 25), Rules(bank_holidays="")) == date(2026, 12, 25)


def test_pauses_add_the_days_the_clock_stood_still() -> None:
    received = date(2026, 1, 10)
    pauses = [
        Pause(date(2026, 1, 15), date(2026, 1, 20)),
        Pause(date(2026, 1, 25), date(2026, 1, 26)),
    ]
    clock = deadline.clock(received, date(2026, 2, 1), rules=CALENDAR, pauses=pauses)
    assert clock.paused_days == 6 and not clock.paused
    assert clock.due == date(2026, 2, 16)
    assert clock.days_left == 15


def test_an_open_pause_moves_the_deadline_every_day_it_lasts() -> None:
    received = date(2026, 3, 2)
    waiting = [Pause(date(2026, 3, 10), None)]
    first = deadline.clock(received, date(2026, 3, 12), rules=CALENDAR, pauses=waiting)
    later = deadline.clock(received, date(2026, 3, 20), rules=CALENDAR, pauses=waiting)
    assert first.paused and first.paused_days == 2 and first.due == date(2026, 4, 4)
    assert later.paused_days == 10 and later.due == date(2026, 4, 12)
    assert first.days_left == later.days_left  # the clock stands still while paused


def test_overdue_is_past_the_deadline_not_on_it() -> None:
    received = date(2026, 9, 3)
    assert not deadline.clock(received, date(2026, 10, 3), rules=CALENDAR).overdue
    late = deadline.clock(received, date(2026, 10, 5), rules=CALENDAR)
    assert late.overdue and late.days_left == -2


def test_an_extension_adds_months_from_receipt() -> None:
    received = date(2026, 1, 31)
    assert due(received, extension_months=1) == date(2026, 3, 31)
    assert due(received, extension_months=2) == date(2026, 4, 30)
    clock = deadline.clock(received, received, rules=CALENDAR, extension_months=2)
    assert clock.extended and clock.first_month_due == date(2026, 2, 28)


def test_an_extension_needs_notice_within_the_first_month_and_at_most_the_maximum() -> None:
    received = date(2026, 1, 31)
    today = date(2026, 3, 10)
    current = deadline.clock(received, today, rules=CALENDAR)
    deadline.check_extension(current, 2, date(2026, 2, 28), CALENDAR, today)
    with pytest.raises(DeadlineError, match="within the first month"):
        deadline.check_extension(current, 2, date(2026, 3, 1), CALENDAR, today)
    with pytest.raises(DeadlineError, match="1 to 2 further months"):
        deadline.check_extension(current, 3, date(2026, 2, 10), CALENDAR, today)
    with pytest.raises(DeadlineError, match="between receipt and today"):
        deadline.check_extension(current, 1, date(2026, 1, 30), CALENDAR, today)
    late = Rules(next_working_day=False, extension_notice_in_first_month=False)
    deadline.check_extension(current, 1, date(2026, 3, 5), late, today)  # configurable
    extended = deadline.clock(received, today, rules=CALENDAR, extension_months=2)
    with pytest.raises(DeadlineError, match="already extended by 2"):
        deadline.check_extension(
            extended, 1, date(2026, 2, 10), Rules(max_extension_months=3), today
        )


def test_a_pause_in_the_first_month_also_moves_the_notice_date() -> None:
    received = date(2026, 1, 31)
    pauses = [Pause(date(2026, 2, 2), date(2026, 2, 9))]
    clock = deadline.clock(received, date(2026, 3, 5), rules=CALENDAR, pauses=pauses)
    assert clock.first_month_due == date(2026, 3, 7)
    deadline.check_extension(clock, 1, date(2026, 3, 5), CALENDAR, date(2026, 3, 5))


def test_pauses_and_resumptions_are_checked() -> None:
    received = date(2026, 5, 1)
    today = date(2026, 5, 20)
    with pytest.raises(DeadlineError, match="between receipt and today"):
        deadline.check_pause(received, [], date(2026, 4, 30), today)
    with pytest.raises(DeadlineError, match="already paused"):
        deadline.check_pause(received, [Pause(date(2026, 5, 3), None)], date(2026, 5, 5), today)
    with pytest.raises(DeadlineError, match="before the last one ended"):
        deadline.check_pause(
            received, [Pause(date(2026, 5, 3), date(2026, 5, 10))], date(2026, 5, 9), today
        )
    with pytest.raises(DeadlineError, match="not paused"):
        deadline.check_resume(None, today, today)
    with pytest.raises(DeadlineError, match="between the pause's start and today"):
        deadline.check_resume(Pause(date(2026, 5, 3), None), date(2026, 5, 2), today)
    deadline.check_resume(Pause(date(2026, 5, 3), None), date(2026, 5, 3), today)


def test_a_longer_response_period_is_a_setting() -> None:
    assert due(date(2026, 1, 31), Rules(response_months=3, next_working_day=False)) == date(
        2026, 4, 30
    )


@given(days)
def test_a_month_is_28_to_31_days_and_never_early(received: date) -> None:
    plain = due(received)
    assert 28 <= (plain - received).days <= 31
    assert plain.day == received.day or (
        plain.day < received.day and (plain + timedelta(1)).day == 1
    )
    working = due(received, WORKING)
    assert plain <= working <= plain + timedelta(days=5)  # at most Christmas and a weekend
    assert deadline.is_working_day(working, WORKING)


@given(days, days)
def test_a_later_receipt_is_never_due_earlier(a: date, b: date) -> None:
    first, second = sorted((a, b))
    assert due(first) <= due(second)
    assert due(first, WORKING) <= due(second, WORKING)


@given(
    days, st.lists(st.tuples(st.integers(0, 40), st.integers(0, 20)), max_size=4), st.integers(0, 2)
)
def test_pauses_add_exactly_their_days_and_extensions_their_months(
    received: date, gaps: list[tuple[int, int]], months: int
) -> None:
    pauses, start = [], received
    for gap, length in gaps:
        start = start + timedelta(days=gap)
        pauses.append(Pause(start, start + timedelta(days=length)))
        start = start + timedelta(days=length)
    total = sum(length for _gap, length in gaps)
    clock = deadline.clock(received, start, rules=CALENDAR, pauses=pauses, extension_months=months)
    assert clock.paused_days == total
    assert clock.due == deadline.add_months(received, 1 + months) + timedelta(days=total)
    assert clock.days_left == (clock.due - start).days


def test_the_rules_come_from_the_bwv_sar_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    assert rules(Settings()) == Rules()
    monkeypatch.setenv("BWV_SAR_RESPONSE_MONTHS", "2")
    monkeypatch.setenv("BWV_SAR_MAX_EXTENSION_MONTHS", "1")
    monkeypatch.setenv("BWV_SAR_NEXT_WORKING_DAY", "false")
    monkeypatch.setenv("BWV_SAR_BANK_HOLIDAYS", "SCT")
    monkeypatch.setenv("BWV_SAR_EXTENSION_NOTICE_IN_FIRST_MONTH", "false")
    assert rules(Settings()) == Rules(2, 1, False, False, "SCT")
    monkeypatch.setenv("BWV_SAR_BANK_HOLIDAYS", "XX")
    with pytest.raises(ValidationError):
        Settings()
