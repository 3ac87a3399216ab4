"""Writes of the evaluation's inputs: the monthly counts that come from outside the platform
(officer strength, use of force, stop and search and its arrests), one at a time (the
simulator, an integration) or as a CSV file, all or nothing. Audited as `analytics.import`."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from openbwv.access.policy import roles
from openbwv.access.policy.queries import require
from openbwv.access.principal import Principal
from openbwv.analytics.errors import BadCounts
from openbwv.analytics.models import COUNT_MEASURES, MonthlyCount
from openbwv.audit.events import record
from openbwv.organisation import queries as organisation
from openbwv.timeutil import utcnow

COLUMNS = ("month", "borough", "team", "measure", "value")
MAX_ROWS = 100_000


@dataclass(frozen=True)
class CountRow:
    borough: str  # GSS code
    month: date  # first day
    measure: str
    value: int
    team_id: uuid.UUID | None = None


def put_count(session: Session, row: CountRow, *, source: str, simulated: bool = False) -> None:
    """Insert or replace one count (no authorisation: callers authorise; see `import_counts`)."""
    team = (
        MonthlyCount.team_id.is_(None)
        if row.team_id is None
        else MonthlyCount.team_id == row.team_id
    )
    existing = session.scalar(
        select(MonthlyCount).where(
            MonthlyCount.borough == row.borough,
            MonthlyCount.month == row.month,
            MonthlyCount.measure == row.measure,
            team,
        )
    )
    if existing is None:
        existing = MonthlyCount(
            borough=row.borough,
            month=row.month,
            measure=row.measure,
            team_id=row.team_id,
            value=row.value,
            source=source,
        )
        session.add(existing)
    existing.value, existing.source, existing.simulated = row.value, source, simulated
    existing.updated_at = utcnow()


def put_counts(
    session: Session,
    principal: Principal,
    rows: list[CountRow],
    *,
    source: str,
    simulated: bool = False,
) -> int:
    require(principal, roles.ANALYTICS_IMPORT)
    for row in rows:
        put_count(session, row, source=source, simulated=simulated)
    session.flush()
    details = {"source": source, "rows": len(rows), "simulated": simulated}
    record(session, principal, "analytics.import", details=details)
    return len(rows)


def _month(text: str) -> date:
    year, month = text.strip()[:7].split("-")
    return date(int(year), int(month), 1)


def parse_counts(session: Session, text: str) -> tuple[list[CountRow], list[dict[str, object]]]:
    """The rows of a counts CSV (`month,borough,team,measure,value`; month as YYYY-MM; team
    optional, a team name of that borough), and every bad row's row number, column and why."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or []) and c != "team"]
    if missing:
        return [], [{"row": 1, "column": ", ".join(missing), "error": "missing column"}]
    rows: list[CountRow] = []
    errors: list[dict[str, object]] = []
    for number, raw in enumerate(reader, start=2):
        if number > MAX_ROWS + 1:
            errors.append({"row": number, "column": "", "error": f"more than {MAX_ROWS} rows"})
            break
        row, problems = _row(session, raw)
        errors.extend({"row": number, "column": c, "error": e} for c, e in problems)
        if row is not None and not problems:
            rows.append(row)
    return rows, errors


def _row(
    session: Session, raw: dict[str, str | None]
) -> tuple[CountRow | None, list[tuple[str, str]]]:
    problems: list[tuple[str, str]] = []
    value = {k: (v or "").strip() for k, v in raw.items() if k}
    try:
        month = _month(value.get("month", ""))
    except ValueError:
        problems.append(("month", "a month as YYYY-MM"))
    borough = organisation.find_borough(session, value.get("borough", ""))
    if borough is None:
        problems.append(("borough", "a borough's GSS code or name"))
    measure = value.get("measure", "")
    if measure not in COUNT_MEASURES:
        problems.append(("measure", f"one of {', '.join(COUNT_MEASURES)}"))
    if not value.get("value", "").isdigit():
        problems.append(("value", "a whole number, 0 or more"))
    if measure == "trial_arm" and (not value.get("team") or value.get("value") not in ("0", "1")):
        problems.append(("team", "a trial arm is a team's: 1 with cameras, 0 without"))
    team_id = None
    if value.get("team") and borough is not None:
        team = organisation.team_named(session, borough.gss_code, value["team"])
        if team is None:
            problems.append(("team", f"no team of that name in {borough.name}"))
        team_id = team.id if team else None
    if problems or borough is None:
        return None, problems
    return CountRow(borough.gss_code, month, measure, int(value["value"]), team_id), []


def import_counts(
    session: Session, principal: Principal, text: str, *, name: str, allow_partial: bool = False
) -> tuple[int, list[dict[str, object]]]:
    """Apply a counts CSV: all of it, or — with any bad row — nothing (unless `allow_partial`:
    the good rows). Raises BadCounts listing the bad rows when nothing was applied."""
    require(principal, roles.ANALYTICS_IMPORT)
    rows, errors = parse_counts(session, text)
    if errors and not allow_partial:
        raise BadCounts(f"{len(errors)} bad rows: nothing applied", errors=errors[:200])
    applied = put_counts(session, principal, rows, source=f"csv:{name[:190]}")
    return applied, errors
