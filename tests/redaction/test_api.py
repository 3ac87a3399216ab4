"""The redaction API end to end, with the real worker: detection and tracking of a generated
clip's moving face and plate, decisions with reasons (refused without), a box drawn by hand, a
muted range, the render (refused while tracks are undecided) with progress, the redacted copy
served with ranges and obscured in every frame, the redaction log, the original's hash
unchanged, every step in the item's audit trail; bad input answers problem details, and only
those who may redact the item reach any of it."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from openbwv.db.session import unit_of_work
from openbwv.media.redaction import video
from openbwv.redaction import queries
from openbwv.storage.factory import originals
from tests.redaction.helpers import detail, rms, scene_clip
from tests.support import factories
from tests.support.stack import Stack
from tests.support.waiting import wait_until

BOROUGH = "E09000033"
PROBLEM = "application/problem+json"


def _client(live_server: str, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=live_server, headers={"Authorization": f"Bearer {token}"}, timeout=60
    )


@pytest.fixture(scope="module")
def world(
    stack: Stack, live_server: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    team = f"R-{uuid.uuid4().hex[:6]}"
    officer = stack.user("officer", borough=BOROUGH, team=team)
    scene, path = scene_clip(tmp_path_factory.mktemp("redaction-api") / "scene.mp4")
    content = path.read_bytes()
    item = factories.item(officer, stored=True, content=content, duration=1.6)
    redactor = stack.user("disclosure_officer", borough=BOROUGH, team=team)
    viewer = stack.user("investigator", borough=BOROUGH, team=team)
    outsider = stack.user("disclosure_officer", borough="E09000001")
    clients = {
        name: _client(live_server, stack.user_token(user))
        for name, user in (("redactor", redactor), ("viewer", viewer), ("outsider", outsider))
    }
    base = f"/api/v1/evidence/{item}/redactions"
    started = clients["redactor"].post(base, json={"detect_every": 2, "plate_every": 8})
    assert started.status_code == 202, started.text
    rid = started.json()["id"]
    url = f"{base}/{rid}"
    wait_until(
        lambda: clients["redactor"].get(url).json()["status"] in ("ready", "failed"),
        timeout=180,
        what="detection and tracking",
    )
    yield {
        "item": item,
        "sha256": hashlib.sha256(content).hexdigest(),
        "scene": scene,
        "url": url,
        "base": base,
        "officer": officer,
        "redactor_user": redactor,
        **clients,
    }
    for client in clients.values():
        client.close()


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    return body


def test_detection_finds_the_face_and_the_plate_as_tracks(world: dict[str, Any]) -> None:
    redactor, url = world["redactor"], world["url"]
    got = redactor.get(url).json()
    assert got["status"] == "ready", got["error"]
    assert got["video"]["frames"] == world["scene"].frames
    assert {m["kind"] for m in got["provenance"]} == {"face", "plate"}
    assert all(len(m["weights_sha256"]) == 64 for m in got["provenance"])
    tracks = redactor.get(f"{url}/tracks").json()
    kinds = sorted(t["kind"] for t in tracks)
    assert kinds == ["face", "plate"], kinds
    face = next(t for t in tracks if t["kind"] == "face")
    assert face["thumbnail"].startswith("data:image/jpeg;base64,")
    assert len(face["boxes"]) == world["scene"].frames  # every frame covered
    assert face["decision"] is None
    waveform = redactor.get(f"{url}/waveform").json()
    assert len(waveform["peaks"]) >= 30 and max(waveform["peaks"]) > 0.3


def test_bad_input_answers_problem_details(world: dict[str, Any]) -> None:
    redactor, url, base = world["redactor"], world["url"], world["base"]
    _problem(redactor.post(base, json={"faces": False, "plates": False}), 422)
    _problem(redactor.post(base, json={"detect_every": 0}), 422)
    track = redactor.get(f"{url}/tracks", params={"boxes": "false"}).json()[0]
    _problem(redactor.put(f"{url}/tracks/{track['id']}", json={"decision": "redact"}), 422)
    other = {"decision": "keep", "reason": "other"}
    _problem(redactor.put(f"{url}/tracks/{track['id']}", json=other), 422)
    _problem(redactor.put(f"{url}/tracks/{uuid.uuid4()}", json={**other, "reason_text": "x"}), 404)
    backwards = {"start_seconds": 1.0, "end_seconds": 0.5, "reason": "victim"}
    _problem(redactor.post(f"{url}/audio", json=backwards), 422)
    undecided = _problem(redactor.post(f"{url}/render"), 409)
    assert len(undecided["undecided"]) >= 2
    _problem(redactor.get(f"{url}/video"), 404)
    _problem(redactor.get(f"{base}/{uuid.uuid4()}"), 404)
    _problem(redactor.get(f"{base}/not-an-id"), 404)


def test_only_those_who_may_redact_the_item_reach_its_redactions(world: dict[str, Any]) -> None:
    for path in ("", "/tracks", "/log", "/video", "/render", "/audio"):
        assert world["viewer"].get(f"{world['url']}{path}").status_code == 403, path
        assert world["outsider"].get(f"{world['url']}{path}").status_code == 404, path
    assert world["viewer"].post(f"{world['url']}/render").status_code == 403
    assert world["outsider"].post(world["base"], json={}).status_code == 404


def _render(world: dict[str, Any]) -> dict[str, Any]:
    redactor, url = world["redactor"], world["url"]
    tracks = redactor.get(f"{url}/tracks", params={"boxes": "false"}).json()
    face = next(t for t in tracks if t["kind"] == "face")
    plate = next(t for t in tracks if t["kind"] == "plate")
    decided = redactor.put(
        f"{url}/tracks/{face['id']}",
        json={"decision": "redact", "style": "blur", "reason": "third_party"},
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["decided_by"]
    kept = {"decision": "keep", "reason": "other", "reason_text": "the requester's own car"}
    assert redactor.put(f"{url}/tracks/{plate['id']}", json=kept).status_code == 200
    drawn = redactor.post(
        f"{url}/tracks",
        json={
            "keyframes": [{"frame": 0, "x": 560, "y": 10, "w": 60, "h": 40}],
            "last_frame": 20,
            "style": "solid",
            "reason": "victim",
        },
    )
    assert drawn.status_code == 201, drawn.text
    assert drawn.json()["last_frame"] == 20 and drawn.json()["decision"] == "redact"
    muted = {"start_seconds": 0.4, "end_seconds": 0.8, "reason": "vulnerable_person"}
    assert redactor.post(f"{url}/audio", json=muted).status_code == 201
    started = redactor.post(f"{url}/render")
    assert started.status_code == 202, started.text
    return wait_until(
        lambda: (s := redactor.get(f"{url}/render").json())["status"] == "rendered" and s,
        timeout=120,
        what="the render",
    )


@pytest.fixture(scope="module")
def rendered(world: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    status = _render(world)
    copy = world["redactor"].get(f"{world['url']}/video")
    assert copy.status_code == 200
    path = tmp_path_factory.mktemp("redacted") / "copy.mp4"
    path.write_bytes(copy.content)
    return {"status": status, "path": path, "bytes": copy.content}


def test_the_rendered_copy_hides_the_face_in_every_frame_and_keeps_the_plate(
    world: dict[str, Any], rendered: dict[str, Any]
) -> None:
    scene = world["scene"]
    assert rendered["status"]["progress"] == 1.0
    assert hashlib.sha256(rendered["bytes"]).hexdigest() == rendered["status"]["render_sha256"]
    with originals().local_copy(world["sha256"]) as source:
        before = list(video.frames(Path(source)))
    after = list(video.frames(rendered["path"]))
    assert len(after) == scene.frames
    for index, (was, now) in enumerate(zip(before, after, strict=True)):
        face, plate = scene.faces[0][index], scene.plates[0][index]
        assert detail(now, face) < 0.15 * detail(was, face), f"face in frame {index}"
        assert detail(now, plate) > 0.6 * detail(was, plate), f"kept plate in frame {index}"
        drawn = now[10:50, 560:620]
        assert (drawn.max() < 40) == (index <= 20), f"drawn box in frame {index}"
    assert rms(rendered["path"], 0.45, 0.75) < 0.002
    assert rms(rendered["path"], 0.1, 0.35) > 0.2


def test_the_copy_is_served_with_ranges(world: dict[str, Any], rendered: dict[str, Any]) -> None:
    part = world["redactor"].get(f"{world['url']}/video", headers={"Range": "bytes=10-109"})
    assert part.status_code == 206
    assert part.content == rendered["bytes"][10:110]
    assert part.headers["content-range"] == f"bytes 10-109/{len(rendered['bytes'])}"
    head = world["redactor"].head(f"{world['url']}/video")
    assert head.status_code == 200 and head.headers["content-length"] == str(len(rendered["bytes"]))


def test_the_log_says_who_decided_what_for_which_frames_and_why(
    world: dict[str, Any], rendered: dict[str, Any]
) -> None:
    log = world["redactor"].get(f"{world['url']}/log").json()
    assert log["original_sha256"] == world["sha256"]
    assert log["rendered"]["sha256"] == rendered["status"]["render_sha256"]
    assert log["rendered"]["original_sha256_checked"] == world["sha256"]
    reasons = {t["kind"]: (t["decision"], t["reason"]) for t in log["tracks"]}
    assert reasons == {
        "face": ("redact", "third_party"),
        "plate": ("keep", "other"),
        "manual": ("redact", "victim"),
    }
    assert all(t["decided_by"] and t["frames"][1] >= t["frames"][0] for t in log["tracks"])
    assert log["audio_ranges"][0]["reason"] == "vulnerable_person"
    assert {m["package"] for m in log["detection"]["models"]} >= {"rapidocr-onnxruntime"}


def test_the_original_is_untouched_and_every_step_is_audited(
    world: dict[str, Any], rendered: dict[str, Any]
) -> None:
    assert originals().rehash(world["sha256"]) == world["sha256"]
    with unit_of_work() as session:
        latest = queries.latest_render(session, world["item"])
    assert latest is not None and latest.video_sha256 == rendered["status"]["render_sha256"]
    trail = world["redactor"].get(f"/api/v1/evidence/{world['item']}/audit").json()
    actions = {e["event"]["action"] for e in trail["events"] + trail["pending"]}
    expected = {"redaction.start", "redaction.detected", "redaction.decide"}
    expected |= {"redaction.track.add", "redaction.audio", "redaction.render"}
    expected |= {"redaction.rendered", "redaction.play", "redaction.view"}
    assert expected <= actions, expected - actions


def test_a_redacted_package_carries_the_copy_and_its_log_instead_of_the_original(
    world: dict[str, Any], rendered: dict[str, Any], tmp_path: Path
) -> None:
    unredacted = factories.item(world["officer"], stored=True)
    case_id = factories.case(
        world["officer"], [(world["redactor_user"], "member")], [world["item"], unredacted]
    )
    response = world["redactor"].post(
        f"/api/v1/cases/{case_id}/packages", json={"copies": "redacted", "recipient": "Public"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["x-package-withheld"] == "1"
    package = tmp_path / "package.zip"
    package.write_bytes(response.content)
    with zipfile.ZipFile(package) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
        item = str(world["item"])
        copy = archive.read(f"items/{item}/redacted.mp4")
        log = json.loads(archive.read(f"items/{item}/redaction-log.json"))
        archive.extractall(tmp_path / "unpacked")
    assert not [n for n in names if "/original/" in n or n.endswith("playback.mp4")]
    assert hashlib.sha256(copy).hexdigest() == rendered["status"]["render_sha256"]
    assert log["original_sha256"] == world["sha256"]
    (entry,) = manifest["items"]
    assert entry["files"]["redacted"] == f"items/{item}/redacted.mp4"
    assert entry["redaction"]["sha256"] == rendered["status"]["render_sha256"]
    assert entry["original_sha256"] == world["sha256"]
    checked = subprocess.run(
        [sys.executable, str(tmp_path / "unpacked" / "verify.py"), str(package)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
