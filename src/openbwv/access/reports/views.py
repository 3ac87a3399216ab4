"""The break-glass report page: who opened items outside their scope, when, which item, why and
until when, for whoever may read the API's report (`reports.read`: supervisors, professional
standards, auditors), within the same reach (`reports.queries`). Reading it is recorded, as in
the API."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from openbwv.access.policy import roles
from openbwv.access.policy.queries import require
from openbwv.access.reports.queries import DEFAULT_WINDOW, break_glass_count, break_glass_events
from openbwv.api.context import Client
from openbwv.audit.events import record
from openbwv.db.session import unit_of_work
from openbwv.timeutil import parse_rfc3339, utcnow
from openbwv.web.auth import Viewer
from openbwv.web.render import LONDON, add_template_dir, render

router = APIRouter(include_in_schema=False)
add_template_dir(Path(__file__).parent / "templates")
PAGE_ROWS = 200


def _london_day(value: str, field: str, errors: list[str]) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        errors.append(f"{field} is not a date")
        return None


def _start_of(day: date) -> datetime:
    """Midnight of a London calendar day, as UTC."""
    return datetime.combine(day, time(0), tzinfo=LONDON).astimezone(UTC)


def _london_time(text: str | None) -> datetime | None:
    try:
        return parse_rfc3339(text) if text else None
    except ValueError:
        return None


@router.get("/reports/break-glass")
def break_glass_report_page(
    request: Request,
    client: Client,
    principal: Viewer,
    since: str = Query("", max_length=32),
    until: str = Query("", max_length=32),
) -> HTMLResponse:
    require(principal, roles.REPORTS_READ)
    errors: list[str] = []
    first = _london_day(since, "From", errors)
    last = _london_day(until, "To", errors)
    if first and last and last < first:
        errors.append("To is before From")
        last = None
    start = _start_of(first) if first else utcnow() - DEFAULT_WINDOW
    end = _start_of(last + timedelta(days=1)) if last else None
    with unit_of_work() as session:
        rows = break_glass_events(session, principal, start, end, limit=PAGE_ROWS)
        total = break_glass_count(session, principal, start, end)
        record(
            session,
            principal,
            "report.break_glass",
            source_ip=client.ip,
            details={"returned": len(rows), "page": "break-glass report"},
        )
    for row in rows:
        row["when_at"] = _london_time(row["when"])
        row["until_at"] = _london_time(row["expires_at"])
    return render(
        request,
        "reports/break_glass.html",
        {
            "title": "Break-glass report",
            "rows": rows,
            "total": total,
            "errors": errors,
            "since": since or start.astimezone(LONDON).date().isoformat(),
            "until": until,
            "defaulted": not first,
        },
    )
