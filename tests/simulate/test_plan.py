"""The simulator's parts that need no platform: shifts and docks, tracks inside boroughs, clips
with the time and serial burned in, and interruptions at the transport."""

from __future__ import annotations

import io
import itertools
import random
from datetime import UTC, datetime, timedelta

import av
import httpx
import numpy as np
import pytest

from openbwv.media.errors import MediaError
from openbwv.simulate.config import ConfigError, SimConfig
from openbwv.simulate.faults import FaultLog, FaultyTransport
from openbwv.simulate.footage import FootageSpec, render
from openbwv.simulate.roster import Wearer, choose
from openbwv.simulate.shifts import LONDON, SHIFTS, plan, shift_of, summary
from openbwv.simulate.tracks import outline, track

END = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
CATEGORIES = [("non_evidential", "Non-evidential"), ("arrest", "Arrest")]


def wearer(n: int, borough: str = "E09000012", team: str | None = "Response A") -> Wearer:
    return Wearer(
        warrant=f"W{n:05d}",
        name=f"PC {n}",
        borough=borough,
        team=team,
        serial=f"CAM-{n:05d}",
        model="W110",
        firmware="11.5.70",
        station=f"Station {n % 2}",
        pool=False,
    )


def config(**changes: object) -> SimConfig:
    values: dict[str, object] = {"url": "http://x", "end": END, "hours": 48, "seed": 3}
    values.update(changes)
    return SimConfig(**values)  # type: ignore[arg-type]


def test_the_same_seed_gives_the_same_plan_and_another_seed_another() -> None:
    wearers = [wearer(n, team=t) for n, t in enumerate(["Response A", "Response B", "Other"] * 3)]

    def shape(seed: int) -> list[tuple[object, ...]]:
        docks = plan(wearers, config(seed=seed), CATEGORIES)
        return [
            (d.at, d.wearer.serial, d.kind, r.trigger_on, r.recording_id, len(r.clips), r.track)
            for d in docks
            for r in d.recordings
        ]

    assert shape(3) == shape(3)
    assert shape(3) != shape(4)
    assert len(shape(3)) > 5


def test_cameras_dock_at_shift_change_and_record_only_during_the_shift() -> None:
    wearers = [wearer(n, team=t) for n in range(6) for t in ("Response A", "Response C")]
    docks = plan(wearers, config(mid_shift_docks=0.0), CATEGORIES)
    assert docks and all(END - timedelta(hours=48) < d.at <= END for d in docks)
    for dock in docks:
        shift = shift_of(dock.wearer)
        ends = datetime.combine(dock.at.astimezone(LONDON).date(), datetime.min.time())
        change = (SHIFTS[shift] + 8) % 24
        local = dock.at.astimezone(LONDON)
        # from 20 minutes early to an hour late around the end of the shift (London time)
        minutes = (local.hour * 60 + local.minute - change * 60) % (24 * 60)
        assert minutes <= 60 or minutes >= 24 * 60 - 20, (shift, local, ends)
        for recording in dock.recordings:
            assert recording.stop <= dock.at
            assert dock.at - recording.start <= timedelta(hours=9, minutes=5)
            assert recording.start == recording.trigger_on - timedelta(seconds=5)  # pre-buffer
            spans = [(c.start, c.stop) for c in recording.clips]
            assert spans[0][0] == recording.start and spans[-1][1] == recording.stop
            assert all(a[1] == b[0] for a, b in itertools.pairwise(spans))
            assert all((c.stop - c.start).total_seconds() <= 15 for c in recording.clips)
    assert {shift_of(w) for w in wearers} == {"early", "night"}


def test_recordings_of_one_camera_never_overlap() -> None:
    docks = plan([wearer(1)], config(hours=24 * 14, recordings_per_shift=6), CATEGORIES)
    recordings = sorted((r for d in docks for r in d.recordings), key=lambda r: r.start)
    assert len(recordings) > 20
    for before, after in itertools.pairwise(recordings):
        assert before.stop < after.start


def test_a_budget_gives_exactly_that_many_clips_featured_officer_first() -> None:
    wearers = [wearer(n) for n in range(8)]
    featured = wearers[5].warrant
    for budget in (1, 2, 7, 23):
        docks = plan(wearers, config(max_clips=budget, featured=(featured,)), CATEGORIES)
        assert summary(docks)[1] == budget
        assert any(d.wearer.warrant == featured for d in docks)
        assert [d.at for d in docks] == sorted(d.at for d in docks)


