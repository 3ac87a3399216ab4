"""The simulator's CAD incidents as ground truth: their recordings made as records, their rows
imported through the CAD contract, and the matcher's figures agree with what the simulator knows
— not recorded where it dropped the recording, late starts and early stops where it made them,
coverage as it computed it (clock skew aside: the figures report the camera's times)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from openbwv.simulate import cad
from tests.incidents.helpers import apply, figures, link, team_officers
from tests.support import factories
from tests.support.stack import Stack


def test_figures_recover_the_simulators_faults(stack: Stack) -> None:
    _, officers = team_officers(4)
    by_warrant = {o.warrant_number: o for o in officers}
    rng = random.Random(7)
    start = datetime(2027, 3, 1, 8, tzinfo=UTC)
    sims = [cad.SimOfficer(o.warrant_number) for o in officers]
    # One officer at a time (an officer on two incidents at once is test_matching's), so each
    # attendance's recordings are its own.
    made = cad.incidents(rng, sims[:1], start, 12, hours=72, prefix=factories.unique("S", 4))
    made += cad.incidents(rng, sims[1:2], start, 12, hours=72, prefix=factories.unique("T", 4))
    made = [i for i in made if not _overlaps(i, made)]
    clips = {}
    for incident in made:
        for a in incident.attendances:
            owner = by_warrant[a.officer.warrant]
            for begin, end in a.recordings:
                seconds = (end - begin).total_seconds()
                clips[factories.item(owner, occurred=begin, duration=seconds)] = incident.number
    apply(cad.cad_rows(made))
    faults = set()
    for incident in made:
        for a in incident.attendances:
            found = figures(incident.number, by_warrant[a.officer.warrant])
            faults.add(a.fault)
            assert found["recorded"] is (a.fault != "not_recorded"), a
            if a.fault in ("whole", "late_start", "early_stop"):
                assert abs(found["coverage"] - a.true_coverage) < 0.01, (a, found)
            if a.fault == "late_start":
                assert found["late_start_s"] > 60
            if a.fault == "early_stop":
                assert found["early_stop_s"] > 60
    assert {"whole", "not_recorded"} <= faults
    assert all(link(clip) is not None and link(clip)[0] == number for clip, number in clips.items())


def _overlaps(incident: cad.SimIncident, made: list[cad.SimIncident]) -> bool:
    mine = incident.attendances[0]
    return any(
        other is not incident
        and other.attendances[0].officer == mine.officer
        and other.attendances[0].dispatched < mine.cleared + _pad()
        and mine.dispatched < other.attendances[0].cleared + _pad()
        for other in made
    )


def _pad() -> timedelta:
    return timedelta(minutes=20)
