"""Matching recordings to CAD attendances against the real database: a recording spanning two
incidents, an officer on two incidents at once (GPS decides; without it, ambiguous), camera clock
skew (inside the buffer, outside it), late uploads matched by their arrival window's job, and
corrected CAD rows re-matching. Figures are worked out by hand in each test's comments."""

from __future__ import annotations

import uuid
from datetime import UTC

from sqlalchemy import select

from openbwv.access.principal import SYSTEM
from openbwv.db.session import unit_of_work
from openbwv.evidence.service import Arrival, NewOriginal, record_original
from openbwv.incidents import service, tasks
from openbwv.incidents.models import LinkState
from openbwv.jobs.models import Job
from openbwv.jobs.tasks import run_job
from openbwv.timeutil import utcnow
from tests.incidents.helpers import (
    FAR,
    HERE,
    apply,
    at,
    figures,
    link,
    number,
    queued,
    recording,
    row,
    team_officers,
)
from tests.support.stack import Stack


def test_a_recording_spanning_two_incidents(stack: Stack) -> None:
    _, (officer,) = team_officers()
    first, second = number(), number()
    clip = recording(officer, at(10), 30)  # 10–40, no GPS
    apply(
        [
            row(first, officer, at(0), at(5), at(20)),
            row(second, officer, at(25), at(30), at(45)),
        ]
    )
    # Inside [dispatched, cleared]: 10 of its 30 minutes with the first, 15 with the second.
    assert link(clip) == (second, 0.5, LinkState.LINKED)
    # Coverage counts every recording of the officer, whatever it is linked to: 10 of the 15
    # attended minutes of each; it started 5 minutes after the first arrival and stopped 5
    # minutes before the second was cleared.
    assert figures(first, officer) == {
        "recorded": True,
        "late_start_s": 300,
        "early_stop_s": 0,
        "coverage": 0.6667,
    }
    assert figures(second, officer) == {
        "recorded": True,
        "late_start_s": 0,
        "early_stop_s": 300,
        "coverage": 0.6667,
    }

    _, (other,) = team_officers()
    a, b = number(), number()
    even = recording(other, at(15), 15)  # 15–30: 5 minutes inside each
    apply([row(a, other, at(0), at(5), at(20)), row(b, other, at(25), at(30), at(45))])
    found = link(even)
    assert found is not None and found[2] == LinkState.AMBIGUOUS and found[1] == 0.3333
    assert not queued(even)  # ambiguous ones wait in the queue through their link's state


def test_an_officer_on_two_incidents_at_once(stack: Stack) -> None:
    _, (officer, colleague) = team_officers(2)
    near, far = number(), number()
    with_gps = recording(officer, at(6), 20, where=FAR)
    without = recording(colleague, at(6), 20)
    apply(
        [
            row(near, officer, at(0), at(5), at(30), where=HERE),
            row(far, officer, at(0), at(5), at(30), where=FAR),
            row(near, colleague, at(0), at(5), at(30), where=HERE),
            row(far, colleague, at(0), at(5), at(30), where=FAR),
        ]
    )
    # Both overlap wholly (time 1.0); GPS is 1.0 at the far incident, 0 at the near one
    # (about 7 km away, beyond the 1 km radius): 0.7 + 0.3 against 0.7.
    assert link(with_gps) == (far, 1.0, LinkState.LINKED)
    state = link(without)
    assert state is not None and state[1] == 1.0 and state[2] == LinkState.AMBIGUOUS
    for incident in (near, far):  # 20 of the 25 attended minutes, one minute late
        expected = {"recorded": True, "late_start_s": 60, "early_stop_s": 240, "coverage": 0.8}
        assert figures(incident, officer) == expected