def test_annotations_follow_the_configured_shares() -> None:
    wearers = [wearer(n) for n in range(10)]
    everything = config(bookmarks=1.0, categorised=1.0, tracks=1.0, unknown_categories=0.5)
    recordings = [r for d in plan(wearers, everything, CATEGORIES) for r in d.recordings]
    assert recordings
    for recording in recordings:
        texts = [b for b in recording.bookmarks if b.text]
        categories = [b.category for b in recording.bookmarks if b.category]
        assert len(texts) == 1 and recording.start <= texts[0].at <= recording.stop
        assert len(categories) == 1 and recording.track
    ids = {b.category[0] for r in recordings for b in r.bookmarks if b.category}
    assert "traffic_legacy" in ids and ids - {"traffic_legacy"} <= {"non_evidential", "arrest"}
    nothing = config(bookmarks=0.0, categorised=0.0, tracks=0.0)
    bare = [r for d in plan(wearers, nothing, CATEGORIES) for r in d.recordings]
    assert bare and all(not r.bookmarks and not r.track for r in bare)


@pytest.mark.parametrize("borough", ["Camden", "Hillingdon", "City of London", "E09000030"])
def test_tracks_stay_inside_the_borough(borough: str) -> None:
    shape = outline(borough)
    rng = random.Random(borough)
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    for driving in (False, True):
        fixes = track(shape, rng, start, 900, driving=driving)
        assert len(fixes) > 100
        assert all(shape.contains(lat, lon) for _, lat, lon in fixes)
        assert fixes[0][0] == start and fixes[-1][0] <= start + timedelta(seconds=900)
    outside = outline("Camden")
    assert not outside.contains(51.4545, -0.9781)  # Reading


def test_roster_slice_covers_every_borough_and_honours_the_limits() -> None:
    boroughs = ["E09000007", "E09000033", "E09000022"]
    wearers = [wearer(n, borough=boroughs[n % 3]) for n in range(30)]
    chosen = choose(wearers, config(officers=6))
    assert len(chosen) == 6 and {w.borough for w in chosen} == set(boroughs)
    assert chosen == choose(wearers, config(officers=6))
    assert len(choose(wearers, config(officers=6, cameras=4))) == 4
    featured = choose(wearers, config(officers=2, featured=("W00029",)))
    assert "W00029" in {w.warrant for w in featured}


def test_bad_configurations_are_refused_with_the_reason() -> None:
    for changes, message in (
        ({"hours": 0}, "hours"),
        ({"speed": -1}, "speed"),
        ({"faults": 0.9}, "outage"),
        ({"officers": 0}, "officers"),
        ({"encryption": "maybe"}, "encryption"),
        ({"end": datetime(2026, 1, 1)}, "UTC offset"),  # naive: no UTC offset
    ):
        with pytest.raises(ConfigError, match=message):
            config(**changes).check()


def _frames(data: bytes) -> list[np.ndarray]:
    with av.open(io.BytesIO(data)) as container:
        return [f.to_ndarray(format="rgb24").astype(int) for f in container.decode(video=0)]


def _differ(a: np.ndarray, b: np.ndarray, box: tuple[slice, slice]) -> float:
    return float(np.abs(a[box] - b[box]).mean())


def test_clips_burn_in_the_time_and_serial_and_differ_by_seed() -> None:
    start = datetime(2026, 2, 1, 7, 30, 0, tzinfo=UTC)
    spec = FootageSpec("AXB-123456", start, 3, seed=1)
    data = render(spec)
    with av.open(io.BytesIO(data)) as container:
        assert container.metadata["title"] == "AXB-123456"
        assert {s.type for s in container.streams} == {"video", "audio"}
        assert 2.9 <= float(container.duration or 0) / 1e6 <= 3.3
    frames = _frames(data)
    assert len(frames) == 30
    # The burned-in time (top left) changes with the second, not within it (lossy video: a
    # little noise either way, far less than a changed digit).
    clock = (slice(2, 17), slice(2, 129))
    assert _differ(frames[0], frames[9], clock) < 1.5
    assert _differ(frames[9], frames[10], clock) > 2.5
    other = _frames(render(FootageSpec("AXB-987654", start, 3, seed=1)))
    label = (slice(163, 178), slice(2, 76))  # the serial, bottom left
    assert _differ(frames[0], other[0], label) > 5 * _differ(frames[0], frames[1], label)
    assert _differ(frames[0], other[0], clock) < 1.5
    assert render(spec) == data  # deterministic
    assert render(FootageSpec("AXB-123456", start, 3, seed=2)) != data
    big = render(FootageSpec("AXB-123456", start, 4, seed=1, bitrate=2_000_000))
    assert 0.9 < len(big) / 1e6 < 1.3  # constant bit rate: 2 Mbit/s × 4 s ≈ 1 MB
    with pytest.raises(MediaError, match="even"):
        render(FootageSpec("AXB-1", start, 1, seed=1, width=321))


