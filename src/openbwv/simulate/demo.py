"""The demo force `make run` shows: four boroughs mid-roll-out (one complete, two under way, one
not started), people to sign in as — one per role, all in Camden — and footage that arrived the
way a force's footage does: recorded through shifts by simulated cameras and uploaded at the docks
through the Axis protocol, over HTTP, to the platform running in this process.

An incident the demo officer attended with two to three team-mates comes as a ready-made case
(made by the demo investigator, its officer in the case), so the synchronised timeline can be
shown at once; a complaint holds its footage, and a few weeks-old recordings fill the deletion
queue and the warnings (`demo_retention`); the roll-out evaluation runs on simulated outcomes,
labelled so (`demo_outcomes`).

Everything is made once: a second run adds only footage and its incident's case (or, with
`if_empty`, nothing).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from openbwv.access.admin import queries as admin_queries
from openbwv.access.admin.service import UserSpec, create_token, create_user
from openbwv.access.models import User
from openbwv.access.policy.queries import principal_for_user
from openbwv.access.principal import Principal
from openbwv.audit.events import record
from openbwv.cases import queries as case_queries
from openbwv.cases import service as case_service
from openbwv.config import Settings
from openbwv.db.session import unit_of_work
from openbwv.evidence import queries as evidence_queries
from openbwv.fleet.cameras import queries as camera_queries
from openbwv.fleet.cameras import service as camera_service
from openbwv.fleet.demo import DEFAULT_BOROUGHS, DEMO_ACTOR, generate_force
from openbwv.fleet.errors import FleetConflict
from openbwv.simulate.agent import SentClip
from openbwv.simulate.config import SimConfig
from openbwv.simulate.demo_cad import cad_demo
from openbwv.simulate.demo_outcomes import outcomes_demo
from openbwv.simulate.demo_retention import old_footage, retention_demo
from openbwv.simulate.demo_sar import sar_demo
from openbwv.simulate.embedded import embedded_platform
from openbwv.simulate.runner import Simulation, simulate
from openbwv.simulate.shifts import showcase
from openbwv.timeutil import utcnow

DEMO_PASSWORD = "demo-password-1"  # noqa: S105 - a published demo password, printed on purpose
DEMO_BOROUGH = "Camden"
DEMO_TEAM = "Camden Central Response A"
DEMO_STATION = "Camden Central"
DEMO_WARRANT = "900001"
DEMO_CAMERA = "AXB-900001"
CASE_MAKER = "investigator.demo"  # the demo's ready-made case is theirs
LONDON = ZoneInfo("Europe/London")
OPERATOR = Principal(id=uuid.UUID(int=8), name="demo", kind="system")


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    role: str
    sees: str  # what signing in as them shows


DEMO_USERS = (
    DemoUser("officer.demo", "PC Alex Demo", "officer", "their own footage (camera AXB-900001)"),
    DemoUser("sergeant.demo", "PS Sam Demo", "supervisor", f"the footage of {DEMO_TEAM}"),
    DemoUser("investigator.demo", "DC Jo Demo", "investigator", "Camden's footage; cases"),
    DemoUser("standards.demo", "DS Pat Demo", "professional_standards", "the force's footage"),
    DemoUser("auditor.demo", "Robin Demo (IOPC)", "auditor", "the audit log; no footage"),
    DemoUser("admin.demo", "Chris Demo", "administrator", "users, roles, categories; no footage"),
    DemoUser("fleet.demo", "Kim Demo", "fleet_manager", "cameras, docks and the roll-out"),
    DemoUser("rights.demo", "Lee Demo", "information_rights", "subject access requests"),
)


def load_demo(*, clips: int, if_empty: bool, settings: Settings) -> str:
    with unit_of_work(settings) as session:
        held = evidence_queries.item_count(session)
        if if_empty and held:
            return "Demo data already loaded."
        force = _force(session)
        created = _people(session)
        secret, _token = create_token(session, name="demo", role="professional_standards")
    token_file = settings.resolved_data_dir / "demo-token.txt"
    token_file.write_text(secret + "\n")
    token_file.chmod(0o600)
    # A new seed each run: the same one would re-send recordings the platform already holds.
    lines, simulation, older = _footage(clips, seed=held + 1)
    if simulation is not None:
        lines.extend(_incident_case(simulation, seed=held + 1, settings=settings))
        _incident, incident_clips = _incident_clips(simulation)
        held_ids = [uuid.UUID(c.evidence_id) for c in incident_clips if c.evidence_id]
        lines.extend(retention_demo(held_ids, older, seed=held + 1, settings=settings))
        lines.extend(sar_demo(held_ids, settings=settings))
        lines.extend(cad_demo(simulation, seed=held + 1, settings=settings))
    lines.extend(outcomes_demo(settings))
    lines.insert(0, force)
    lines.append("Sign in at /sign-in (password for all: " + DEMO_PASSWORD + "):")
    for user in DEMO_USERS:
        mark = "" if user.username in created else " (already there)"
        lines.append(f"  {user.username:<18} {user.role:<23} sees {user.sees}{mark}")
    lines.append(f"API token (professional standards; also in {token_file}): {secret}")
    return "\n".join(lines)


def _force(session: Session) -> str:
    try:
        with session.begin_nested():
            summary = generate_force(session, boroughs=DEFAULT_BOROUGHS)
    except FleetConflict:
        return "Demo force already loaded (four boroughs mid-roll-out)."
    return (
        f"Demo force: {len(summary.boroughs)} boroughs mid-roll-out, {summary.stations} stations, "
        f"{summary.officers} officers, {summary.cameras} cameras, {summary.phases} roll-out phases."
    )


def _people(session: Session) -> set[str]:
    """The demo users (known password), and the demo officer's own camera."""
    created: set[str] = set()
    for person in DEMO_USERS:
        if admin_queries.username_taken(session, person.username):
            continue
        officer = person.role == "officer"
        user = create_user(
            session,
            UserSpec(
                username=person.username,
                display_name=person.display_name,
                roles=[person.role],
                borough=DEMO_BOROUGH,
                team=DEMO_TEAM if person.role in ("officer", "supervisor") else None,
                warrant_number=DEMO_WARRANT if officer else None,
                password=DEMO_PASSWORD,
            ),
        )
        record(
            session,
            OPERATOR,
            "user.create",
            target_type="user",
            target_id=str(user.id),
            details={"username": person.username, "roles": [person.role], "demo": True},
        )
        created.add(person.username)
        if officer:
            _issue_camera(session, user)
    return created


