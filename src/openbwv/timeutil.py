"""UTC time helpers: everything is stored in UTC; Europe/London is for display only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import BeforeValidator


def utcnow() -> datetime:
    return datetime.now(UTC)


def parse_rfc3339(value: str) -> datetime:
    """Parse an RFC 3339 timestamp that carries an offset; return it in UTC.

    Raises ValueError for naive timestamps: a device time without a zone cannot be placed in court.
    """
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        raise ValueError(f"timestamp {value!r} has no UTC offset")
    return _in_utc(parsed, value)


def _in_utc(parsed: datetime, value: object) -> datetime:
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+14:00 is before the calendar's first instant
        raise ValueError(f"timestamp {value!r} is outside the calendar's range") from None


def _timestamp(value: object) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("a timestamp needs a UTC offset (RFC 3339)")
        return _in_utc(value, value)
    if not isinstance(value, str) or "T" not in value.upper():
        # Not a number of seconds, nor a bare date: a time in court says when, and in which zone.
        raise ValueError("a timestamp is RFC 3339, such as 2026-11-24T08:00:00Z")
    return parse_rfc3339(value)


# A request's timestamp: RFC 3339 with its offset, in UTC; anything else is a 422.
Timestamp = Annotated[datetime, BeforeValidator(_timestamp)]


def isoformat_z(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
