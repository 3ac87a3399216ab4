"""A realistic demo force for the fleet: stations, teams, officers, cameras, docks, firmware,
assignments and a borough-by-borough roll-out in progress. Deterministic for a given seed and
`now`; the simulator and `make run` build on it.

Boroughs are rolled out one after another: with the default settings the first is complete, the
next ones are part-way through, and the last has not started, so the progress report shows every
state a real roll-out goes through.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from openbwv.access.admin.service import UserSpec, create_user
from openbwv.access.models import User
from openbwv.access.policy.roles import FLEET_MANAGE, FLEET_READ
from openbwv.access.principal import Principal
from openbwv.fleet.cameras import queries as camera_queries
from openbwv.fleet.cameras import service as camera_service
from openbwv.fleet.errors import FleetConflict
from openbwv.fleet.firmware import service as firmware_service
from openbwv.fleet.models import AssignmentKind, Camera, Dock, OfficerTraining
from openbwv.fleet.rollout import service as rollout_service
from openbwv.organisation import queries as organisation
from openbwv.organisation.models import Borough, Station, Team
from openbwv.organisation.service import ensure_team
from openbwv.timeutil import utcnow

DEMO_ACTOR = Principal(
    id=uuid.UUID(int=7),
    name="fleet-demo",
    kind="system",
    permissions=frozenset({FLEET_READ, FLEET_MANAGE}),
)
DEFAULT_BOROUGHS = ("Camden", "Westminster", "Lambeth", "Croydon")
MODELS = {"Axis W110": ("10.12.3", "11.2.64", "11.5.70"), "Axis W120": ("11.5.70", "12.0.31")}
RELEASED = {
    "10.12.3": date(2024, 3, 4),
    "11.2.64": date(2025, 1, 20),
    "11.5.70": date(2025, 6, 2),
    "12.0.31": date(2025, 11, 10),
}
STATION_SUFFIXES = ("Central", "North", "South", "East", "West")
TEAMS = ("Response A", "Response B", "Response C", "Neighbourhood")
FIRST = (
    "Aisha",
    "Ben",
    "Chloe",
    "Daniel",
    "Ella",
    "Femi",
    "Grace",
    "Harry",
    "Imran",
    "Jade",
    "Kwame",
    "Laura",
    "Mohammed",
    "Niamh",
    "Oliver",
    "Priya",
    "Raj",
    "Sophie",
    "Tom",
    "Zara",
)
LAST = (
    "Ahmed",
    "Brown",
    "Clarke",
    "Davies",
    "Evans",
    "Green",
    "Hussain",
    "Jones",
    "Khan",
    "Lewis",
    "Mensah",
    "Nowak",
    "O'Brien",
    "Patel",
    "Roberts",
    "Smith",
    "Taylor",
    "Walker",
)


@dataclass
class DemoSummary:
    boroughs: list[str] = field(default_factory=list)
    stations: int = 0
    teams: int = 0
    officers: int = 0
    cameras: int = 0
    pool_cameras: int = 0
    docks: int = 0
    assignments: int = 0
    phases: int = 0
    warrant_numbers: list[str] = field(default_factory=list)
    serials: list[str] = field(default_factory=list)


def generate_force(
    session: Session,
    *,
    boroughs: Sequence[str] = DEFAULT_BOROUGHS,
    officers_per_borough: int = 24,
    stations_per_borough: int = 2,
    pool_share: float = 0.15,
    seed: int = 1,
    now: datetime | None = None,
    actor: Principal = DEMO_ACTOR,
) -> DemoSummary:
    """Create the demo force in the caller's transaction; refuses to run twice for a seed."""
    rng = random.Random(seed)
    now = (now or utcnow()).replace(microsecond=0)
    summary = DemoSummary()
    serial_base = 100000 + seed * 10000 % 900000
    if camera_queries.find_camera(session, f"AXB-{serial_base:06d}") is not None:
        raise FleetConflict(f"the demo force for seed {seed} is already loaded")
    _firmware(session, actor)
    codes = [organisation.resolve_borough(session, b).gss_code for b in boroughs]
    for index, code in enumerate(codes):
        borough = organisation.borough(session, code)
        assert borough is not None
        _borough(
            session,
            actor,
            rng,
            summary,
            borough,
            index,
            len(codes),
            officers_per_borough,
            stations_per_borough,
            pool_share,
            serial_base,
            now,
        )
    return summary


