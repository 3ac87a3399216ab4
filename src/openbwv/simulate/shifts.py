"""Shifts, recordings and docks: what every officer of the slice records and when the camera
goes into a dock and uploads. Pure and deterministic: the same wearers, configuration and seed
give the same plan.

* Shifts are the Met's response pattern in London time: early 07:00–15:00, late 15:00–23:00,
  night 23:00–07:00. A team works one of them (Response A early, B late, C night; other teams
  by a stable hash), so a shift change brings a whole team's cameras to the docks at once.
* During a shift an officer makes a Poisson number of recordings at random times, of log-normal
  length, each with a pre-event buffer; the body worn system splits recordings into clips.
* The camera is docked at the end of the shift (from 20 minutes early to an hour late, most a
  few minutes after the hour: the shift-change burst) and, on some shifts, at a refreshment break
  half-way through; each dock uploads what was recorded since the last.
* Some recordings carry a text bookmark, a category chosen on the camera (now and then one the
  force has since retired), and a GNSS track in the officer's borough, on foot or in a car.
"""

from __future__ import annotations

import itertools
import math
import random
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from openbwv.simulate.config import SimConfig
from openbwv.simulate.roster import Wearer
from openbwv.simulate.tracks import Fix, outline, track

LONDON = ZoneInfo("Europe/London")
SHIFT_HOURS = 8
SHIFTS = {"early": 7, "late": 15, "night": 23}  # start, London time
TEAM_SHIFTS = {"response a": "early", "response b": "late", "response c": "night"}
BOOKMARK_TEXTS = (
    "Suspect detained",
    "Caution given",
    "Search begins",
    "Handcuffs applied",
    "Witness account",
    "Vehicle stopped",
    "First account from victim",
    "Items recovered",
)
RETIRED_CATEGORY = ("traffic_legacy", "Traffic (pre-2025)")  # no longer in Categories.json
CATEGORY_WEIGHTS = {"non_evidential": 6, "stop_and_search": 2, "traffic": 2, "arrest": 1}


@dataclass(frozen=True)
class PlannedClip:
    start: datetime
    stop: datetime
    seed: int


@dataclass(frozen=True)
class PlannedBookmark:
    at: datetime
    text: str = ""
    tags: str | None = None
    category: tuple[str, str] | None = None  # (CategoryID, CategoryName)


@dataclass
class PlannedRecording:
    wearer: Wearer
    recording_id: str
    trigger_on: datetime
    trigger_off: datetime
    start: datetime  # with the pre-event buffer
    clips: list[PlannedClip]
    bookmarks: list[PlannedBookmark] = field(default_factory=list)
    track: list[Fix] = field(default_factory=list)

    @property
    def stop(self) -> datetime:
        return self.clips[-1].stop


@dataclass
class Dock:
    at: datetime  # simulated time the camera goes into the dock
    wearer: Wearer
    kind: str  # shift_end | break
    recordings: list[PlannedRecording]


def shift_of(wearer: Wearer) -> str:
    team = (wearer.team or "").lower()
    for marker, shift in TEAM_SHIFTS.items():
        if marker in team:
            return shift
    key = wearer.team or wearer.warrant
    return list(SHIFTS)[zlib.crc32(key.encode()) % len(SHIFTS)]


def shift_start(day: date, shift: str) -> datetime:
    local = datetime.combine(day, time(SHIFTS[shift]), tzinfo=LONDON)
    return local.astimezone(ZoneInfo("UTC"))


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _seconds(rng: random.Random, mean: float) -> int:
    sigma = 0.6
    value = rng.lognormvariate(math.log(mean) - sigma * sigma / 2, sigma)
    return int(min(max(value, 3), min(10 * mean, 3600)))


def _clips(rng: random.Random, start: datetime, stop: datetime, length: float) -> list[PlannedClip]:
    total = int((stop - start).total_seconds())
    step = max(1, int(length))
    bounds = [*range(0, total, step), total]  # whole seconds: the last clip lasts ≥ 1 s
    return [
        PlannedClip(start + timedelta(seconds=a), start + timedelta(seconds=b), rng.getrandbits(31))
        for a, b in itertools.pairwise(bounds)
    ]


def _annotations(
    rng: random.Random, config: SimConfig, recording: PlannedRecording, categories: list[tuple]
) -> None:
    span = max(1, int((recording.trigger_off - recording.trigger_on).total_seconds()))
    if rng.random() < config.bookmarks:
        at = recording.trigger_on + timedelta(seconds=rng.randrange(span))
        tags = f"TriggerOn:Button;Incident:CAD{rng.randint(1000, 9999)}"
        recording.bookmarks.append(PlannedBookmark(at, rng.choice(BOOKMARK_TEXTS), tags))
    if rng.random() < config.categorised:
        known = [c for c in categories if c[0] not in config.avoid_categories]
        if rng.random() < config.unknown_categories or not known:
            category = RETIRED_CATEGORY
        else:
            weights = [CATEGORY_WEIGHTS.get(c[0], 1) for c in known]
            category = rng.choices(known, weights)[0]
        recording.bookmarks.append(PlannedBookmark(recording.start, category=category))
    if rng.random() < config.tracks:
        seconds = (recording.stop - recording.start).total_seconds()
        recording.track = track(
            outline(recording.wearer.borough),
            rng,
            recording.start,
            seconds,
            driving=rng.random() < 0.3,
        )


