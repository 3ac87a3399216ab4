"""Bad input from devices gets the specification's answer, and nothing already stored is lost.

400 means "can never be stored": the body worn system then keeps the recording for download and,
as we declare StoreRejectedContent, uploads it to a RejectedContent container — which is never
refused, so the footage arrives anyway, flagged.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from openbwv.evidence.recording_keys import axis_key
from openbwv.ingest.axis.client import AxisClient, ClipSpec, RecordingSpec, iso, meta_headers
from openbwv.ingest.axis.crypto import encrypt_for, key_file_json, load_public_key
from openbwv.ingest.axis.settings import staging_dir
from tests.axis.helpers import (
    evidence,
    evidence_count,
    fleet_camera,
    officer,
    recording,
    registered,
    sha256,
    unique,
    wait_processed,
)
from tests.fleet import helpers as fleet
from tests.support.stack import Stack


def _md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def _opened(
    client: AxisClient, stack: Stack, tmp_path: Path, seed: int, **kwargs: Any
) -> RecordingSpec:
    """A registered officer and camera, and an open recording container for them."""
    serial = fleet_camera()
    user = registered(client, officer(stack).warrant_number, serial)
    spec = recording(tmp_path, seed, user, serial, **kwargs)
    response = client.request(
        "PUT", spec.container, meta_headers("Container", spec.container_meta("Transferring"))
    )
    assert response.status_code == 201
    return spec


def _clip_meta(clip: ClipSpec, **overrides: str) -> dict[str, str]:
    values = {
        "StartTime": str(int(clip.start.timestamp())),
        "StartTimeISO": iso(clip.start),
        "StopTime": str(int(clip.stop.timestamp())),
        "StopTimeISO": iso(clip.stop),
        "ContainerType": clip.container_type,
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v != ""}


def _put_clip(
    client: AxisClient,
    spec: RecordingSpec,
    values: dict[str, str],
    body: bytes | None = None,
    name: str | None = None,
) -> httpx.Response:
    clip = spec.clips[0]
    data = clip.data if body is None else body
    return client.request(
        "PUT",
        f"{spec.container}/{name or spec.clip_name(clip)}",
        {**meta_headers("Object", values), "ETag": _md5(data)},
        data,
    )


def _nothing_staged() -> bool:
    directory = staging_dir()
    return not directory.exists() or not any(directory.glob("*.part"))


@pytest.mark.parametrize("unregistered", ["user", "camera"])
def test_unregistered_user_or_camera_is_refused_then_kept_as_rejected_content(
    stack: Stack,
    axis_plain: AxisClient,
    api: httpx.Client,
    tmp_path: Path,
    seed: int,
    unregistered: str,
) -> None:
    serial = unique("ACCC8E")  # not in the fleet either
    user = str(uuid.uuid4())
    if unregistered == "user":
        axis_plain.register_device(serial, "Cam")
    else:
        axis_plain.register_user(user, "PC", user_id=officer(stack).warrant_number)
    spec = recording(tmp_path, seed, user, serial)
    upload = axis_plain.upload_recording(spec)

    assert upload.statuses[""] == 400
    assert upload.rejected_to is not None and upload.rejected_to.startswith("RejectedContent_")
    name = spec.clip_name(spec.clips[0])
    assert upload.statuses[name] == 201
    item = wait_processed(api, upload.evidence_ids[name])
    assert item["sha256"] == sha256(spec.clips[0].data) and item["status"] == "ready"
    assert "rejected_content" in item["flags"] and "unknown_camera" in item["flags"]
    assert item["camera_serial"] == serial
    if unregistered == "user":
        assert "unknown_officer" in item["flags"] and item["officer"] == user
    axis = item["extra_metadata"]["axis"]
    assert axis["container"] == upload.rejected_to
    assert axis["recording"]["RejectedContentOriginalContainer"] == spec.container
    # Its recording is the original container's, so it groups with any clips of it accepted.
    assert item["recording_key"] == axis_key(axis["account"], spec.container)


def test_registered_but_unknown_officer_and_camera_are_accepted_and_flagged(
    stack: Stack, axis_plain: AxisClient, api: httpx.Client, tmp_path: Path, seed: int
) -> None:
    serial = unique("ACCC8E")
    user = registered(axis_plain, "NOT-A-WARRANT-NUMBER", serial)
    spec = recording(tmp_path, seed, user, serial)
    upload = axis_plain.upload_recording(spec)
    assert upload.statuses[""] == 201 and upload.rejected_to is None
    item = evidence(api, upload.evidence_ids[spec.clip_name(spec.clips[0])])
    assert set(item["flags"]) == {"unknown_officer", "unknown_camera"}
    assert item["officer"] == "NOT-A-WARRANT-NUMBER"


def test_an_unknown_officer_on_a_fleet_camera_goes_to_whoever_wore_it(
    stack: Stack, axis_plain: AxisClient, api: httpx.Client, tmp_path: Path, seed: int
) -> None:
    wearer = fleet.officer(borough="E09000033", team="Team A")
    serial = fleet.camera(borough="E09000033")
    spec_start = recording(tmp_path, seed, "x", serial).start
    fleet.assign(serial, wearer.warrant_number, started_at=spec_start - timedelta(hours=2))
    user = registered(axis_plain, None, serial)  # the body worn system knows no UserID
    spec = recording(tmp_path, seed, user, serial, start=spec_start)
    upload = axis_plain.upload_recording(spec)
    item = evidence(api, upload.evidence_ids[spec.clip_name(spec.clips[0])])
    assert "unknown_officer" in item["flags"] and item["officer"] == user
    assert item["borough"] == "E09000033"
    from openbwv.db.session import unit_of_work
    from openbwv.evidence.models import EvidenceItem

    with unit_of_work() as session:
        stored = session.get(EvidenceItem, uuid.UUID(item["id"]))
        assert stored is not None and stored.officer_user_id == wearer.id


@pytest.mark.parametrize(
    ("case", "overrides"),
    [
        ("before the recording", {"start": -3600}),
        ("after the recording", {"stop": +3600}),
        ("in the future", {"start": +86400 * 2, "stop": +86400 * 2 + 2}),
        ("before 2000", {"iso_start": "1999-12-31T23:59:59Z"}),
        ("no duration", {"stop_equals_start": 0}),
        ("stop before start", {"stop": -10}),
    ],
)
def test_clip_times_out_of_bounds_or_without_duration_are_refused(
    stack: Stack,
    axis_plain: AxisClient,
    tmp_path: Path,
    seed: int,
    case: str,
    overrides: dict[str, Any],
) -> None:
    spec = _opened(axis_plain, stack, tmp_path, seed)
    clip = spec.clips[0]
    start, stop = clip.start, clip.stop
    if "start" in overrides:
        start = start + timedelta(seconds=overrides["start"])
    if "stop" in overrides:
        stop = stop + timedelta(seconds=overrides["stop"])
    if "stop_equals_start" in overrides:
        stop = start
    values = _clip_meta(clip, StartTime=str(int(start.timestamp())), StartTimeISO=iso(start))
    values |= {"StopTime": str(int(stop.timestamp())), "StopTimeISO": iso(stop)}
    if "iso_start" in overrides:
        values["StartTimeISO"] = overrides["iso_start"]
    before = evidence_count()
    response = _put_clip(axis_plain, spec, values)
    assert response.status_code == 400, (case, response.text)
    assert evidence_count() == before and _nothing_staged()
    assert axis_plain.request("HEAD", f"{spec.container}/{spec.clip_name(clip)}").status_code == 404


def test_an_empty_clip_is_refused(
    stack: Stack, axis_plain: AxisClient, tmp_path: Path, seed: int
) -> None:
    spec = _opened(axis_plain, stack, tmp_path, seed)
    before = evidence_count()
    assert _put_clip(axis_plain, spec, _clip_meta(spec.clips[0]), body=b"").status_code == 400
    assert evidence_count() == before and _nothing_staged()


@pytest.mark.parametrize(
    ("case", "headers"),
    [
        ("value over 256 bytes", {"X-Object-Meta-Note": "x" * 257}),
        ("more than 90 items", {f"X-Object-Meta-K{i}": "v" for i in range(91)}),
        ("over 4096 bytes in all", {f"X-Object-Meta-K{i}": "v" * 250 for i in range(17)}),
        ("name over 128 bytes", {"X-Object-Meta-" + "k" * 129: "v"}),
        ("epoch that is not a number", {"X-Object-Meta-Starttime": "yesterday"}),
        ("RFC 3339 that is not a time", {"X-Object-Meta-Starttimeiso": "2026-13-45T99:00:00Z"}),
        ("time without a zone", {"X-Object-Meta-Starttimeiso": "2026-11-24T10:00:00"}),
        ("not UTF-8", {"X-Object-Meta-Note": "%FF%FE"}),
        ("control character", {"X-Object-Meta-Note": "bell%07"}),
    ],
)
def test_oversized_and_malformed_object_metadata_is_refused(
    stack: Stack,
    axis_plain: AxisClient,
    tmp_path: Path,
    seed: int,
    case: str,
    headers: dict[str, str],
) -> None:
    spec = _opened(axis_plain, stack, tmp_path, seed)
    clip = spec.clips[0]
    base = _clip_meta(clip)
    if any("Starttime" in k for k in headers):
        base.pop("StartTime")
        base.pop("StartTimeISO")
    before = evidence_count()
    response = axis_plain.request(
        "PUT",
        f"{spec.container}/{spec.clip_name(clip)}",
        {**meta_headers("Object", base), **headers, "ETag": _md5(clip.data)},
        clip.data,
    )
    assert response.status_code == 400, (case, response.text)
    assert evidence_count() == before and _nothing_staged()


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Container-Meta-Status": "Finished"},
        {"X-Container-Meta-Triggerontime": "soon"},
        {"X-Container-Meta-Userid": "u" * 101},
        {"X-Container-Meta-Starttime": "1700000100"},  # disagrees with StartTimeISO
        {
            "X-Remove-Container-Meta-Starttimeiso": "x",
            "X-Remove-Container-Meta-Stoptimeiso": "x",
            "X-Container-Meta-Starttime": "1700000100",
            "X-Container-Meta-Stoptime": "1700000000",
        },
    ],
)
def test_malformed_container_metadata_is_refused_and_changes_nothing(
    stack: Stack, axis_plain: AxisClient, tmp_path: Path, seed: int, headers: dict[str, str]
) -> None:
    spec = _opened(axis_plain, stack, tmp_path, seed)
    before = axis_plain.request("HEAD", spec.container).headers
    assert axis_plain.request("POST", spec.container, headers).status_code == 400
    after = axis_plain.request("HEAD", spec.container).headers
    assert {k: v for k, v in after.items() if k.startswith("x-container-meta")} == {
        k: v for k, v in before.items() if k.startswith("x-container-meta")
    }


def test_a_body_that_does_not_match_its_etag_is_refused_with_422(
    stack: Stack, axis_plain: AxisClient, tmp_path: Path, seed: int
) -> None:
    spec = _opened(axis_plain, stack, tmp_path, seed)
    clip = spec.clips[0]
    before = evidence_count()
    response = axis_plain.request(
        "PUT",
        f"{spec.container}/{spec.clip_name(clip)}",
        {**meta_headers("Object", _clip_meta(clip)), "ETag": _md5(clip.data[:-1])},
        clip.data,
    )
    assert response.status_code == 422
    assert evidence_count() == before and _nothing_staged()


def _foreign_key_file(data: bytes) -> tuple[bytes, bytes]:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return encrypt_for(stranger.public_key(), "someone-elses-key", data)


def test_a_wrong_key_file_is_refused_and_the_clip_stays(
    stack: Stack,
    axis: AxisClient,
    axis_doc: dict[str, Any],
    api: httpx.Client,
    tmp_path: Path,
    seed: int,
) -> None:
    spec = _opened(axis, stack, tmp_path, seed)
    clip = spec.clips[0]
    public = load_public_key(base64.b64decode(axis_doc["PublicKey"]))
    ciphertext, good_key = encrypt_for(public, axis_doc["PublicKeyId"], clip.data)
    _other_ciphertext, key_for_other_bytes = encrypt_for(public, axis_doc["PublicKeyId"], clip.data)
    response = _put_clip(axis, spec, _clip_meta(clip), body=ciphertext)
    assert response.status_code == 201
    evidence_id = response.headers["X-Openbwv-Evidence-Id"]
    key_name = f"{spec.container}/{spec.clip_name(clip)[:-4]}.key"
    key_meta = meta_headers("Object", {"FileType": "key"})
    wrong = {
        "not JSON": b"not a key file",
        "no wrapped key": b'{"ContentEncryptionIV": "AAAAAAAAAAAAAAAAAAAAAA=="}',
        "bad IV": key_file_json(b"x" * 384, b"short", "k"),
        "for another destination": _foreign_key_file(clip.data)[1],
        "for other bytes": key_for_other_bytes,
    }
    for case, body in wrong.items():
        refused = axis.request("PUT", key_name, {**key_meta, "ETag": _md5(body)}, body)
        assert refused.status_code == 400, (case, refused.text)
        assert evidence(api, evidence_id)["status"] == "processing", "the clip waits, kept"
    assert (
        axis.request("PUT", key_name, {**key_meta, "ETag": _md5(good_key)}, good_key).status_code
        == 201
    )
    item = wait_processed(api, evidence_id)
    assert item["status"] == "ready" and item["sha256"] == sha256(ciphertext)
    assert item["extra_metadata"]["axis"]["decrypted"]["sha256"] == sha256(clip.data)


def test_a_clip_that_its_key_file_does_not_decrypt_is_refused(
    stack: Stack, axis: AxisClient, axis_doc: dict[str, Any], tmp_path: Path, seed: int
) -> None:
    spec = _opened(axis, stack, tmp_path, seed)
    clip = spec.clips[0]
    public = load_public_key(base64.b64decode(axis_doc["PublicKey"]))
    _ciphertext, key = encrypt_for(public, axis_doc["PublicKeyId"], clip.data)
    other, _other_key = encrypt_for(public, axis_doc["PublicKeyId"], clip.data)
    key_name = f"{spec.container}/{spec.clip_name(clip)[:-4]}.key"
    assert axis.request("PUT", key_name, {"ETag": _md5(key)}, key).status_code == 201
    before = evidence_count()
    assert _put_clip(axis, spec, _clip_meta(clip), body=other).status_code == 400
    assert evidence_count() == before and _nothing_staged()


def test_completing_twice_finalises_once(
    stack: Stack, axis_plain: AxisClient, api: httpx.Client, tmp_path: Path, seed: int
) -> None:
    from openbwv.ingest.axis.client import BookmarkSpec
    from tests.axis.helpers import audit_actions, markers_of

    spec = _opened(axis_plain, stack, tmp_path, seed)
    spec.bookmarks = [BookmarkSpec(spec.start + timedelta(seconds=1), "here")]
    upload = axis_plain.upload_recording(spec)
    assert upload.statuses[""] == 202 and upload.statuses["Complete"] == 204
    complete = meta_headers("Container", spec.container_meta("Complete"))
    assert axis_plain.request("POST", spec.container, complete).status_code == 204
    evidence_id = upload.evidence_ids[spec.clip_name(spec.clips[0])]
    assert len(markers_of(evidence_id)) == 1
    assert audit_actions(evidence_id).count("evidence.marker.add") == 1
    from sqlalchemy import func, select

    from openbwv.audit.models import AuditEvent
    from openbwv.db.session import unit_of_work

    with unit_of_work() as session:
        completions = session.scalar(
            select(func.count(AuditEvent.id)).where(
                AuditEvent.action == "axis.recording.complete",
                AuditEvent.target_id == spec.container[:128],
            )
        )
    assert completions == 1


def test_uploads_after_complete_are_refused_but_identical_retries_succeed(
    stack: Stack, axis_plain: AxisClient, api: httpx.Client, tmp_path: Path, seed: int
) -> None:
    spec = _opened(axis_plain, stack, tmp_path, seed, clips=2)
    first, late = spec.clips
    spec.clips = [first]
    upload = axis_plain.upload_recording(spec)
    assert upload.statuses["Complete"] == 204
    before = evidence_count()
    late_meta = _clip_meta(late)
    name = spec.clip_name(late)
    late_put = axis_plain.request(
        "PUT",
        f"{spec.container}/{name}",
        {**meta_headers("Object", late_meta), "ETag": _md5(late.data)},
        late.data,
    )
    assert late_put.status_code == 400
    same = _put_clip(axis_plain, spec, _clip_meta(first))
    assert same.status_code == 201  # a retry of what is already there
    replaced = _put_clip(axis_plain, spec, _clip_meta(first), body=late.data)
    assert replaced.status_code == 400
    bookmark = axis_plain.request("PUT", f"{spec.container}/bookmark_1_9", {}, b"late note")
    assert bookmark.status_code == 400
    changed = meta_headers("Container", {**spec.container_meta("Complete"), "TriggerOff": "Docked"})
    assert axis_plain.request("POST", spec.container, changed).status_code == 400
    renamed = meta_headers("Object", {**_clip_meta(first), "ContainerType": "mp4"})
    assert (
        axis_plain.request("POST", f"{spec.container}/{spec.clip_name(first)}", renamed).status_code
        == 400
    )
    assert evidence_count() == before and _nothing_staged()
    item = evidence(api, upload.evidence_ids[spec.clip_name(first)])
    assert item["sha256"] == sha256(first.data)


def test_malformed_sidecars_are_refused(
    stack: Stack, axis_plain: AxisClient, tmp_path: Path, seed: int
) -> None:
    spec = _opened(axis_plain, stack, tmp_path, seed)
    c = spec.container
    assert (
        axis_plain.request("PUT", f"{c}/bookmark_1_1", {}, b"\xff\xfe not text").status_code == 400
    )
    bad_time = meta_headers("Object", {"StartTime": "noon"})
    assert axis_plain.request("PUT", f"{c}/bookmark_1_2", bad_time, b"ok").status_code == 400
    for track in (
        b'{"CoordinateEntries": {"a": 1}}',
        b'{"CoordinateEntries": [{"LocationWKT": "POINT(200 95)", "SecondsFromStart": 1}]}',
        b'{"CoordinateEntries": [{"LocationWKT": "LINESTRING(0 0, 1 1)", "SecondsFromStart": 1}]}',
        b'{"CoordinateEntries": [{"LocationWKT": "POINT(0 51)"}]}',
    ):
        response = axis_plain.request("PUT", f"{c}/x_1_ACCC8E_gpstrail.json", {}, track)
        assert response.status_code == 400, track


def test_rejected_content_is_never_refused(
    stack: Stack, axis_plain: AxisClient, api: httpx.Client, tmp_path: Path, seed: int
) -> None:
    spec = recording(tmp_path, seed, str(uuid.uuid4()), unique("ACCC8E"))
    container = f"RejectedContent_UnknownTime_{uuid.uuid4()}"
    odd = {"X-Container-Meta-Note": "x" * 300, "X-Container-Meta-Triggerontime": "never"}
    assert axis_plain.request("PUT", container, odd).status_code == 201
    clip = spec.clips[0]
    bad = {
        **meta_headers("Object", _clip_meta(clip, StartTime="yesterday", StartTimeISO="")),
        "X-Object-Meta-Note": "y" * 300,
    }
    response = axis_plain.request(
        "PUT", f"{container}/{spec.clip_name(clip)}", {**bad, "ETag": _md5(clip.data)}, clip.data
    )
    assert response.status_code == 201
    item = wait_processed(api, response.headers["X-Openbwv-Evidence-Id"])
    assert item["status"] == "ready" and "rejected_content" in item["flags"]
    assert item["extra_metadata"]["axis"]["problems"]
    assert axis_plain.request("PUT", f"{container}/bookmark_1_1", {}, b"\xff").status_code == 201


def test_a_camera_the_fleet_gives_another_officer_is_kept_with_the_device_officer_and_flagged(
    stack: Stack, axis_plain: AxisClient, api: httpx.Client, tmp_path: Path, seed: int
) -> None:
    holder = fleet.officer(borough="E09000033", team="Team A")
    wearer = officer(stack)  # who the body worn system says wore it
    serial = fleet.camera(borough="E09000033")
    start = recording(tmp_path, seed, "x", serial).start
    fleet.assign(serial, holder.warrant_number, started_at=start - timedelta(hours=2))
    user = registered(axis_plain, wearer.warrant_number, serial)
    spec = recording(tmp_path, seed, user, serial, start=start)
    upload = axis_plain.upload_recording(spec)
    assert upload.statuses[spec.clip_name(spec.clips[0])] == 201
    item = evidence(api, upload.evidence_ids[spec.clip_name(spec.clips[0])])
    assert item["officer"] == wearer.warrant_number
    assert "wearer_mismatch" in item["flags"]


def test_rejected_objects_name_their_recording_themselves(
    stack: Stack, axis_plain: AxisClient, api: httpx.Client, tmp_path: Path, seed: int
) -> None:
    pc = officer(stack)
    serial = fleet_camera()
    user = registered(axis_plain, pc.warrant_number, serial)
    spec = recording(tmp_path, seed, user, serial)
    container = f"RejectedContent_UnknownTime_{uuid.uuid4()}"
    assert axis_plain.request("PUT", container).status_code == 201  # no metadata at all
    clip = spec.clips[0]
    values = _clip_meta(clip, RejectedContentOriginalContainer=spec.container)
    response = axis_plain.request(
        "PUT",
        f"{container}/{spec.clip_name(clip)}",
        {**meta_headers("Object", values), "ETag": _md5(clip.data)},
        clip.data,
    )
    assert response.status_code == 201
    item = evidence(api, response.headers["X-Openbwv-Evidence-Id"])
    assert item["officer"] == pc.warrant_number and item["camera_serial"] == serial
    assert "rejected_content" in item["flags"] and "unknown_officer" not in item["flags"]


@pytest.mark.parametrize(
    "raw",
    [
        "..%2F..%2F..%2Ftmp%2Fpwn.mkv",  # arrives as ../../../tmp/pwn.mkv
        "..%5C..%5Cpwn.mkv",  # ..\..\pwn.mkv
        "%252e%252e%252fpwn.mkv",  # %2e%2e%2fpwn.mkv: a traversal once more decoded
    ],
)
def test_names_that_could_leave_their_folder_are_refused_everywhere(
    stack: Stack, axis_plain: AxisClient, tmp_path: Path, seed: int, raw: str
) -> None:
    """The filename rule tus enforces holds for Axis objects (rejected content included) and
    for System/Users/Devices entities: these were stored with 201 (issue 9, item 28)."""
    spec = _opened(axis_plain, stack, tmp_path, seed)
    clip = spec.clips[0]
    rejected = f"RejectedContent_UnknownTime_{uuid.uuid4()}"
    assert axis_plain.request("PUT", rejected, {}).status_code == 201
    assert axis_plain.token is not None and axis_plain.storage_url is not None
    token = {"X-Auth-Token": axis_plain.token}
    before = evidence_count()
    for container in (spec.container, rejected):
        response = axis_plain.http.request(
            "PUT",
            f"{axis_plain.storage_url}/{container}/{raw}",
            headers={**meta_headers("Object", _clip_meta(clip)), "ETag": _md5(clip.data), **token},
            content=clip.data,
        )
        assert response.status_code == 400, (container, raw, response.text)
    assert evidence_count() == before and _nothing_staged()
    for entities in ("System", "Users", "Devices"):
        response = axis_plain.http.request(
            "PUT", f"{axis_plain.storage_url}/{entities}/{raw}", headers=token, content=b"{}"
        )
        assert response.status_code == 400, (entities, raw, response.text)