def _firmware(session: Session, actor: Principal) -> None:
    for model, versions in MODELS.items():
        for version in versions:
            try:
                with session.begin_nested():
                    firmware_service.register_version(
                        session, actor, model=model, version=version, released_on=RELEASED[version]
                    )
            except FleetConflict:
                pass  # already registered by an earlier demo


def _borough(
    session: Session,
    actor: Principal,
    rng: random.Random,
    summary: DemoSummary,
    borough: Borough,
    index: int,
    count: int,
    officers: int,
    stations: int,
    pool_share: float,
    serial_base: int,
    now: datetime,
) -> None:
    summary.boroughs.append(borough.gss_code)
    # Borough-by-borough: each borough's roll-out starts 6 weeks after the previous one's; the
    # last one starts in a fortnight.
    start = (now - timedelta(days=42 * (count - 1 - index) - 14)).date()
    slip = 1.0 + 0.25 * index  # later boroughs fall behind their plan a little more
    station_rows = _stations(session, summary, borough, stations)
    team_rows = _teams(session, summary, borough, station_rows)
    people = _officers(session, rng, summary, borough, team_rows, officers, serial_base)
    pool_count = round(officers * pool_share)
    camera_rows = _cameras(
        session,
        actor,
        rng,
        summary,
        borough,
        station_rows,
        officers,
        officers - pool_count,
        serial_base,
    )
    summary.pool_cameras += pool_count
    pilot = _phases(session, actor, summary, borough, start, officers)
    for k, (user, camera) in enumerate(zip(people, camera_rows, strict=True)):
        day = start + (_planned_day(k, officers, pilot, start) - start) * slip
        if day < now.date():
            _issue(session, actor, rng, summary, user, camera, day, now)


def _stations(
    session: Session, summary: DemoSummary, borough: Borough, count: int
) -> list[Station]:
    """The borough's stations, each with a dock."""
    rows = []
    for s in range(count):
        station = camera_service.ensure_station(
            session,
            borough.gss_code,
            f"{borough.name} {STATION_SUFFIXES[s % 5]}" + (f" {s // 5 + 1}" if s >= 5 else ""),
        )
        rows.append(station)
        dock = Dock(
            serial=f"DCK-{borough.gss_code[-3:]}-{s + 1:02d}",
            station_id=station.id,
            ports=8,
            model="Axis W701",
        )
        if camera_queries.find_dock(session, dock.serial) is None:
            session.add(dock)
            summary.docks += 1
    summary.stations += len(rows)
    return rows


def _teams(
    session: Session, summary: DemoSummary, borough: Borough, stations: list[Station]
) -> list[Team]:
    rows = []
    for station in stations:
        for name in TEAMS:
            team = ensure_team(session, borough.gss_code, f"{station.name} {name}")
            team.station_id = station.id
            rows.append(team)
    summary.teams += len(rows)
    return rows


def _officers(
    session: Session,
    rng: random.Random,
    summary: DemoSummary,
    borough: Borough,
    teams: list[Team],
    count: int,
    serial_base: int,
) -> list[User]:
    people = []
    for n in range(count):
        number = serial_base + len(summary.warrant_numbers)
        warrant = f"{number % 1000000:06d}"
        first, last = rng.choice(FIRST), rng.choice(LAST)
        team = teams[n % len(teams)]
        user = create_user(
            session,
            UserSpec(
                username=f"w{warrant}",
                display_name=f"PC {first} {last}",
                roles=["officer"],
                borough=borough.gss_code,
                team=team.name,
                warrant_number=warrant,
                shoulder_number=f"{rng.randint(100, 9999)}{borough.name[:2].upper()}",
            ),
        )
        people.append(user)
        summary.warrant_numbers.append(warrant)
    summary.officers += len(people)
    return people


