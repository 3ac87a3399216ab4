"""The Swift subset over raw HTTP: authentication, the System, Users and Devices containers,
the published Capabilities.json and Categories.json, and who may call what."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from openbwv.access.signin.tokens import hash_token
from openbwv.db.session import unit_of_work
from openbwv.ingest.axis.models import AxisAuthToken, AxisEntity
from openbwv.timeutil import utcnow
from tests.axis.conftest import Device
from tests.axis.helpers import fleet_camera, officer, unique
from tests.support.stack import Stack


def _auth(doc: dict[str, Any], user: str | None = None, key: str | None = None) -> httpx.Response:
    headers = {}
    if user is not None:
        headers["X-Auth-User"] = user
    if key is not None:
        headers["X-Auth-Key"] = key
    return httpx.get(doc["AuthenticationTokenURI"][0], headers=headers)


def test_auth_gives_an_expiring_token_stored_only_as_a_hash(
    stack: Stack, plain_doc: dict[str, Any]
) -> None:
    response = _auth(plain_doc, plain_doc["BlobAPIUserName"], plain_doc["BlobAPIKey"])
    assert response.status_code == 200
    token = response.headers["X-Auth-Token"]
    assert token.startswith("AUTH_tk") and response.headers["X-Storage-Token"] == token
    assert response.headers["X-Storage-Url"].endswith("/v1/AUTH_axis-plain")
    assert 3500 < int(response.headers["X-Auth-Token-Expires"]) <= 3600
    with unit_of_work() as session:
        row = session.scalar(
            select(AxisAuthToken).where(AxisAuthToken.token_hash == hash_token(token))
        )
        assert row is not None and row.account == "axis-plain"
        stored = session.execute(select(AxisAuthToken.token_hash)).scalars().all()
        assert token not in stored


def test_auth_refuses_anything_but_a_device_credential(
    stack: Stack, plain_doc: dict[str, Any]
) -> None:
    user, key = plain_doc["BlobAPIUserName"], plain_doc["BlobAPIKey"]
    officer_token = stack.token("officer", name=user)  # right name, wrong role
    for name, secret in (
        (None, None),
        (user, None),
        (None, key),
        (user, key + "x"),
        ("someone-else", key),
        (user, officer_token),
        (user, "AUTH_tk" + "0" * 64),
    ):
        response = _auth(plain_doc, name, secret)
        assert response.status_code == 401, (name, secret)
        assert "X-Auth-Token" not in response.headers


def test_every_storage_call_needs_a_valid_token_for_its_account(
    stack: Stack, device: Device, axis_doc: dict[str, Any]
) -> None:
    other = Device(axis_doc)  # a token for another account
    expired = Device(device.doc)
    with unit_of_work() as session:
        session.execute(
            update(AxisAuthToken)
            .where(AxisAuthToken.token_hash == hash_token(expired.token))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    paths = ["", "System", "System/Capabilities.json", "Users/x", "Rec_ACCC8E_20260101T000000Z/c"]
    bad_tokens = (None, "AUTH_tk-not-issued", "bwv_bearer-is-not-swift", expired.token)
    with httpx.Client() as http:
        for path in paths:
            for method in ("GET", "HEAD", "PUT", "POST", "DELETE"):
                if path == "" and method not in ("GET", "HEAD"):
                    continue
                url = f"{device.storage_url}/{path}".rstrip("/")
                for token in bad_tokens:
                    headers = {"X-Auth-Token": token} if token is not None else {}
                    response = http.request(method, url, headers=headers)
                    assert response.status_code == 401, (method, path, token)
                stolen = http.request(method, url, headers={"X-Auth-Token": other.token})
                assert stolen.status_code == 403, (method, path)
    other.http.close()
    expired.http.close()


def test_revoking_the_credential_ends_its_tokens_at_once(stack: Stack, live_server: str) -> None:
    from tests.axis.conftest import make_connection

    doc = make_connection(live_server, unique("axis-revoked-"), encryption=False)
    raw = Device(doc)
    assert raw.request("HEAD", "System").status_code == 204
    from openbwv.access.admin.service import revoke_token
    from openbwv.access.models import ApiToken

    with unit_of_work() as session:
        token = session.scalar(select(ApiToken).where(ApiToken.name == doc["BlobAPIUserName"]))
        assert token is not None
        revoke_token(session, token.id)
    assert raw.request("HEAD", "System").status_code == 401
    assert _auth(doc, doc["BlobAPIUserName"], doc["BlobAPIKey"]).status_code == 401


def test_capabilities_are_published_with_an_md5_etag(device: Device) -> None:
    response = device.request("GET", "System/Capabilities.json")
    assert response.status_code == 200
    assert response.headers["ETag"] == hashlib.md5(response.content).hexdigest()
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {
        "Read": {"ReadCategories": True},
        "Store": {
            "StoreBookmarks": True,
            "StoreRejectedContent": True,
            "StoreUserIDKey": True,
            "StoreSignedVideo": False,
            "StoreGNSSTrackRecording": True,
        },
        "StoreAndRead": {"StoreReadSystemID": True},
    }
    head = device.request("HEAD", "System/Capabilities.json")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["ETag"] == response.headers["ETag"]
    assert head.headers["Content-Length"] == str(len(response.content))
    assert device.request("PUT", "System/Capabilities.json", content=b"{}").status_code == 403


def test_categories_are_the_forces_with_an_md5_etag(stack: Stack, device: Device) -> None:
    from openbwv.categories.models import Category

    with unit_of_work() as session:
        expected = [
            {"Name": c.label, "Id": c.name}
            for c in session.scalars(select(Category).order_by(Category.label, Category.name))
        ]
    first = device.request("GET", "System/Categories.json")
    assert first.status_code == 200
    assert first.json() == expected and len(expected) >= 5
    assert first.headers["ETag"] == hashlib.md5(first.content).hexdigest()
    name = unique("axis_test_")
    with unit_of_work() as session:
        session.add(Category(name=name, label=f"Test {name}"))
    second = device.request("GET", "System/Categories.json")
    assert {"Name": f"Test {name}", "Id": name} in second.json()
    assert second.headers["ETag"] == hashlib.md5(second.content).hexdigest()
    assert second.headers["ETag"] != first.headers["ETag"]


def test_system_id_is_stored_and_read_back_and_its_connection_id_never_changes(
    device: Device,
) -> None:
    assert device.request("PUT", "System").status_code in (201, 202)
    assert device.request("PUT", "System").status_code == 202
    system_id = str(uuid.uuid4())
    meta = {"X-Object-Meta-Connectionid": "conn-1", "X-Object-Meta-Systemname": "Met%20BWS%201"}
    put = device.request("PUT", f"System/{system_id}", headers=meta)
    assert put.status_code == 201
    assert put.headers["ETag"] == hashlib.md5(b"").hexdigest()
    head = device.request("HEAD", f"System/{system_id}")
    assert head.status_code == 200
    assert head.headers["X-Object-Meta-Connectionid"] == "conn-1"
    assert head.headers["X-Object-Meta-Systemname"] == "Met%20BWS%201"
    assert device.request("GET", f"System/{system_id}").status_code == 200
    renamed = {"X-Object-Meta-Systemname": "Met%20BWS%20One"}  # POST without ConnectionId
    assert device.request("POST", f"System/{system_id}", headers=renamed).status_code == 202
    head = device.request("HEAD", f"System/{system_id}")
    assert head.headers["X-Object-Meta-Systemname"] == "Met%20BWS%20One"
    assert head.headers["X-Object-Meta-Connectionid"] == "conn-1"
    hijack = {"X-Object-Meta-Connectionid": "conn-2"}
    assert device.request("POST", f"System/{system_id}", headers=hijack).status_code == 403
    assert device.request("HEAD", f"System/{uuid.uuid4()}").status_code == 404
    listing = device.request("GET", "System", params={"format": "json"}).json()
    assert {"Capabilities.json", "Categories.json", system_id} <= {r["name"] for r in listing}


def test_users_and_devices_are_kept_and_linked_to_officers_and_cameras(
    stack: Stack, device: Device
) -> None:
    pc = officer(stack)
    user_uuid = str(uuid.uuid4())
    headers = {
        "X-Object-Meta-Active": "True",
        "X-Object-Meta-Name": "PC%20Zo%C3%AB%20O%27Brien",
        "X-Object-Meta-Userid": pc.warrant_number,
    }
    assert device.request("PUT", f"Users/{user_uuid}", headers=headers).status_code == 201
    head = device.request("HEAD", f"Users/{user_uuid}")
    assert head.headers["X-Object-Meta-Name"] == "PC%20Zo%C3%AB%20O'Brien"
    assert head.headers["X-Object-Meta-Userid"] == pc.warrant_number
    renamed = {**headers, "X-Object-Meta-Name": "PC%20Zo%C3%AB%20Smith"}
    assert device.request("POST", f"Users/{user_uuid}", headers=renamed).status_code == 202
    serial, stray = fleet_camera(), unique("ACCC8E")
    for camera in (serial, stray):
        meta = {"X-Object-Meta-Name": "Cam", "X-Object-Meta-Model": "W110"}
        assert device.request("PUT", f"Devices/{camera}", headers=meta).status_code == 201
    with unit_of_work() as session:
        entities = {
            e.name: e
            for e in session.scalars(
                select(AxisEntity).where(AxisEntity.name.in_([user_uuid, serial, stray]))
            )
        }
        assert entities[user_uuid].user_id == pc.id
        assert entities[user_uuid].meta["Name"] == "PC Zoë Smith"
        assert entities[serial].camera_id is not None
        assert entities[stray].camera_id is None  # registered, but not in the fleet
    assert device.request("POST", f"Users/{uuid.uuid4()}", headers=headers).status_code == 404
    users = device.request("GET", "Users", params={"format": "json"}).json()
    assert user_uuid in {row["name"] for row in users}


def test_containers_that_are_not_recordings_are_refused(device: Device) -> None:
    assert device.request("PUT", "holiday-photos").status_code == 400
    assert device.request("PUT", "x_ACCC8E_20260101T000000").status_code == 400
    assert device.request("HEAD", "no-such-container").status_code == 404
    assert device.request("POST", "a_B_20260101T000000Z").status_code == 404
    assert device.request("DELETE", "System").status_code == 403


@pytest.mark.parametrize("casing", [str.lower, str.upper, str.title])
def test_metadata_header_names_are_case_insensitive(
    stack: Stack, device: Device, casing: Any
) -> None:
    user_uuid = str(uuid.uuid4())
    name = casing("X-Object-Meta-UserID")
    assert device.request("PUT", f"Users/{user_uuid}", headers={name: "W1"}).status_code == 201
    with unit_of_work() as session:
        entity = session.scalar(select(AxisEntity).where(AxisEntity.name == user_uuid))
        assert entity is not None and entity.meta == {"UserID": "W1"}


def test_every_device_call_is_in_the_audit_log(stack: Stack, plain_doc: dict[str, Any]) -> None:
    from openbwv.audit.models import AuditEvent

    raw = Device(plain_doc)
    marker = str(uuid.uuid4())
    raw.request("HEAD", f"Users/{marker}")
    raw.request("PUT", f"Users/{marker}")
    raw.request("GET", f"Users/{marker}")
    with unit_of_work() as session:
        rows = session.execute(
            select(AuditEvent.action, AuditEvent.result, AuditEvent.actor_name)
            .where(AuditEvent.target_id.like(f"%{marker}%"))
            .order_by(AuditEvent.id)
        ).all()
    assert [(a, r) for a, r, _ in rows] == [
        ("axis.object.head", "failure"),
        ("axis.users.put", "success"),
        ("axis.read", "success"),
    ]
    assert {actor for _, _, actor in rows} == {"token:axis-plain"}
    raw.http.close()


def _json(response: httpx.Response) -> Any:
    return json.loads(response.content)


def test_an_officer_added_after_registration_is_linked_when_footage_arrives(
    stack: Stack, axis_plain: Any, api: httpx.Client, tmp_path: Any, seed: int
) -> None:
    from tests.axis.helpers import recording

    warrant = unique("W")
    serial = fleet_camera()
    user = str(uuid.uuid4())
    axis_plain.register_user(user, "PC New", user_id=warrant)
    axis_plain.register_device(serial, "Cam")
    from openbwv.access.admin.service import UserSpec, create_user

    with unit_of_work() as session:  # the force adds the officer only now
        create_user(
            session,
            UserSpec(
                username=warrant.lower(),
                display_name="PC New",
                roles=["officer"],
                warrant_number=warrant,
            ),
        )
    spec = recording(tmp_path, seed, user, serial)
    upload = axis_plain.upload_recording(spec)
    item = api.get(f"/api/v1/evidence/{upload.evidence_ids[spec.clip_name(spec.clips[0])]}").json()
    assert item["officer"] == warrant and "unknown_officer" not in item["flags"]
    with unit_of_work() as session:
        entity = session.scalar(select(AxisEntity).where(AxisEntity.name == user))
        assert entity is not None and entity.user_id is not None
