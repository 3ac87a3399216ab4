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
* Incidents: now and then two to four officers of a team on shift attend the same incident and
  record it together, each starting within a minute or two of the first to arrive, so their
  recordings overlap (what a case's synchronised timeline shows).
* Some recordings carry a text bookmark, a category chosen on the camera (now and then one the
  force has since retired), and a GNSS track in the officer's borough, on foot or in a car.
"""

from __future__ import annotations

import itertools
import math
import random
import zlib
from collections.abc import Sequence
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
    incident: str | None = None  # the incident several officers recorded together

    @property
    def stop(self) -> datetime:
        return self.clips[-1].stop


@dataclass(frozen=True)
class Attendance:
    """One officer at an incident: when they start recording it and for how long."""

    incident: str
    trigger_on: datetime
    seconds: int


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
    attending: Sequence[Attendance] = (),
) -> list[PlannedRecording]:
    """The recordings of one shift, none overlapping, all finished by `until`: the incidents the
    officer attends at their set times, and their own recordings around them."""
    result: list[PlannedRecording] = []
    window = int((until - begin).total_seconds())
    count = _poisson(rng, config.recordings_per_shift)
    if wearer.warrant in config.featured:
        count = max(count, 1)
    prebuffer = timedelta(seconds=round(config.prebuffer_seconds))
    fixed = [
        a
        for a in attending
        if a.trigger_on - prebuffer >= begin
        and a.trigger_on + timedelta(seconds=a.seconds) <= until
    ]
    triggers: list[tuple[datetime, Attendance | None]] = sorted(
        [(begin + timedelta(seconds=rng.randrange(max(window, 1))), None) for _ in range(count)]
        + [(a.trigger_on, a) for a in fixed],
        key=lambda pair: (pair[0], pair[1] is None),
    )
    free_from = begin
    for at, attendance in triggers:
        if attendance is None:
            length = _seconds(rng, config.recording_seconds)
            trigger_on = max(at, free_from + prebuffer)
        else:
            length, trigger_on = attendance.seconds, at
        trigger_off = trigger_on + timedelta(seconds=length)
        if trigger_off > until:
            if attendance is None:
                continue
            break
        if attendance is None and _clashes(trigger_on - prebuffer, trigger_off, fixed, prebuffer):
            continue  # the officer is on their way to an incident
        if result and trigger_on - prebuffer < result[-1].trigger_off:
            continue  # an incident the officer cannot reach while still recording
        start = trigger_on - prebuffer
        recording = PlannedRecording(
            wearer,
            str(rng.randint(10000, 99999)),
            trigger_on,
            trigger_off,
            start,
            _clips(rng, start, trigger_off, config.clip_seconds),
            incident=attendance.incident if attendance else None,
        )
        _annotations(rng, config, recording, categories)
        result.append(recording)
        free_from = trigger_off + timedelta(seconds=rng.randint(30, 600))
    return result


def _clashes(
    start: datetime, stop: datetime, fixed: Sequence[Attendance], prebuffer: timedelta
) -> bool:
    gap = timedelta(seconds=30)
    return any(
        start < a.trigger_on + timedelta(seconds=a.seconds) + gap
        and a.trigger_on - prebuffer - gap < stop
        for a in fixed
    )


def incidents(
    config: SimConfig, team: str, wearers: list[Wearer], begin: datetime
) -> dict[str, list[Attendance]]:
    """The incidents a team attends together in the shift starting at `begin`: serial → what
    each of its officers records. Each incident has two to four officers (the team's featured
    officer at the first), starting within `incident_spread_seconds` of the first to arrive and
    recording long enough that every recording overlaps every other."""
    attending: dict[str, list[Attendance]] = {}
    if len(wearers) < 2:
        return attending
    members = sorted(wearers, key=lambda w: w.serial)
    rng = random.Random(f"incident:{config.seed}:{team}:{begin.isoformat()}")
    featured = [w for w in members if w.warrant in config.featured]
    count = _poisson(rng, config.incidents_per_shift)
    if featured and config.incidents_per_shift > 0:
        count = max(count, 1)
    hours = SHIFT_HOURS - 2  # an hour apart, clear of the shift's first and last half-hour
    spread = int(config.incident_spread_seconds)
    for number, slot in enumerate(sorted(rng.sample(range(hours), min(count, hours)))):
        if featured and number == 0:
            slot = 0  # before any refreshment break
        at = begin + timedelta(minutes=30 + 60 * slot + rng.randrange(30))
        at = at.replace(microsecond=0)
        chosen = rng.sample(members, rng.randint(2, min(4, len(members))))
        if featured and number == 0 and featured[0] not in chosen:
            chosen[0] = featured[0]
        name = f"{team}:{at.isoformat()}"
        for wearer in sorted(chosen, key=lambda w: w.serial):
            delay = rng.randint(0, spread)
            seconds = spread - delay + 3 + _seconds(rng, config.recording_seconds)
            attendance = Attendance(name, at + timedelta(seconds=delay), seconds)
            attending.setdefault(wearer.serial, []).append(attendance)
    return attending


def _shift_docks(
    config: SimConfig,
    wearer: Wearer,
    begin: datetime,
    categories: list[tuple],
    attending: Sequence[Attendance] = (),
) -> list[Dock]:
    rng = random.Random(f"shift:{config.seed}:{wearer.serial}:{begin.isoformat()}")
    end = begin + timedelta(hours=SHIFT_HOURS)
    docked = end + timedelta(minutes=rng.triangular(-20, 60, 5))
    docked = docked.replace(microsecond=0)
    margin = timedelta(minutes=10)
    docks: list[Dock] = []
    if rng.random() < config.mid_shift_docks:
        rest = begin + timedelta(minutes=rng.randint(210, 300))
        before = _recordings(rng, config, wearer, begin + margin, rest, categories, attending)
        docks.append(Dock(rest + timedelta(minutes=2), wearer, "break", before))
        after = _recordings(
            rng, config, wearer, rest + timedelta(minutes=45), docked, categories, attending
        )
        docks.append(Dock(docked, wearer, "shift_end", after))
    else:
        made = _recordings(
            rng, config, wearer, begin + margin, min(end, docked), categories, attending
        )
        docks.append(Dock(docked, wearer, "shift_end", made))
    return docks


def plan(wearers: list[Wearer], config: SimConfig, categories: list[tuple[str, str]]) -> list[Dock]:
    """Every dock in the simulated period, in time order, with what it uploads."""
    period_start, period_end = config.period
    docks: list[Dock] = []
    first_day = (period_start - timedelta(days=1)).astimezone(LONDON).date()
    last_day = period_end.astimezone(LONDON).date()
    teams: dict[tuple[str, str], list[Wearer]] = {}
    for wearer in wearers:
        if wearer.team:
            teams.setdefault((wearer.team, shift_of(wearer)), []).append(wearer)
    day = first_day
    while day <= last_day:
        attending: dict[str, list[Attendance]] = {}
        for (team, shift), members in sorted(teams.items()):
            attending |= incidents(config, team, members, shift_start(day, shift))
        for wearer in wearers:
            begin = shift_start(day, shift_of(wearer))
            mine = attending.get(wearer.serial, [])
            for dock in _shift_docks(config, wearer, begin, categories, mine):
                if period_start < dock.at <= period_end and dock.recordings:
                    docks.append(dock)
        day += timedelta(days=1)
    docks.sort(key=lambda d: (d.at, d.wearer.serial))
    return _within_budget(docks, config.max_clips, config.featured)


def showcase(docks: list[Dock], featured: tuple[str, ...]) -> str | None:
    """The latest incident a featured officer recorded with others (the demo's case)."""
    recordings = [r for d in docks for r in d.recordings if r.incident]
    attended: dict[str, set[str]] = {}
    for recording in recordings:
        attended.setdefault(recording.incident or "", set()).add(recording.wearer.warrant)
    chosen = [
        r
        for r in recordings
        if len(attended[r.incident or ""]) > 1 and r.wearer.warrant in featured
    ]
    return max(chosen, key=lambda r: r.start).incident if chosen else None


def _within_budget(docks: list[Dock], budget: int | None, featured: tuple[str, ...]) -> list[Dock]:
    """Keep recordings — the featured officers' latest shared incident first (at least a clip of
    every attendee's), then the featured officers' own, then in time order — until `budget`
    clips are planned (cutting recordings short: the demo asks for an exact number)."""
    if budget is None:
        return docks
    shown = showcase(docks, featured)
    ordered = [r for d in docks for r in d.recordings]

    def rank(recording: PlannedRecording) -> tuple[int, datetime]:
        mine = recording.wearer.warrant in featured
        if shown is not None and recording.incident == shown:
            return (0 if mine else 1), recording.start
        return (2 if mine else 3), recording.start

    kept: set[int] = set()
    # Room for at least the first clip of every attendee's recording of the shared incident.
    waiting = sum(1 for r in ordered if shown is not None and r.incident == shown)
    for recording in sorted(ordered, key=rank):
        if budget <= 0:
            break
        if shown is not None and recording.incident == shown:
            waiting -= 1
        allowed = max(1, budget - waiting)
        if len(recording.clips) > allowed:
            _cut(recording, allowed)
        budget -= len(recording.clips)
        kept.add(id(recording))
    result = []
    for dock in docks:
        dock.recordings = [r for r in dock.recordings if id(r) in kept]
        if dock.recordings:
            result.append(dock)
    return result


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
