"""The tus 1.0.0 server, request by request, including every refusal the issue names."""

from __future__ import annotations

import base64
import hashlib
import os
import threading
import uuid
from collections.abc import Iterator

import httpx
import pytest

from openbwv.evidence.recording_keys import upload_key
from openbwv.ingest.staging import WRITE_BEHIND
from tests.support import tus
from tests.support.stack import Stack
from tests.support.waiting import wait_until


def evidence_by_sha(api: httpx.Client, sha: str) -> list[dict]:
    response = api.get("/api/v1/evidence", params={"sha256": sha})
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_options_advertises_version_extensions_and_limits(api: httpx.Client) -> None:
    response = api.options("/api/v1/uploads/")
    assert response.status_code == 204
    assert response.headers["Tus-Resumable"] == "1.0.0"
    assert response.headers["Tus-Version"] == "1.0.0"
    extensions = set(response.headers["Tus-Extension"].split(","))
    assert {
        "creation",
        "creation-with-upload",
        "expiration",
        "checksum",
        "termination",
    } <= extensions
    assert "sha256" in response.headers["Tus-Checksum-Algorithm"].split(",")
    assert int(response.headers["Tus-Max-Size"]) > 0


def test_requests_without_tus_resumable_are_refused_with_412(api: httpx.Client) -> None:
    response = api.post("/api/v1/uploads/", headers={"Upload-Length": "10"})
    assert response.status_code == 412
    assert response.headers["Tus-Version"] == "1.0.0"
    assert response.headers["content-type"].startswith("application/problem+json")


def test_every_tus_request_needs_a_principal(live_server: str) -> None:
    with httpx.Client(base_url=live_server) as anonymous:
        response = tus.create(anonymous, 10)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.json()["status"] == 401
        bad = anonymous.post(
            "/api/v1/uploads/",
            headers={**tus.TUS, "Upload-Length": "1", "Authorization": "Bearer bwv_nope"},
        )
        assert bad.status_code == 401


def test_full_upload_creates_one_evidence_item(api: httpx.Client) -> None:
    data = os.urandom(300_000)
    sha = hashlib.sha256(data).hexdigest()
    meta = {
        "filename": "x.mp4",
        "camera_serial": "CAM-T1",
        "officer": "PC-1",
        "recorded_start": "2026-11-24T08:00:00+01:00",
        "recorded_end": "2026-11-24T07:10:00Z",
        "sha256": sha,
        "incident_hint": "unknown keys are kept",
        "recording": "4711",
    }
    last = tus.upload(api, data, meta, chunk=100_000)
    url = last.headers["X-Test-Upload-Url"]
    evidence_url = last.headers["Evidence-Location"]
    item = api.get(evidence_url).json()
    assert item["sha256"] == sha and item["size_bytes"] == len(data)
    assert item["camera_serial"] == "CAM-T1" and item["officer"] == "PC-1"
    assert item["recorded_start"] == "2026-11-24T07:00:00Z"  # converted to UTC
    assert item["extra_metadata"]["incident_hint"] == "unknown keys are kept"
    # The camera's recording id: this file is a clip of that recording (of this camera).
    assert item["recording_key"] == upload_key("CAM-T1", "4711")
    assert item["recording"]["clip_ids"] == [item["id"]]
    assert "unknown_camera" in item["flags"]  # accepted and flagged
    assert api.get(f"{evidence_url}/original").content == data
    head = tus.head(api, url)
    assert head.status_code == 200
    assert head.headers["Upload-Offset"] == head.headers["Upload-Length"] == str(len(data))
    assert head.headers["Cache-Control"] == "no-store"
    assert "Upload-Expires" in head.headers
    assert len(evidence_by_sha(api, sha)) == 1


def test_creation_with_upload_and_empty_upload(api: httpx.Client) -> None:
    data = os.urandom(5000)
    created = tus.create(api, len(data), {"filename": "a.bin"}, body=data)
    assert created.status_code == 201
    assert created.headers["Upload-Offset"] == str(len(data))
    assert "Evidence-Location" in created.headers
    empty = tus.create(api, 0, {"filename": "empty.mp4"})
    assert empty.status_code == 201
    assert tus.head(api, empty.headers["Location"]).headers["Upload-Offset"] == "0"
    assert evidence_by_sha(api, hashlib.sha256(b"").hexdigest())