def _transport(rate: float, inner: httpx.MockTransport, **kwargs: bool) -> FaultyTransport:
    return FaultyTransport(rate, 1, FaultLog(**kwargs), inner)


def test_interruptions_reach_the_destination_as_real_ones_would() -> None:
    seen: list[tuple[str, int]] = []

    def destination(request: httpx.Request) -> httpx.Response:
        seen.append((request.url.path, len(request.read())))
        return httpx.Response(201)

    transport = _transport(0.0, httpx.MockTransport(destination), each_once=True)
    url = "http://cd/v1/AUTH_x/Rec_CAM_20260101T000000Z/clip.mkv"
    with httpx.Client(transport=transport) as client:
        with pytest.raises(httpx.WriteError):  # 1. dropped mid-body: half the bytes went out
            client.put(url, content=b"x" * 1000)
        with pytest.raises(httpx.ReadError):  # 2. stored, but the answer was lost
            client.put(url, content=b"y" * 1000)
        busy = client.put(url, content=b"z" * 1000)  # 3. a gateway's 503: nothing sent
        assert busy.status_code == 503 and busy.headers["Retry-After"] == "1"
        assert client.put(url, content=b"w" * 10).status_code == 201  # then plain sailing
        assert client.put("http://cd/v1/AUTH_x/Users/u", content=b"").status_code == 201
    assert [size for _path, size in seen] == [1000, 10, 0]
    assert transport.log.counts["drop"] == transport.log.counts["lost_reply"] == 1
    assert transport.log.counts["busy"] == 1


def test_the_fault_rate_is_honoured_and_reproducible() -> None:
    def run() -> list[int]:
        transport = _transport(0.2, httpx.MockTransport(lambda r: httpx.Response(201)))
        statuses = []
        with httpx.Client(transport=transport) as client:
            for n in range(300):
                url = f"http://cd/v1/AUTH_x/Rec_{n % 7}/clip{n}.mkv"
                try:
                    statuses.append(client.put(url, content=b"abc").status_code)
                except httpx.TransportError:
                    statuses.append(0)
        return statuses

    first = run()
    assert first == run()
    interrupted = sum(status != 201 for status in first)
    assert 30 <= interrupted <= 90  # ~20 % of 300


def test_two_to_four_officers_of_a_team_record_an_incident_together() -> None:
    """A team on shift attends incidents together: 2–4 of its officers start recording within
    the spread of each other and every pair of their recordings overlaps; reproducibly."""
    wearers = [wearer(n) for n in range(6)] + [wearer(n, team="Response B") for n in range(6, 8)]
    docks = plan(wearers, config(hours=72, incidents_per_shift=1.5), CATEGORIES)
    by_incident: dict[str, list] = {}
    for recording in (r for d in docks for r in d.recordings if r.incident):
        by_incident.setdefault(recording.incident or "", []).append(recording)
    shared = {k: v for k, v in by_incident.items() if len(v) > 1}
    assert len(shared) >= 3
    for recordings in shared.values():
        assert 2 <= len(recordings) <= 4
        assert len({r.wearer.serial for r in recordings}) == len(recordings)
        assert len({r.wearer.team for r in recordings}) == 1
        triggers = [r.trigger_on for r in recordings]
        assert max(triggers) - min(triggers) <= timedelta(seconds=90)
        for a, b in itertools.combinations(recordings, 2):
            assert a.start < b.stop and b.start < a.stop, (a, b)
    again = plan(wearers, config(hours=72, incidents_per_shift=1.5), CATEGORIES)
    assert [(r.incident, r.start) for d in again for r in d.recordings] == [
        (r.incident, r.start) for d in docks for r in d.recordings
    ]
    none = plan(wearers, config(hours=72, incidents_per_shift=0), CATEGORIES)
    assert not any(r.incident for d in none for r in d.recordings)


def test_the_budget_keeps_the_featured_officers_latest_incident_first() -> None:
    wearers = [wearer(n) for n in range(6)]
    featured = wearers[2].warrant
    for budget in (4, 5, 12):
        made = config(max_clips=budget, featured=(featured,), recording_seconds=120)
        docks = plan(wearers, made, CATEGORIES)
        recordings = [r for d in docks for r in d.recordings]
        shown = [r for r in recordings if r.incident]
        assert summary(docks)[1] == budget
        assert featured in {r.wearer.warrant for r in shown} and len(shown) >= 2
        assert len({r.incident for r in shown}) == 1
        assert len(shown) == len({r.wearer.serial for r in shown})