def _recordings(
    rng: random.Random,
    config: SimConfig,
    wearer: Wearer,
    begin: datetime,
    until: datetime,
    categories: list[tuple],
) -> list[PlannedRecording]:
    """The recordings of one shift, none overlapping, all finished by `until`."""
    result: list[PlannedRecording] = []
    window = int((until - begin).total_seconds())
    count = _poisson(rng, config.recordings_per_shift)
    if wearer.warrant in config.featured:
        count = max(count, 1)
    triggers = sorted(rng.randrange(max(window, 1)) for _ in range(count))
    free_from = begin
    for offset in triggers:
        length = _seconds(rng, config.recording_seconds)
        prebuffer = timedelta(seconds=round(config.prebuffer_seconds))
        trigger_on = max(begin + timedelta(seconds=offset), free_from + prebuffer)
        trigger_off = trigger_on + timedelta(seconds=length)
        if trigger_off > until:
            break
        start = trigger_on - prebuffer
        recording = PlannedRecording(
            wearer,
            str(rng.randint(10000, 99999)),
            trigger_on,
            trigger_off,
            start,
            _clips(rng, start, trigger_off, config.clip_seconds),
        )
        _annotations(rng, config, recording, categories)
        result.append(recording)
        free_from = trigger_off + timedelta(seconds=rng.randint(30, 600))
    return result


def _shift_docks(
    config: SimConfig, wearer: Wearer, begin: datetime, categories: list[tuple]
) -> list[Dock]:
    rng = random.Random(f"shift:{config.seed}:{wearer.serial}:{begin.isoformat()}")
    end = begin + timedelta(hours=SHIFT_HOURS)
    docked = end + timedelta(minutes=rng.triangular(-20, 60, 5))
    docked = docked.replace(microsecond=0)
    margin = timedelta(minutes=10)
    docks: list[Dock] = []
    if rng.random() < config.mid_shift_docks:
        rest = begin + timedelta(minutes=rng.randint(210, 300))
        before = _recordings(rng, config, wearer, begin + margin, rest, categories)
        docks.append(Dock(rest + timedelta(minutes=2), wearer, "break", before))
        after = _recordings(rng, config, wearer, rest + timedelta(minutes=45), docked, categories)
        docks.append(Dock(docked, wearer, "shift_end", after))
    else:
        made = _recordings(rng, config, wearer, begin + margin, min(end, docked), categories)
        docks.append(Dock(docked, wearer, "shift_end", made))
    return docks


def plan(wearers: list[Wearer], config: SimConfig, categories: list[tuple[str, str]]) -> list[Dock]:
    """Every dock in the simulated period, in time order, with what it uploads."""
    period_start, period_end = config.period
    docks: list[Dock] = []
    first_day = (period_start - timedelta(days=1)).astimezone(LONDON).date()
    last_day = period_end.astimezone(LONDON).date()
    for wearer in wearers:
        shift = shift_of(wearer)
        day = first_day
        while day <= last_day:
            for dock in _shift_docks(config, wearer, shift_start(day, shift), categories):
                if period_start < dock.at <= period_end and dock.recordings:
                    docks.append(dock)
            day += timedelta(days=1)
    docks.sort(key=lambda d: (d.at, d.wearer.serial))
    return _within_budget(docks, config.max_clips, config.featured)


def _within_budget(docks: list[Dock], budget: int | None, featured: tuple[str, ...]) -> list[Dock]:
    """Keep docks — the featured officers' first, then in time order — until `budget` clips are
    planned (cutting the last recording short: the demo asks for an exact number)."""
    if budget is None:
        return docks
    kept: list[Dock] = []
    for dock in sorted(docks, key=lambda d: d.wearer.warrant not in featured):
        recordings = []
        for recording in dock.recordings:
            if budget <= 0:
                break
            if len(recording.clips) > budget:
                _cut(recording, budget)
            budget -= len(recording.clips)
            recordings.append(recording)
        if recordings:
            dock.recordings = recordings
            kept.append(dock)
        if budget <= 0:
            break
    return sorted(kept, key=lambda d: (d.at, d.wearer.serial))


def _cut(recording: PlannedRecording, clips: int) -> None:
    recording.clips = recording.clips[:clips]
    stop = recording.clips[-1].stop
    recording.trigger_off = max(min(recording.trigger_off, stop), recording.trigger_on)
    recording.track = [fix for fix in recording.track if fix[0] <= stop]
    recording.bookmarks = [b for b in recording.bookmarks if b.at <= stop]


def summary(docks: list[Dock]) -> tuple[int, int, float]:
    """(recordings, clips, recorded seconds) in a plan."""
    recordings = [r for d in docks for r in d.recordings]
    seconds = sum((r.stop - r.start).total_seconds() for r in recordings)
    return len(recordings), sum(len(r.clips) for r in recordings), seconds