def test_wrong_offset_is_409_and_changes_nothing(api: httpx.Client) -> None:
    created = tus.create(api, 100)
    url = created.headers["Location"]
    assert tus.patch(api, url, 0, b"a" * 40).status_code == 204
    conflict = tus.patch(api, url, 10, b"b" * 10)
    assert conflict.status_code == 409
    assert conflict.json()["title"]
    assert tus.head(api, url).headers["Upload-Offset"] == "40"


def test_chunk_checksum_mismatch_is_460_and_the_chunk_is_discarded(api: httpx.Client) -> None:
    data = os.urandom(2000)
    url = tus.create(api, len(data)).headers["Location"]
    good = tus.patch(api, url, 0, data[:1000], checksum=tus.sha256_checksum(data[:1000]))
    assert good.status_code == 204
    bad = tus.patch(api, url, 1000, data[1000:], checksum=tus.sha256_checksum(b"other"))
    assert bad.status_code == 460
    assert tus.head(api, url).headers["Upload-Offset"] == "1000"
    sha1 = "sha1 " + base64.b64encode(hashlib.sha1(data[1000:]).digest()).decode()
    done = tus.patch(api, url, 1000, data[1000:], checksum=sha1)
    assert done.status_code == 204
    item = api.get(done.headers["Evidence-Location"]).json()
    assert item["sha256"] == hashlib.sha256(data).hexdigest()


def test_unsupported_checksum_algorithm_is_400(api: httpx.Client) -> None:
    url = tus.create(api, 10).headers["Location"]
    response = tus.patch(api, url, 0, b"0123456789", checksum="crc32 AAAAAA==")
    assert response.status_code == 400
    assert tus.head(api, url).headers["Upload-Offset"] == "0"


def test_patch_needs_the_offset_content_type(api: httpx.Client) -> None:
    url = tus.create(api, 10).headers["Location"]
    response = api.patch(
        url,
        headers={**tus.TUS, "Upload-Offset": "0", "Content-Type": "application/json"},
        content=b"{}",
    )
    assert response.status_code == 415


def test_whole_file_sha256_mismatch_rejects_the_upload(api: httpx.Client) -> None:
    data = os.urandom(10_000)
    wrong = hashlib.sha256(b"something else").hexdigest()
    url = tus.create(api, len(data), {"sha256": wrong}).headers["Location"]
    response = tus.patch(api, url, 0, data)
    assert response.status_code == 460
    assert "SHA-256" in response.json()["detail"]
    assert tus.head(api, url).status_code == 410
    assert evidence_by_sha(api, hashlib.sha256(data).hexdigest()) == []


@pytest.fixture
def small_max_upload(stack: Stack) -> Iterator[int]:
    from openbwv.config import reset_settings

    os.environ["BWV_MAX_UPLOAD_BYTES"] = "1000"
    reset_settings()
    yield 1000
    os.environ.pop("BWV_MAX_UPLOAD_BYTES")
    reset_settings()


def test_upload_over_the_maximum_is_413(api: httpx.Client, small_max_upload: int) -> None:
    response = tus.create(api, small_max_upload + 1)
    assert response.status_code == 413
    assert api.options("/api/v1/uploads/").headers["Tus-Max-Size"] == str(small_max_upload)


def test_body_beyond_upload_length_is_413_and_discarded(api: httpx.Client) -> None:
    url = tus.create(api, 100).headers["Location"]
    assert tus.patch(api, url, 0, b"x" * 150).status_code == 413
    assert tus.head(api, url).headers["Upload-Offset"] == "0"


