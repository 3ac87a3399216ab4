"""Checking one CSV row's cells (pure: no database): patterns, dates, yes/no and boroughs, each
refused as a `RowRejected` naming the column."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from openbwv.organisation.models import Borough
from openbwv.timeutil import utcnow

WARRANT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ./-]*$")
USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
SERIAL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0", ""}


class RowRejected(Exception):
    def __init__(self, column: str | None, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


class BoroughTable(dict[str, str]):
    """GSS codes and lower-cased names to GSS codes. It also holds the Borough rows, so the
    session's (weak) identity map keeps them and per-row look-ups by code cost no query."""

    def __init__(self, boroughs: Iterable[Borough]) -> None:
        super().__init__()
        self.rows = list(boroughs)
        for borough in self.rows:
            self[borough.gss_code.lower()] = borough.gss_code
            self[borough.name.lower()] = borough.gss_code


def borough_code(table: dict[str, str], value: str) -> str:
    code = table.get(value.strip().lower())
    if code is None:
        raise RowRejected("borough", f"unknown borough {value!r} (a GSS code or a borough name)")
    return code


def training_date(value: str) -> date:
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise RowRejected("trained_on", f"{value!r} is not a date (YYYY-MM-DD)") from None
    if len(value) != 10:
        raise RowRejected("trained_on", f"{value!r} is not a date (YYYY-MM-DD)")
    if parsed > utcnow().date():
        raise RowRejected("trained_on", "the date is in the future")
    return parsed


def check(pattern: re.Pattern[str], value: str, column: str, what: str) -> None:
    if value and not pattern.match(value):
        raise RowRejected(column, f"{value!r} is not a valid {what}")


def pool_flag(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in YES:
        return True
    if lowered in NO:
        return False
    raise RowRejected("pool", f"{value!r} is not yes or no")
