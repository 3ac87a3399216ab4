"""The fleet API: who may call what (every fleet route, from the route table), the flows a fleet
manager goes through, problem details for bad requests, and the audit trail of every change."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from openbwv.access.policy.roles import DEFAULT_ROLE_SPECS, FLEET_MANAGE, FLEET_READ, REPORTS_READ
from openbwv.audit.models import AuditEvent
from openbwv.composition import api_routes
from openbwv.db.session import unit_of_work
from openbwv.timeutil import isoformat_z, utcnow
from tests.fleet import helpers
from tests.support.stack import Stack

READ, MANAGE, REPORT = "read", "manage", "report"
# Written out by hand: what each fleet endpoint needs (report: fleet.read or reports.read).
FLEET_ENDPOINTS: dict[tuple[str, str], str] = {
    ("GET", "/api/v1/fleet/cameras"): READ,
    ("POST", "/api/v1/fleet/cameras"): MANAGE,
    ("GET", "/api/v1/fleet/cameras/{serial}"): READ,
    ("POST", "/api/v1/fleet/cameras/{serial}/status"): MANAGE,
    ("POST", "/api/v1/fleet/cameras/{serial}/firmware"): MANAGE,
    ("GET", "/api/v1/fleet/docks"): READ,
    ("POST", "/api/v1/fleet/docks"): MANAGE,
    ("GET", "/api/v1/fleet/assignments"): READ,
    ("POST", "/api/v1/fleet/assignments"): MANAGE,
    ("POST", "/api/v1/fleet/assignments/{assignment_id}/end"): MANAGE,
    ("POST", "/api/v1/fleet/pool/checkout"): MANAGE,
    ("POST", "/api/v1/fleet/pool/checkin"): MANAGE,
    ("GET", "/api/v1/fleet/wearer"): READ,
    ("GET", "/api/v1/fleet/officers"): READ,
    ("GET", "/api/v1/fleet/officers/{reference}"): READ,
    ("POST", "/api/v1/fleet/officers/{reference}/training"): MANAGE,
    ("GET", "/api/v1/fleet/firmware"): READ,
    ("POST", "/api/v1/fleet/firmware"): MANAGE,
    ("GET", "/api/v1/fleet/firmware/plans"): READ,
    ("POST", "/api/v1/fleet/firmware/plans"): MANAGE,
    ("GET", "/api/v1/fleet/firmware/plans/{plan_id}"): READ,
    ("POST", "/api/v1/fleet/firmware/plans/{plan_id}/cancel"): MANAGE,
    ("POST", "/api/v1/fleet/firmware/plans/{plan_id}/failures"): MANAGE,
    ("GET", "/api/v1/fleet/rollout/phases"): REPORT,
    ("POST", "/api/v1/fleet/rollout/phases"): MANAGE,
    ("DELETE", "/api/v1/fleet/rollout/phases/{phase_id}"): MANAGE,
    ("GET", "/api/v1/fleet/rollout/progress"): REPORT,
    ("GET", "/api/v1/fleet/rollout/progress/{borough}"): REPORT,
    ("POST", "/api/v1/fleet/import/{kind}"): MANAGE,
    ("GET", "/api/v1/fleet/export/{name}"): READ,
}
ROLES = ("officer", "supervisor", "fleet_manager", "administrator", "auditor", "investigator")


def may(role: str) -> set[str]:
    """Which kinds of fleet endpoint a role may call, from the permissions its spec grants."""
    (spec,) = [s for s in DEFAULT_ROLE_SPECS if s.name == role]
    kinds = set()
    if FLEET_READ in spec.permissions:
        kinds |= {READ, REPORT}
    if REPORTS_READ in spec.permissions:
        kinds.add(REPORT)
    if FLEET_MANAGE in spec.permissions:
        kinds.add(MANAGE)
    return kinds


def test_who_manages_the_fleet() -> None:
    assert MANAGE not in may("officer") and READ not in may("auditor")
    assert may("fleet_manager") >= {READ, MANAGE} and may("administrator") >= {READ, MANAGE}
    assert may("investigator") == set()


def test_every_fleet_route_has_a_written_expectation() -> None:
    routes = {(m, p) for m, p, _r in api_routes() if p.startswith("/api/v1/fleet")}
    assert routes == set(FLEET_ENDPOINTS)


@pytest.fixture(scope="module")
def users(stack: Stack) -> dict[str, Any]:
    return {role: stack.user(role, borough="E09000007", team="Response A") for role in ROLES}


@pytest.fixture(scope="module")
def tokens(stack: Stack, users: dict[str, Any]) -> dict[str, str]:
    return {role: stack.user_token(user) for role, user in users.items()}


@pytest.fixture(scope="module")
def clients(live_server: str, tokens: dict[str, str]) -> Iterator[dict[str, httpx.Client]]:
    made = {
        role: httpx.Client(
            base_url=live_server, timeout=30, headers={"Authorization": f"Bearer {token}"}
        )
        for role, token in tokens.items()
    }
    made["anonymous"] = httpx.Client(base_url=live_server, timeout=30)
    yield made
    for client in made.values():
        client.close()


def _placeholder(path: str) -> str:
    return (
        path.replace("{serial}", "NO-SUCH-CAMERA")
        .replace("{assignment_id}", "00000000-0000-0000-0000-000000000000")
        .replace("{reference}", "no-such-officer")
        .replace("{plan_id}", "00000000-0000-0000-0000-000000000000")
        .replace("{phase_id}", "00000000-0000-0000-0000-000000000000")
        .replace("{borough}", "Camden")
        .replace("{kind}", "officers")
        .replace("{name}", "cameras.csv")
    )


@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
def test_permissions_on_every_fleet_endpoint(role: str, clients: dict[str, httpx.Client]) -> None:
    client, failures = clients[role], []
    for (method, path), kind in FLEET_ENDPOINTS.items():
        params = {"camera": "NO-SUCH-CAMERA", "at": "2026-01-01T00:00:00Z"}
        response = client.request(method, _placeholder(path), json={}, params=params)
        if role == "anonymous":
            expected = {401}
        elif kind in may(role):
            expected = {200, 201, 204, 404, 409, 415, 422}  # past the permission check
        else:
            expected = {403}
        if response.status_code not in expected:
            failures.append(f"{method} {path}: {response.status_code} {response.text[:120]}")
    assert failures == []


def test_refusals_are_audited(stack: Stack, clients: dict[str, httpx.Client]) -> None:
    response = clients["officer"].post("/api/v1/fleet/cameras", json={"serial": "X", "model": "Y"})
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")
    with unit_of_work() as session:
        event = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "fleet.manage", AuditEvent.result == "denied")
            .order_by(AuditEvent.id.desc())
        ).first()
        assert event is not None and event.details["path"] == "/api/v1/fleet/cameras"


def _events(actor: str, since_id: int) -> list[tuple[str, str | None]]:
    with unit_of_work() as session:
        rows = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.id > since_id, AuditEvent.actor_name == actor)
            .order_by(AuditEvent.id)
        )
        return [(e.action, e.target_id) for e in rows]


def _last_event_id() -> int:
    with unit_of_work() as session:
        return session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) or 0


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_fleet_manager_flow_is_audited(
    clients: dict[str, httpx.Client], users: dict[str, Any]
) -> None:
    api, start = clients["fleet_manager"], _last_event_id()
    serial, pool_serial, dock = (helpers.unique(p) for p in ("CAM-", "POOL-", "DCK-"))
    person = helpers.officer(borough="E09000012", team="Hackney Response")
    station = f"Stoke Newington {serial}"
    _ok(
        api.post(
            "/api/v1/fleet/cameras",
            json={
                "serial": serial,
                "model": "Axis W110",
                "borough": "Hackney",
                "station": station,
                "firmware_version": "11.5.70",
            },
        ),
        201,
    )
    _ok(
        api.post(
            "/api/v1/fleet/cameras",
            json={
                "serial": pool_serial,
                "model": "Axis W110",
                "borough": "Hackney",
                "station": station,
                "pool": True,
            },
        ),
        201,
    )
    _ok(api.post("/api/v1/fleet/docks", json={"serial": dock, "station": station, "ports": 6}), 201)
    assigned = _ok(
        api.post(
            "/api/v1/fleet/assignments", json={"camera": serial, "officer": person.warrant_number}
        ),
        201,
    )
    assert assigned["officer"]["warrant_number"] == person.warrant_number
    assert assigned["officer"]["team"] == "Hackney Response"
    clash = api.post(
        "/api/v1/fleet/pool/checkout", json={"officer": person.username, "camera": pool_serial}
    )
    assert clash.status_code == 409 and serial in clash.json()["detail"]
    _ok(api.post(f"/api/v1/fleet/cameras/{serial}/status", json={"status": "docked", "dock": dock}))
    detail = _ok(api.get(f"/api/v1/fleet/cameras/{serial}"))
    assert (detail["status"], detail["last_dock"], detail["station"]) == ("docked", dock, station)
    assert detail["holder"]["officer"]["username"] == person.username
    assert set(detail["allowed_status"]) == {"issued", "in_stock", "faulty", "lost"}
    docks = _ok(api.get("/api/v1/fleet/docks", params={"station": station}))
    assert docks == [{**docks[0], "serial": dock, "cameras_docked": 1, "ports": 6}]
    listed = _ok(
        api.get(
            "/api/v1/fleet/cameras",
            params={"borough": "E09000012", "q": "CAM-", "station": station},
        )
    )
    assert [c["serial"] for c in listed["items"]] == [serial]
    at = isoformat_z(utcnow())
    wearer = _ok(api.get("/api/v1/fleet/wearer", params={"camera": serial, "at": at}))
    assert wearer["officer"]["id"] == str(person.id)
    _ok(api.post(f"/api/v1/fleet/assignments/{assigned['id']}/end", json={"reason": "leaver"}))
    again = api.post(f"/api/v1/fleet/assignments/{assigned['id']}/end", json={})
    assert again.status_code == 409
    out = _ok(
        api.post(
            "/api/v1/fleet/pool/checkout", json={"officer": person.username, "station": station}
        ),
        201,
    )
    assert (out["camera"], out["kind"]) == (pool_serial, "pool")
    _ok(api.post("/api/v1/fleet/pool/checkin", json={"camera": pool_serial, "dock": dock}))
    history = _ok(api.get("/api/v1/fleet/assignments", params={"officer": person.username}))
    assert [(h["camera"], h["ended_at"] is not None) for h in history] == [
        (pool_serial, True),
        (serial, True),
    ]
    _ok(
        api.post(
            f"/api/v1/fleet/officers/{person.warrant_number}/training",
            json={"trained_on": "2026-01-02"},
        )
    )
    officer = _ok(api.get(f"/api/v1/fleet/officers/{person.username}"))
    assert (officer["trained_on"], officer["camera"]) == ("2026-01-02", None)
    actions = [a for a, _t in _events(f"token:{users['fleet_manager'].username}-api", start)]
    assert actions == [
        "fleet.camera.create",
        "fleet.camera.create",
        "fleet.dock.create",
        "fleet.assignment.start",
        "fleet.camera.status",
        "fleet.assignment.end",
        "fleet.pool.checkout",
        "fleet.pool.checkin",
        "fleet.officer.trained",
    ]


def test_bad_requests_get_problem_details(clients: dict[str, httpx.Client]) -> None:
    api = clients["administrator"]
    missing = api.get("/api/v1/fleet/cameras/NOPE")
    assert missing.status_code == 404 and missing.json()["detail"] == "no camera with serial 'NOPE'"
    bad = api.post("/api/v1/fleet/cameras", json={"serial": "=cmd", "model": "x"})
    assert bad.status_code == 422
    serial = helpers.camera()
    bad_status = api.post(f"/api/v1/fleet/cameras/{serial}/status", json={"status": "stolen"})
    assert bad_status.status_code == 422
    retired = api.post(f"/api/v1/fleet/cameras/{serial}/status", json={"status": "retired"})
    assert retired.status_code == 200
    revived = api.post(f"/api/v1/fleet/cameras/{serial}/status", json={"status": "in_stock"})
    assert revived.status_code == 409 and "cannot go from retired" in revived.json()["detail"]
    naive = api.get("/api/v1/fleet/wearer", params={"camera": serial, "at": "2026-01-01T10:00:00"})
    assert naive.status_code == 422
    duplicate = api.post("/api/v1/fleet/cameras", json={"serial": serial, "model": "Axis W110"})
    assert duplicate.status_code == 409
    unknown = api.post(
        "/api/v1/fleet/cameras",
        json={"serial": helpers.unique("C"), "model": "x", "borough": "Gotham"},
    )
    assert unknown.status_code == 422 and "unknown borough" in unknown.json()["detail"]


def test_firmware_and_rollout_over_the_api(clients: dict[str, httpx.Client]) -> None:
    api, model = clients["fleet_manager"], helpers.unique("Model-")
    serials = [helpers.camera(model=model, firmware="1.0", borough="E09000030") for _ in range(4)]
    _ok(
        api.post(
            "/api/v1/fleet/firmware",
            json={"model": model, "version": "2.0", "released_on": "2026-03-01"},
        ),
        201,
    )
    plan = _ok(
        api.post(
            "/api/v1/fleet/firmware/plans",
            json={
                "name": model,
                "model": model,
                "target_version": "2.0",
                "stages": [
                    {
                        "percent": 50,
                        "scheduled_at": isoformat_z(utcnow() - timedelta(hours=1)),
                        "borough": "Tower Hamlets",
                    },
                    {"percent": 100, "scheduled_at": isoformat_z(utcnow() + timedelta(days=1))},
                ],
            },
        ),
        201,
    )
    assert [s["cameras"] for s in plan["stages"]] == [2, 2]
    versions = {(v["model"], v["version"]): v for v in _ok(api.get("/api/v1/fleet/firmware"))}
    assert versions[(model, "2.0")]["registered"] and versions[(model, "1.0")]["cameras"] == 4
    _ok(api.post(f"/api/v1/fleet/cameras/{serials[0]}/firmware", json={"version": "2.0"}))
    _ok(
        api.post(
            f"/api/v1/fleet/firmware/plans/{plan['id']}/failures",
            json={"camera": serials[1], "detail": "battery too low"},
        )
    )
    report = _ok(api.get(f"/api/v1/fleet/firmware/plans/{plan['id']}"))
    assert report["by_status"]["installed"] + report["by_status"]["failed"] == 2
    phase = _ok(
        api.post(
            "/api/v1/fleet/rollout/phases",
            json={
                "borough": "Tower Hamlets",
                "name": f"Phase {model}",
                "starts_on": "2026-01-05",
                "target_date": "2026-03-01",
                "cameras_to_issue": 40,
                "officers_to_train": 45,
            },
        ),
        201,
    )
    phases = _ok(
        clients["auditor"].get("/api/v1/fleet/rollout/phases", params={"borough": "E09000030"})
    )
    assert phase["id"] in [p["id"] for p in phases]
    progress = _ok(
        clients["auditor"].get(
            "/api/v1/fleet/rollout/progress/Tower Hamlets", params={"as_of": "2026-02-01"}
        )
    )
    assert progress["boroughs"][0]["borough"] == "E09000030"
    assert "recent issue rate" in progress["method"]
    assert "warrant" not in str(progress)  # aggregates only: no personal data
    assert api.delete(f"/api/v1/fleet/rollout/phases/{phase['id']}").status_code == 204
    assert api.delete(f"/api/v1/fleet/rollout/phases/{phase['id']}").status_code == 404


def test_csv_over_the_api(clients: dict[str, httpx.Client], users: dict[str, Any]) -> None:
    api, start = clients["fleet_manager"], _last_event_id()
    warrant = helpers.unique("W")
    body = (
        f"warrant_number,display_name,borough,team\n{warrant},PC Csv,Camden,Csv Team\n"
        "W-BAD,PC Bad,Nowhere,\n"
    )
    headers = {"Content-Type": "text/csv"}
    dry = _ok(
        api.post(
            "/api/v1/fleet/import/officers",
            params={"dry_run": "true"},
            content=body,
            headers=headers,
        )
    )
    assert (dry["ok"], dry["applied"], dry["created"]) == (False, False, 1)
    assert dry["errors"] == [
        {
            "row": 3,
            "column": "borough",
            "message": "unknown borough 'Nowhere' (a GSS code or a borough name)",
        }
    ]
    done = _ok(api.post("/api/v1/fleet/import/officers", content=body, headers=headers))
    assert (done["applied"], done["created"]) == (True, 1)
    json_body = api.post("/api/v1/fleet/import/officers", json={"a": 1})
    assert json_body.status_code == 415
    assert (
        api.post("/api/v1/fleet/import/widgets", content=body, headers=headers).status_code == 404
    )
    export = api.get("/api/v1/fleet/export/officers.csv")
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    assert "attachment" in export.headers["content-disposition"]
    assert f"{warrant},PC Csv,E09000007,{warrant.lower()},,Csv Team,," in export.text
    assert (
        clients["officer"]
        .post("/api/v1/fleet/import/officers", content=body, headers=headers)
        .status_code
        == 403
    )
    actions = [a for a, _t in _events(f"token:{users['fleet_manager'].username}-api", start)]
    assert actions.count("fleet.import.officers") == 2
    assert "fleet.officer.create" in actions and actions[-1] == "fleet.export.officers"
