"""The demo's retention content, so the retention pages show something on `make run`: a
complaint hold on the footage of the demo case's incident (placed by the demo professional
standards officer), and a few weeks-old uncategorised recordings — some past their 31 days (the
sweep puts them in the deletion queue), some a few days from it (warned on My footage and in the
forecast). A sweep then writes every item's retention state."""

from __future__ import annotations

import uuid
from datetime import timedelta

from openbwv.access.admin import queries as admin_queries
from openbwv.access.policy.queries import principal_for_user
from openbwv.config import Settings
from openbwv.db.session import unit_of_work
from openbwv.fleet.demo import DEFAULT_BOROUGHS
from openbwv.retention import service as retention_service
from openbwv.retention import tasks as retention_tasks
from openbwv.simulate.config import SimConfig
from openbwv.simulate.runner import simulate
from openbwv.timeutil import utcnow

HOLDER = "standards.demo"  # the demo's professional standards officer places the hold
# (days before now that the simulated period ends, clips): past 31 days, then just short of it.
OLD_FOOTAGE = ((33.0, 2), (28.0, 2))


def old_footage(url: str, *, seed: int) -> int:
    """A few short uncategorised clips from weeks ago, uploaded as the demo's other footage."""
    made = 0
    for index, (days, clips) in enumerate(OLD_FOOTAGE):
        config = SimConfig(
            url=url,
            boroughs=DEFAULT_BOROUGHS,
            officers=4,
            hours=24,
            end=utcnow() - timedelta(days=days),
            seed=seed * 10 + index,
            recordings_per_shift=1.0,
            recording_seconds=8,
            clip_seconds=10,
            max_clips=clips,
            incidents_per_shift=0.0,
            categorised=0.0,
            faults=0.0,
        )
        made += simulate(config).stats.clips
    return made


def retention_demo(
    incident_items: list[uuid.UUID], older: int, *, seed: int, settings: Settings
) -> list[str]:
    """Hold the incident's footage for a complaint, then sweep: what is due enters the queue."""
    lines = []
    if incident_items:
        reference = f"CO/DEMO/{seed:04d}"
        with unit_of_work(settings) as session:
            principal = principal_for_user(session, admin_queries.find_user(session, HOLDER))
            request = retention_service.HoldRequest(
                type="complaint",
                reference=reference,
                reason="Complaint about the use of force at this incident (demo)",
                scope="items",
                item_ids=incident_items,
            )
            retention_service.place_hold(session, principal, request)
        lines.append(
            f"Complaint hold {reference} on the {len(incident_items)} clips of the demo case's "
            f"incident: sign in as {HOLDER} and open /retention/holds."
        )
    report = retention_tasks.run(settings)
    lines.append(
        f"Retention: {older} weeks-old clips; the sweep evaluated {report.evaluated} items, "
        f"{report.queued} in the deletion queue (/retention/queue), {report.held} held."
    )
    return lines