def _cameras(
    session: Session,
    actor: Principal,
    rng: random.Random,
    summary: DemoSummary,
    borough: Borough,
    stations: list[Station],
    count: int,
    personal: int,
    serial_base: int,
) -> list[Camera]:
    """`count` cameras: the first `personal` for personal issue, the rest pool cameras."""
    models = list(MODELS)
    rows = []
    for n in range(count):
        serial = f"AXB-{serial_base + len(summary.serials):06d}"
        model = models[0] if rng.random() < 0.7 else models[1]
        camera = camera_service.register_camera(
            session,
            actor,
            camera_service.CameraSpec(
                serial=serial,
                model=model,
                firmware_version=rng.choice(MODELS[model][-2:]),
                borough=borough.gss_code,
                station=stations[n % len(stations)].name,
                pool=n >= personal,
            ),
        )
        rows.append(camera)
        summary.serials.append(serial)
    summary.cameras += len(rows)
    return rows


def _planned_day(k: int, total: int, pilot: int, start: date) -> date:
    """When the plan says the k-th camera is issued: the pilot's in 2 weeks, the rest in 6."""
    if k < pilot:
        return start + timedelta(days=14 * k // pilot)
    return start + timedelta(days=14 + 42 * (k - pilot) // max(total - pilot, 1))


def _phases(
    session: Session,
    actor: Principal,
    summary: DemoSummary,
    borough: Borough,
    start: date,
    officers: int,
) -> int:
    pilot = max(1, officers // 4)
    for name, begins, days, cams in (
        ("Pilot", start, 14, pilot),
        ("Full roll-out", start + timedelta(days=14), 42, officers - pilot),
    ):
        rollout_service.add_phase(
            session,
            actor,
            rollout_service.PhaseSpec(
                borough=borough.gss_code,
                name=name,
                starts_on=begins,
                target_date=begins + timedelta(days=days),
                cameras_to_issue=cams,
                officers_to_train=cams,
            ),
        )
        summary.phases += 1
    return pilot


def _issue(
    session: Session,
    actor: Principal,
    rng: random.Random,
    summary: DemoSummary,
    user: User,
    camera: Camera,
    day: date,
    now: datetime,
) -> None:
    """Train the officer the day before, issue the camera; a pool camera's first checkout is
    returned the same day, and pool cameras also did yesterday's shift, half are out today."""
    session.add(
        OfficerTraining(user_id=user.id, trained_on=day - timedelta(days=1), recorded_by=actor.name)
    )
    hour = datetime.combine(day, datetime.min.time(), tzinfo=now.tzinfo) + timedelta(
        hours=rng.randint(7, 10), minutes=rng.randint(0, 59)
    )
    first = min(hour, now - timedelta(hours=40))
    if not camera.pool:
        camera_service.assign(session, actor, camera, user, started_at=first)
        summary.assignments += 1
        return
    shifts = [(first, first + timedelta(hours=9))]
    yesterday = now - timedelta(hours=24 + rng.randint(0, 3))
    if yesterday > first + timedelta(hours=9):
        shifts.append((yesterday, yesterday + timedelta(hours=9)))
    for out, back in shifts:
        camera_service.assign(
            session, actor, camera, user, kind=AssignmentKind.POOL, started_at=out
        )
        camera_service.checkin(session, actor, camera, ended_at=back)
        summary.assignments += 1
    if rng.random() < 0.5:
        today = now - timedelta(hours=rng.randint(1, 6))
        camera_service.assign(
            session, actor, camera, user, kind=AssignmentKind.POOL, started_at=today
        )
        summary.assignments += 1
