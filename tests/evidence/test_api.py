"""The evidence API: listing with filters and cursors, detail, ranges for <video>, auth."""

from __future__ import annotations

import hashlib
import uuid
from io import BytesIO
from pathlib import Path

import httpx
import pytest
from PIL import Image

from openbwv.media.synth import make_clip
from tests.support.evidence import ingest, wait_processed
from tests.support.stack import Stack


@pytest.fixture(scope="module")
def three_items(api_module: httpx.Client, tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    folder = tmp_path_factory.mktemp("api")
    camera = f"CAM-{uuid.uuid4().hex[:8]}"
    items = []
    for index in range(3):
        path = make_clip(folder / f"c{index}.mp4", seconds=2, seed=9000 + index)
        url = ingest(
            api_module,
            path,
            camera_serial=camera,
            officer=f"PC-{index % 2}",
            recorded_start=f"2026-11-2{index}T10:00:00Z",
        )
        items.append(wait_processed(api_module, url))
    return items


@pytest.fixture(scope="module")
def api_module(live_server: str, admin_token: str) -> httpx.Client:
    return httpx.Client(
        base_url=live_server, timeout=60, headers={"Authorization": f"Bearer {admin_token}"}
    )


def test_list_filters_by_camera_officer_time_and_hash(
    api: httpx.Client, three_items: list[dict]
) -> None:
    camera = three_items[0]["camera_serial"]
    by_camera = api.get("/api/v1/evidence", params={"camera": camera}).json()["items"]
    assert [i["id"] for i in by_camera] == [i["id"] for i in reversed(three_items)]  # newest first
    by_officer = api.get("/api/v1/evidence", params={"camera": camera, "officer": "PC-0"}).json()
    assert {i["id"] for i in by_officer["items"]} == {three_items[0]["id"], three_items[2]["id"]}
    window = api.get(
        "/api/v1/evidence",
        params={"camera": camera, "start": "2026-11-21T00:00:00Z", "end": "2026-11-22T00:00:00Z"},
    ).json()
    assert [i["id"] for i in window["items"]] == [three_items[1]["id"]]
    by_hash = api.get("/api/v1/evidence", params={"sha256": three_items[2]["sha256"].upper()})
    assert [i["id"] for i in by_hash.json()["items"]] == [three_items[2]["id"]]


def test_cursor_pagination_walks_every_item_once(
    api: httpx.Client, three_items: list[dict]
) -> None:
    camera = three_items[0]["camera_serial"]
    seen, cursor = [], None
    while True:
        params = {"camera": camera, "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api.get("/api/v1/evidence", params=params).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [i["id"] for i in reversed(three_items)]
    assert api.get("/api/v1/evidence", params={"cursor": "garbage!"}).status_code == 400
    assert api.get("/api/v1/evidence", params={"limit": 0}).status_code == 422
    assert api.get("/api/v1/evidence", params={"start": "2026-01-01T00:00:00"}).status_code == 422


def test_detail_and_not_found(api: httpx.Client, three_items: list[dict]) -> None:
    item = three_items[0]
    detail = api.get(f"/api/v1/evidence/{item['id']}").json()
    assert detail["status"] == "ready"
    assert detail["probe"]["video_codec"] == "h264"
    assert {d["kind"] for d in detail["derivatives"]} == {"poster", "strip", "playback"}
    for missing in (str(uuid.uuid4()), "12345", "../../etc/passwd"):
        response = api.get(f"/api/v1/evidence/{missing}")
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/problem+json")


def test_original_supports_ranges_for_seeking(api: httpx.Client, three_items: list[dict]) -> None:
    item = three_items[1]
    url = f"/api/v1/evidence/{item['id']}/original"
    whole = api.get(url)
    assert whole.status_code == 200 and whole.headers["Accept-Ranges"] == "bytes"
    assert hashlib.sha256(whole.content).hexdigest() == item["sha256"]
    size = len(whole.content)
    middle = api.get(url, headers={"Range": "bytes=100-1099"})
    assert middle.status_code == 206
    assert middle.headers["Content-Range"] == f"bytes 100-1099/{size}"
    assert middle.content == whole.content[100:1100]
    tail = api.get(url, headers={"Range": "bytes=-10"})
    assert tail.content == whole.content[-10:]
    open_ended = api.get(url, headers={"Range": f"bytes={size - 5}-"})
    assert open_ended.content == whole.content[-5:]
    beyond = api.get(url, headers={"Range": f"bytes={size}-"})
    assert beyond.status_code == 416 and beyond.headers["Content-Range"] == f"bytes */{size}"
    stale = api.get(url, headers={"Range": "bytes=0-9", "If-Range": '"stale"'})
    assert stale.status_code == 200 and len(stale.content) == size
    head = api.head(url)
    assert head.status_code == 200 and head.headers["Content-Length"] == str(size)


def test_playback_thumbnail_and_strip(api: httpx.Client, three_items: list[dict]) -> None:
    item = three_items[0]
    base = f"/api/v1/evidence/{item['id']}"
    playback = api.get(f"{base}/playback", headers={"Range": "bytes=0-99"})
    assert playback.status_code == 206 and playback.headers["content-type"] == "video/mp4"
    poster = Image.open(BytesIO(api.get(f"{base}/thumbnail").content))
    assert poster.format == "JPEG" and poster.width == 320
    strip = Image.open(BytesIO(api.get(f"{base}/strip").content))
    assert strip.format == "JPEG" and strip.width == 10 * 160


def test_every_evidence_route_requires_a_principal(
    live_server: str, stack: Stack, three_items: list[dict]
) -> None:
    from openbwv.access.admin.service import revoke_token
    from openbwv.access.signin.service import authenticate
    from openbwv.composition import api_routes
    from openbwv.db.session import unit_of_work

    expired = _expired_token(stack)
    revoked = stack.token("officer", name="to-revoke")
    with unit_of_work() as session:
        principal = authenticate(session, revoked)
        assert principal is not None
        revoke_token(session, principal.id)
    item_id = three_items[0]["id"]
    from tests.access.test_matrix import PAGES, PUBLIC

    checked = 0
    client = httpx.Client(base_url=live_server)  # one connection, kept alive
    for method, path, _route in api_routes():
        if (method, path) in PUBLIC or (method, path) in PAGES:
            continue
        concrete = path.replace("{evidence_id}", item_id).replace("{upload_id}", str(uuid.uuid4()))
        for token in (None, "bwv_invalid", expired, revoked):
            headers = {"Tus-Resumable": "1.0.0"}
            if token:
                headers["Authorization"] = f"Bearer {token}"
            response = client.request(method, concrete, headers=headers)
            assert response.status_code == 401, (method, path, token, response.text)
            checked += 1
    assert checked == 4 * (len(api_routes()) - len(PUBLIC) - len(PAGES))


def _expired_token(stack: Stack) -> str:
    from datetime import timedelta

    from openbwv.access.admin.service import create_token
    from openbwv.db.session import unit_of_work
    from openbwv.timeutil import utcnow

    with unit_of_work() as session:
        secret, _ = create_token(
            session, name="expired", role="officer", expires_at=utcnow() - timedelta(seconds=1)
        )
    return secret


def test_health_reports_each_component(live_server: str) -> None:
    response = httpx.get(f"{live_server}/api/v1/health")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "storage": "ok", "broker": "ok"}


def test_openapi_is_published(live_server: str) -> None:
    spec = httpx.get(f"{live_server}/api/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    assert "/api/v1/evidence/{evidence_id}/original" in spec["paths"]
    assert httpx.get(f"{live_server}/api/docs").status_code == 200


def test_unique_clip_fixture_is_unique(clip: Path, tmp_path: Path) -> None:
    other = make_clip(tmp_path / "other.mp4", seconds=2, seed=1)
    assert clip.read_bytes() != other.read_bytes()


@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01T00:00:00+14:00",  # before the calendar's first instant in UTC: was 500
        "9999-12-31T23:59:59-14:00",  # after its last: was 500
        "94190401",  # a number, taken as seconds since 1970
        "1700000000",
        "2026-11-24",  # a date says no time and no zone
        "2026-11-24T08:00:00",  # a time without its zone
    ],
)
def test_timestamps_outside_the_calendar_or_without_a_zone_are_422(
    api: httpx.Client, value: str
) -> None:
    for name in ("start", "end"):
        response = api.get("/api/v1/evidence", params={name: value})
        assert response.status_code == 422, (name, value, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    assert api.get("/api/v1/evidence", params={"start": "2026-11-24T08:00:00Z"}).status_code == 200