def test_camera_clock_skew(stack: Stack) -> None:
    _, (officer,) = team_officers()
    slow, very_slow, slightly = number(), number(), number()
    # Three minutes slow: a recording of 2–15 reads -1–12; still 12 of its 13 minutes inside.
    skewed = recording(officer, at(-1), 13)
    # Twenty minutes slow, on another day: it reads 8 minutes before dispatch, beyond the buffer.
    lost = recording(officer, at(-20, day=1), 12)
    # Inside the buffer only (ends 3 minutes before dispatch): linked, with a low score.
    early = recording(officer, at(-9, day=2), 6)
    apply(
        [
            row(slow, officer, at(0), at(3), at(15)),
            row(very_slow, officer, at(0, day=1), at(3, day=1), at(15, day=1)),
            row(slightly, officer, at(0, day=2), at(3, day=2), at(15, day=2)),
        ]
    )
    assert link(skewed) == (slow, 0.9231, LinkState.LINKED)  # 12 / 13, no GPS
    assert figures(slow, officer)["coverage"] == 0.75  # 3–12 of 3–15
    # The CAD import met no recording of it; the sweeper's turn finds it and queues it.
    assert link(lost) is None and not queued(lost)
    assert tasks.match_unseen_now() >= 1
    assert link(lost) is None and queued(lost)
    assert figures(very_slow, officer)["recorded"] is False
    assert link(early) == (slightly, 0.02, LinkState.LINKED)  # 0.05 × (1 − 3/5)
    assert figures(slightly, officer) == {
        "recorded": False,
        "late_start_s": None,
        "early_stop_s": None,
        "coverage": 0.0,
    }


def test_a_late_upload_is_matched_on_arrival(stack: Stack) -> None:
    _, (officer,) = team_officers()
    incident = number()
    apply([row(incident, officer, at(0, day=3), at(4, day=3), at(24, day=3))])
    assert figures(incident, officer)["recorded"] is False
    with unit_of_work() as session:
        outcome = record_original(
            session,
            NewOriginal(
                sha256=uuid.uuid4().hex * 2,
                size_bytes=5,
                media_type="video/mp4",
                source="test",
                officer=officer.warrant_number,
                recorded_start=at(4, day=3),
                recorded_end=at(14, day=3),
                start_processing=False,
            ),
            Arrival(SYSTEM, "test", "late upload"),
        )
        arrived = outcome.item.id
    # Not in the arriving clip's transaction (it would hold SQLite's one write lock longer):
    # one job per few seconds of arrivals, after that window closes.
    assert link(arrived) is None
    with unit_of_work() as session:
        job = session.scalars(
            select(Job).where(Job.kind == service.MATCH_ARRIVALS).order_by(Job.enqueued_at.desc())
        ).first()
        assert job is not None and job.not_before is not None
        wait = (job.not_before.replace(tzinfo=UTC) - utcnow()).total_seconds()
        assert 0 < wait <= service.ARRIVAL_WINDOW_S + service.SETTLE.total_seconds()
    assert run_job(str(job.id)) == "done"
    assert run_job(str(job.id)) == "skipped"  # a duplicate message changes nothing
    assert link(arrived) == (incident, 1.0, LinkState.LINKED)
    assert figures(incident, officer) == {
        "recorded": True,
        "late_start_s": 0,
        "early_stop_s": 600,
        "coverage": 0.5,
    }


def test_corrected_cad_rows_rematch(stack: Stack) -> None:
    _, (officer, relief) = team_officers(2)
    incident = number()
    clip = recording(officer, at(8, day=4), 10)  # 8–18
    rows = [row(incident, officer, at(0, day=4), at(5, day=4), at(20, day=4))]
    first = apply(rows)
    assert (first.applied, first.changed) == (1, 1)
    assert figures(incident, officer)["coverage"] == 0.6667  # 10 of 15 minutes
    again = apply(rows)
    assert (again.applied, again.changed) == (1, 0)  # the same file again changes nothing

    corrected = [row(incident, officer, at(0, day=4), at(5, day=4), at(12, day=4))]
    assert apply(corrected).changed == 1
    assert figures(incident, officer) == {  # 8–12 of 5–12
        "recorded": True,
        "late_start_s": 180,
        "early_stop_s": 0,
        "coverage": 0.5714,
    }
    assert link(clip) is not None

    # The CAD operator finds it was the relief officer who attended, not this one.
    swapped = [row(incident, relief, at(0, day=4), at(5, day=4), at(12, day=4))]
    assert apply(swapped).changed == 2  # one removed, one added
    assert link(clip) is None and queued(clip)
    assert figures(incident, relief)["recorded"] is False
