"""A small simulation against the live platform: a borough slice of four officers at two
stations (one system encrypting end to end), a day of shifts on a fast clock, uploads interrupted
in every way a dock sees — and every clip must arrive exactly once, attributed, processed and
placed."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import func, select

from openbwv.db.session import unit_of_work
from openbwv.evidence.models import EvidenceItem
from openbwv.ingest.axis.receive import slots
from openbwv.simulate.config import SimConfig
from openbwv.simulate.roster import FleetReader, load_wearers
from openbwv.simulate.runner import Simulation
from openbwv.simulate.verify import Verifier
from tests.simulate.helpers import connections, force_slice
from tests.support.stack import Stack
from tests.support.waiting import wait_until

HACKNEY = "E09000012"


def _config(live_server: str, warrants: tuple[str, ...]) -> SimConfig:
    return SimConfig(
        url=live_server,
        boroughs=("Hackney",),
        hours=24,
        speed=0,
        seed=11,
        recordings_per_shift=1.0,
        recording_seconds=6,
        clip_seconds=6,  # with the 5 s pre-event buffer, most recordings are two clips
        mid_shift_docks=0.0,
        bookmarks=1.0,
        categorised=1.0,
        unknown_categories=0.3,
        tracks=1.0,
        faults=0.1,
        each_fault_once=True,
        featured=warrants,  # everyone records at least once a shift
        width=160,
        height=90,
        fps=5,
        bitrate=200_000,
        encoders=2,
        backoff=0.05,
        retry_pause=0.2,
    )


def test_a_borough_slice_arrives_once_attributed_processed_and_placed(
    stack: Stack, live_server: str, admin_token: str, axis_env: Any
) -> None:
    made = force_slice(HACKNEY, stations=2, per_station=2)
    warrants = tuple(person["warrant"] for person in made.values())
    config = _config(live_server, warrants)
    fleet = FleetReader(live_server, stack.token("fleet_manager", name="sim-fleet"))
    try:
        wearers = [w for w in load_wearers(fleet, config) if w.serial in made]
    finally:
        fleet.close()
    # The fleet's own view: who holds which camera, where, in which team.
    assert sorted((w.serial, w.warrant, w.borough, w.team, w.station) for w in wearers) == sorted(
        (serial, p["warrant"], HACKNEY, p["team"], p["station"]) for serial, p in made.items()
    )
    simulation = Simulation(config, wearers, connections(live_server))
    simulation.prepare()
    assert simulation.stats.systems == 2 and simulation.stats.encrypted_systems == 1

    # The destination starts busy (its one upload slot is taken): real 503s, then room.
    axis_env(max_concurrent_uploads="1")
    held = slots.take()
    failure: list[BaseException] = []

    def run() -> None:
        try:
            simulation.run()
        except BaseException as exc:  # reported by the test thread
            failure.append(exc)

    runner = threading.Thread(target=run)
    runner.start()
    try:
        wait_until(
            lambda: simulation.faults.counts["destination_503"] >= 1,
            timeout=60,
            what="the destination to answer 503",
        )
    finally:
        axis_env(max_concurrent_uploads="64")
        held.slots.give_back()
    runner.join(timeout=240)
    assert not runner.is_alive() and not failure, failure

    stats = simulation.stats
    assert stats.recordings_failed == stats.recordings_rejected == 0, stats.errors
    assert stats.recordings_done == stats.recordings >= 4
    for kind in ("drop", "lost_reply", "busy", "destination_503"):
        assert stats.faults.get(kind, 0) >= 1, (kind, stats.faults)
    ledger = simulation.ledger.stored()
    assert len(ledger) == stats.clips > stats.recordings  # multi-clip recordings
    assert {clip.encrypted for clip in ledger} == {True, False}

    result = Verifier(live_server, admin_token).verify(ledger, wait=180)
    assert result.ok, result.report()
    assert result.arrived_once == result.ready == len(ledger)
    # Nothing else came of the interrupted and retried uploads: these cameras hold exactly the
    # clips sent (a truncated body, a re-sent one, a re-encrypted one would each be an item).
    with unit_of_work() as session:
        held_items = session.scalar(
            select(func.count()).where(EvidenceItem.camera_serial.in_(list(made)))
        )
    assert held_items == len(ledger)
    assert sum(len(clip.marker_texts) for clip in ledger) >= 4  # bookmarks became markers
    # Fixes come every few seconds: most clips hold some, each checked to lie in Hackney.
    assert sum(1 for clip in ledger if clip.track_points) >= len(ledger) // 2
    retired = [c for c in ledger if "traffic_legacy" in c.categories]
    for clip in retired:
        assert "unknown_category" in result.items[clip.sha256]["flags"]
    decrypted = [c for c in ledger if c.encrypted]
    for clip in decrypted:  # the original is the ciphertext as sent; played from the plaintext
        item = result.items[clip.sha256]
        assert item["extra_metadata"]["axis"]["decrypted"]["sha256"] == clip.plain_sha256