def _issue_camera(session: Session, officer: User) -> None:
    camera = camera_queries.find_camera(session, DEMO_CAMERA) or camera_service.register_camera(
        session,
        DEMO_ACTOR,
        camera_service.CameraSpec(
            serial=DEMO_CAMERA,
            model="Axis W110",
            firmware_version="11.5.70",
            borough=DEMO_BOROUGH,
            station=DEMO_STATION,
        ),
    )
    if camera_queries.open_assignment(session, camera) is None:
        began = utcnow() - timedelta(days=30)
        camera_service.assign(session, DEMO_ACTOR, camera, officer, started_at=began)


def _footage(clips: int, *, seed: int) -> tuple[list[str], Simulation | None, int]:
    """`clips` clips from the last day and a half of shifts, uploaded through the simulator to
    the platform served from this process (and a few weeks-old ones for retention)."""
    if clips <= 0:
        return ["Demo loaded: 0 clips."], None, 0
    with embedded_platform() as url:
        config = SimConfig(
            url=url,
            boroughs=DEFAULT_BOROUGHS,
            officers=max(4, clips // 3),
            hours=36,
            seed=seed,
            recordings_per_shift=2.5,
            recording_seconds=12,
            clip_seconds=10,
            max_clips=clips,
            featured=(DEMO_WARRANT,),
            # Arrivals less than a clip apart: the first clips of an incident overlap however
            # few clips the budget leaves each officer (a quick demo).
            incident_spread_seconds=8,
            faults=0.05,
            each_fault_once=True,
        )
        simulation = simulate(config)
        older = old_footage(url, seed=seed)
    stats = simulation.stats
    cameras_used = len({c.serial for c in simulation.ledger.stored()})
    lines = [
        f"Demo loaded: {stats.clips} clips from {cameras_used} "
        f"camera{'s' if cameras_used != 1 else ''} "
        f"({stats.encrypted_clips} encrypted end to end), uploaded through the Axis protocol "
        f"with {stats.request_retries} retried interruptions; processing starts with the worker."
    ]
    if stats.recordings_failed or stats.recordings_rejected:
        lines.append(f"  {stats.recordings_failed + stats.recordings_rejected} recordings failed:")
        lines.extend(f"    {reason}" for reason in stats.errors[:5])
    return lines, simulation, older


def _incident_clips(simulation: Simulation) -> tuple[str | None, list[SentClip]]:
    """The latest incident the demo officer attended with team-mates, and its stored clips."""
    incident = showcase(simulation.docks, (DEMO_WARRANT,))
    recordings = [r for d in simulation.docks for r in d.recordings if r.incident == incident]
    clips = [
        clip
        for clip in simulation.ledger.stored()
        if clip.evidence_id
        and any(
            r.wearer.serial == clip.serial and r.start <= clip.start < r.stop for r in recordings
        )
    ]
    return incident, clips


def _incident_case(simulation: Simulation, *, seed: int, settings: Settings) -> list[str]:
    """A case linking the stored clips of the latest incident the demo officer attended with
    team-mates, made through the cases service by the demo investigator."""
    incident, clips = _incident_clips(simulation)
    officers = {c.officer for c in clips}
    if incident is None or len(officers) < 2:
        return ["No incident with several officers came in this time: no demo case."]
    began = min(c.start for c in clips).astimezone(LONDON)
    reference = f"DEMO/MULTI/{seed}"
    title = (
        f"Incident attended by {len(officers)} officers of {DEMO_TEAM}, "
        f"{began:%d %b %Y %H:%M} (demo: synchronised timeline)"
    )
    with unit_of_work(settings) as session:
        if case_queries.reference_taken(session, reference):
            return [f"Demo case {reference} already there."]
        principal = principal_for_user(session, admin_queries.find_user(session, CASE_MAKER))
        case = case_service.create_case(
            session,
            principal,
            crime_reference=reference,
            title=title,
            cad_number=None,
            borough=DEMO_BOROUGH,
            source_ip=None,
        )
        for clip in sorted(clips, key=lambda c: (c.start, c.serial)):
            case_service.link_item(session, principal, case, clip.evidence_id or "", source_ip=None)
        case_id = case.id
    return [
        f"Demo case {reference}: {title} — {len(clips)} clips from {len(officers)} officers' "
        f"cameras, overlapping. Sign in as {CASE_MAKER} and open /cases/{case_id}/timeline."
    ]