@pytest.mark.parametrize(
    ("metadata", "fragment"),
    [
        ({"filename": "../../etc/passwd"}, "filename"),
        ({"filename": "a/b.mp4"}, "filename"),
        ({"filename": "x" * 300}, "filename"),
        ({"filename": "%2e%2e%2fpwn.mkv"}, "percent-encoded"),
        ({"filename": "..\\..\\pwn.mkv"}, "filename"),
        ({"camera_serial": "../CAM"}, "camera_serial"),
        ({"officer": "PC 1; DROP TABLE"}, "officer"),
        ({"recorded_start": "yesterday"}, "recorded_start"),
        ({"recorded_start": "2026-11-24T08:00:00"}, "recorded_start"),  # no offset
        (
            {"recorded_start": "2026-11-24T09:00:00Z", "recorded_end": "2026-11-24T08:00:00Z"},
            "recorded_end",
        ),
        ({"sha256": "abc"}, "sha256"),
        ({"note": "y" * 5000}, "exceeds"),
    ],
)
def test_bad_metadata_is_refused_with_a_clear_problem(
    api: httpx.Client, metadata: dict[str, str], fragment: str
) -> None:
    response = tus.create(api, 10, metadata)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert fragment in response.json()["detail"]


def test_metadata_that_is_not_base64_is_400(api: httpx.Client) -> None:
    response = api.post(
        "/api/v1/uploads/",
        headers={**tus.TUS, "Upload-Length": "1", "Upload-Metadata": "filename !!notbase64"},
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("Upload-Length", b"\xb2"),  # "²": str.isdigit() says yes, int() says no
        ("Upload-Length", b"1\xb9"),
        ("Upload-Metadata", b"filename \xff\xfe"),  # not ASCII, so not base64
    ],
)
def test_malformed_tus_headers_are_400_never_500(
    api: httpx.Client, header: str, value: bytes
) -> None:
    headers: dict[str, str | bytes] = {**tus.TUS, "Upload-Length": "1", header: value}
    response = api.post("/api/v1/uploads/", headers=headers)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["Tus-Resumable"] == "1.0.0"
    created = tus.create(api, 4)
    url = created.headers["Location"]
    patched = api.patch(
        url, headers={**tus.TUS, "Upload-Offset": b"\xb2", "Content-Type": tus.OCTETS}, content=b""
    )
    assert patched.status_code == 400, patched.text
    assert tus.head(api, url).headers["Upload-Offset"] == "0"


def test_terminated_upload_is_gone(api: httpx.Client) -> None:
    url = tus.create(api, 100).headers["Location"]
    assert tus.patch(api, url, 0, b"z" * 50).status_code == 204
    assert api.delete(url, headers=tus.TUS).status_code == 204
    assert tus.head(api, url).status_code == 410
    assert tus.patch(api, url, 50, b"z" * 50).status_code == 410


def test_expired_upload_is_gone_and_its_bytes_are_removed(api: httpx.Client, stack: Stack) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from openbwv.db.session import unit_of_work
    from openbwv.ingest.models import Upload
    from openbwv.ingest.staging import part_path
    from openbwv.ingest.transfer import expire_uploads
    from openbwv.timeutil import utcnow

    url = tus.create(api, 100).headers["Location"]
    upload_id = uuid.UUID(url.rsplit("/", 1)[1])
    assert tus.patch(api, url, 0, b"e" * 30).status_code == 204
    with unit_of_work() as session:
        session.execute(
            update(Upload)
            .where(Upload.id == upload_id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert tus.head(api, url).status_code == 410
    assert expire_uploads() >= 1
    assert not part_path(stack.settings().resolved_upload_dir, upload_id).exists()
    assert tus.patch(api, url, 30, b"e" * 70).status_code == 410


def test_someone_elses_upload_is_not_found(
    api: httpx.Client, live_server: str, stack: Stack
) -> None:
    url = tus.create(api, 10).headers["Location"]
    other = stack.token("officer", name="other")
    with httpx.Client(headers={"Authorization": f"Bearer {other}"}) as client:
        assert tus.head(client, url).status_code == 404
        assert tus.patch(client, url, 0, b"0123456789").status_code == 404
    assert tus.head(api, url).headers["Upload-Offset"] == "0"
    assert tus.head(api, f"{live_server}/api/v1/uploads/not-a-uuid").status_code == 404


def test_method_override_for_clients_behind_restrictive_proxies(api: httpx.Client) -> None:
    data = os.urandom(100)
    url = tus.create(api, len(data)).headers["Location"]
    response = api.post(
        url,
        headers={
            **tus.TUS,
            "X-HTTP-Method-Override": "PATCH",
            "Upload-Offset": "0",
            "Content-Type": tus.OCTETS,
        },
        content=data,
    )
    assert response.status_code == 204
    assert response.headers["Upload-Offset"] == "100"


def test_two_clients_uploading_the_same_bytes_at_once_make_one_original(
    api: httpx.Client, live_server: str, admin_token: str, stack: Stack
) -> None:
    data = os.urandom(400_000)
    sha = hashlib.sha256(data).hexdigest()
    barrier = threading.Barrier(2)
    results: list[str] = []

    def client() -> None:
        with httpx.Client(
            base_url=live_server, timeout=60, headers={"Authorization": f"Bearer {admin_token}"}
        ) as own:
            url = tus.create(own, len(data)).headers["Location"]
            tus.patch(own, url, 0, data[:200_000])
            barrier.wait()
            done = tus.patch(own, url, 200_000, data[200_000:])
            assert done.status_code == 204, done.text
            results.append(done.headers["Evidence-Location"])

    threads = [threading.Thread(target=client) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 2 and results[0] == results[1]
    assert len(evidence_by_sha(api, sha)) == 1
    from openbwv.storage.factory import originals

    assert sum(1 for key in originals().iter_keys() if key == sha) == 1


def test_dropped_connection_keeps_received_bytes_and_resumes(api: httpx.Client) -> None:
    data = os.urandom(3 * 1024 * 1024)
    url = tus.create(api, len(data)).headers["Location"]

    def broken_body() -> Iterator[bytes]:
        yield data[: 1024 * 1024]
        yield data[1024 * 1024 : 2 * 1024 * 1024]
        raise ConnectionResetError("the camera lost signal")

    with pytest.raises((ConnectionResetError, httpx.HTTPError)):
        tus.patch(api, url, 0, broken_body())

    _resume_and_check(api, url, data, sent=2 * 1024 * 1024)


def _resume_and_check(api: httpx.Client, url: str, data: bytes, sent: int) -> None:
    """What a tus client does after a drop: HEAD for the offset (never more than the `sent`
    bytes), PATCH the rest, and on 409 (the dropped request landed meanwhile) ask again; the
    finished item hashes as the whole of `data`."""

    def resume() -> httpx.Response | None:
        offset = int(tus.head(api, url).headers["Upload-Offset"])
        assert 0 <= offset <= sent
        done = tus.patch(api, url, offset, data[offset:])
        return None if done.status_code == 409 else done

    done = wait_until(resume, timeout=60, what="the upload to resume")
    assert done.status_code == 204, done.text
    item = api.get(done.headers["Evidence-Location"]).json()
    assert item["sha256"] == hashlib.sha256(data).hexdigest()


def test_a_patch_dropped_past_several_write_behind_windows_resumes_at_its_offset(
    api: httpx.Client,
) -> None:
    """Bytes handed to the disk early (write-behind) and dropped from the page cache are still
    the upload's bytes: HEAD reports no more than was sent, and after the resume from there the
    whole file hashes right."""
    sent = 2 * WRITE_BEHIND + 3 * 1024 * 1024 + 17  # not on a window's edge
    data = os.urandom(sent + WRITE_BEHIND)
    url = tus.create(api, len(data)).headers["Location"]

    def broken_body() -> Iterator[bytes]:
        for start in range(0, sent, 1024 * 1024):
            yield data[start : min(start + 1024 * 1024, sent)]
        raise ConnectionResetError("the camera lost signal")

    with pytest.raises((ConnectionResetError, httpx.HTTPError)):
        tus.patch(api, url, 0, broken_body())
    _resume_and_check(api, url, data, sent)
