"""Redaction benchmark: recall, false alarms and speed at 720p, side by side with deface.

Run: ``.venv/bin/python bench/redaction_bench.py [--scenes N]``. The evaluation is built now from
real faces that scikit-image ships (its astronaut, and faces of its Labeled Faces in the Wild
subset) and rendered UK-style plates, composited into 1280×720 frames at several sizes and
angles, each moving across its scene, with known boxes; plus face-free frames for false alarms.

* **ours**: faces by yuface (libfacedetection) on every 2nd frame, tracked with norfair,
  interpolated, padded and carried; plates by rapidocr's PP-OCRv4 on every 4th frame, tracked.
* **deface 1.5.0** on the same frames in the same run, as it works: CenterFace on every frame at
  its default threshold (0.2) and mask scale (1.3), no tracking.

A face (or plate) counts as found only if every one of its frames is covered: the box obscured
in that frame (padded as the renderer pads it) covers at least 80% of the true box. False alarms
are boxes in the face-free frames. Speed is frames per second of detection (and tracking) on
this machine; the render of the same frames is timed against their length (× real time).
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from openbwv.media.redaction import detectors, render, scenes, tracking
from openbwv.media.redaction.boxes import Box, Track

WIDTH, HEIGHT, FPS = 1280, 720, 25
FRAMES_PER_SCENE = 10
FACE_FREE_FRAMES = 10
PADDING = 0.15  # the renderer's default
DEFACE_SCALE = 1.3  # deface's default mask scale
COVERED = 0.8
FACE_SIZES = (48, 72, 110, 170, 240)  # the face's width in pixels
ANGLES = (0.0, 12.0, -18.0)
PLATE_HEIGHTS = (26, 34, 46)
LETTERS = "ABCDEFGHJKLMNOPRSTUVWXY"  # no I, Q, Z in the first two, as the DVLA issues them


@dataclass
class Scene:
    frames: list[np.ndarray] = field(default_factory=list)
    faces: list[dict[int, tuple[int, int, int, int]]] = field(default_factory=list)
    plates: list[dict[int, tuple[int, int, int, int]]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)


def _registration(rng: np.random.Generator) -> str:
    pick = lambda n: "".join(rng.choice(list(LETTERS), n))  # noqa: E731
    return f"{pick(2)}{rng.integers(51, 75)} {pick(3)}"


def _face_patch(index: int, width: int, angle: float) -> tuple[np.ndarray, tuple[int, ...]]:
    """A head patch (BGR) and where the face lies in it."""
    if index % 3 == 2:  # a face from LFW (grey, tight): enlarged with some surround
        face = scenes.lfw_faces()[index * 7 % 100]
        face = cv2.copyMakeBorder(face, 8, 8, 8, 8, cv2.BORDER_REPLICATE)
        scale = width / 25
        patch = cv2.resize(face, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
        inner = (
            round(8 * scale + 2 * scale),
            round(8 * scale),
            round(21 * scale),
            round(25 * scale),
        )
    else:
        head = scenes.astronaut_head()
        fx, fy, fw, fh = scenes.ASTRONAUT_FACE
        scale = width / fw
        patch = cv2.resize(head, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        inner = (round(fx * scale), round(fy * scale), round(fw * scale), round(fh * scale))
    return scenes.rotated(patch, angle), inner


def build(count: int, seed: int = 7) -> tuple[list[Scene], list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    made = []
    for index in range(count):
        width = FACE_SIZES[index % len(FACE_SIZES)]
        angle = ANGLES[index % len(ANGLES)]
        patch, (ix, iy, iw, ih) = _face_patch(index, width, angle)
        text = _registration(rng)
        sign = scenes.plate(text, PLATE_HEIGHTS[index % len(PLATE_HEIGHTS)], rear=index % 2 == 0)
        backdrop = scenes.background(WIDTH, HEIGHT, seed=index)
        scene = Scene(faces=[{}], plates=[{}], texts=[text])
        x0, y0 = rng.integers(40, WIDTH // 2), rng.integers(20, HEIGHT // 3)
        dx, dy = rng.integers(-12, 13), rng.integers(-6, 7)
        px, py = rng.integers(WIDTH // 2, WIDTH - sign.shape[1] - 40), rng.integers(430, 640)
        for n in range(FRAMES_PER_SCENE):
            frame = backdrop.copy()
            hx, hy = int(x0 + dx * n), int(y0 + dy * n + 4 * math.sin(n / 2))
            scenes.paste(frame, patch, hx, hy)
            scene.faces[0][n] = (hx + ix, hy + iy, iw, ih)
            scene.plates[0][n] = scenes.paste(frame, sign, int(px - 6 * n), int(py))
            scene.frames.append(frame)
        made.append(scene)
    free = [scenes.background(WIDTH, HEIGHT, seed=1000 + n) for n in range(FACE_FREE_FRAMES)]
    return made, free


def _covered(box: tuple[int, int, int, int], obscured: list[tuple[int, int, int, int]]) -> bool:
    x, y, w, h = box
    mask = np.zeros((h, w), dtype=bool)
    for x0, y0, x1, y1 in obscured:
        mask[max(0, y0 - y) : max(0, y1 - y), max(0, x0 - x) : max(0, x1 - x)] = True
    return bool(mask.mean() >= COVERED) if mask.size else False


def _ours(scene: Scene, face: Any, plate: Any) -> tuple[list[Track], float]:
    start = time.perf_counter()
    found = tracking.track_frames(
        scene.frames,
        [
            (face, tracking.Settings(every=2, carry=6)),
            (plate, tracking.Settings(every=4, carry=8)),
        ],
    )
    return found.tracks, time.perf_counter() - start


def _per_frame(frames: list[np.ndarray], detector: Any) -> tuple[list[list[Box]], float]:
    start = time.perf_counter()
    found = [detector.detect(frame) for frame in frames]
    return found, time.perf_counter() - start


def _recall(truths: list[dict[int, Any]], obscured: list[list[tuple[int, ...]]]) -> int:
    return sum(all(_covered(box, obscured[n]) for n, box in t.items()) for t in truths)  # type: ignore[arg-type]


def _obscured_by_tracks(tracks: list[Track], kind: str, frames: int) -> list[list[Any]]:
    table: list[list[Any]] = [[] for _ in range(frames)]
    for track in tracks:
        if track.kind != kind:
            continue
        for n, box in track.boxes.items():
            if n < frames:
                table[n].append(box.padded(PADDING, WIDTH, HEIGHT))
    return table


def _deface_boxes(found: list[list[Box]]) -> list[list[Any]]:
    grow = (DEFACE_SCALE - 1) / 2
    return [[b.padded(grow, WIDTH, HEIGHT) for b in frame] for frame in found]


def _render_speed(scene_frames: list[np.ndarray], tracks: list[Track]) -> tuple[float, float]:
    """(× real time of the render with these tracks obscured in every frame, × real time of a
    plain decode and re-encode of the same clip: the bound the render cannot beat)."""
    with tempfile.TemporaryDirectory(prefix="bwv-redaction-bench-") as tmp:
        source = scenes.write_clip(Path(tmp) / "in.mp4", scene_frames, FPS)
        frames = len(scene_frames)
        spread = [
            Track(t.kind, {n: next(iter(t.boxes.values())) for n in range(frames)}) for t in tracks
        ]
        done = render.render(
            source, Path(tmp) / "out.mp4", render.Spec([render.Region(t) for t in spread])
        )
        plain = render.render(source, Path(tmp) / "plain.mp4", render.Spec())
    return done.seconds / done.elapsed, plain.seconds / plain.elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenes", type=int, default=6)
    args = parser.parse_args()
    built, free = build(args.scenes)
    frames = sum(len(s.frames) for s in built)
    print(
        f"{args.scenes} scenes × {FRAMES_PER_SCENE} frames at {WIDTH}×{HEIGHT}, one face "
        f"({'/'.join(map(str, FACE_SIZES))} px wide, {len(ANGLES)} angles) and one plate each;"
        f" {len(free)} face-free frames"
    )
    ours_face, ours_plate = detectors.face_detector(), detectors.OcrPlates()
    deface = detectors.CenterFaceDetector(threshold=0.2)
    ours_face.detect(free[0]), deface.detect(free[0]), ours_plate.detect(free[0])  # warm up
    totals: dict[str, Any] = {"ours": [0, 0, 0.0], "deface": [0, 0, 0.0]}
    every_track: list[Track] = []
    for scene in built:
        tracks, spent = _ours(scene, ours_face, ours_plate)
        every_track += tracks
        n = len(scene.frames)
        totals["ours"][0] += _recall(scene.faces, _obscured_by_tracks(tracks, "face", n))
        totals["ours"][1] += _recall(scene.plates, _obscured_by_tracks(tracks, "plate", n))
        totals["ours"][2] += spent
        found, spent = _per_frame(scene.frames, deface)
        totals["deface"][0] += _recall(scene.faces, _deface_boxes(found))
        totals["deface"][2] += spent
    false_faces = {
        "ours": sum(len(ours_face.detect(f)) for f in free),
        "deface": sum(len(deface.detect(f)) for f in free),
    }
    false_plates = sum(len(ours_plate.detect(f)) for f in free)
    read = sum(
        any(text.replace(" ", "") == t for _b, t in ours_plate.read(s.frames[0]))
        for s in built
        for text in s.texts
    )
    face_only = [detectors.face_detector()]
    _found, spent = _per_frame([f for s in built for f in s.frames], face_only[0])
    speed, bound = _render_speed([f for s in built[:3] for f in s.frames], every_track[:2])
    results = {
        "frames": frames,
        "faces": args.scenes,
        "plates": args.scenes,
        "ours": {
            "face_recall": totals["ours"][0] / args.scenes,
            "plate_recall": totals["ours"][1] / args.scenes,
            "fps_faces_and_plates": frames / totals["ours"][2],
            "fps_faces_every_frame": frames / spent,
            "false_faces_per_frame": false_faces["ours"] / len(free),
            "false_plates_per_frame": false_plates / len(free),
            "plates_read_exactly": f"{read}/{args.scenes}",
        },
        "deface": {
            "face_recall": totals["deface"][0] / args.scenes,
            "fps_faces": frames / totals["deface"][2],
            "false_faces_per_frame": false_faces["deface"] / len(free),
        },
        "render_x_real_time": speed,
        "reencode_x_real_time": bound,
        "models": [d.provenance().to_dict() for d in (ours_face, ours_plate, deface)],
    }
    o, d = results["ours"], results["deface"]
    print(
        f"faces  ours   recall {o['face_recall']:.2f}  false/frame "
        f"{o['false_faces_per_frame']:.2f}  (detection on every frame alone: "
        f"{o['fps_faces_every_frame']:.1f} fps)"
    )
    print(
        f"faces  deface recall {d['face_recall']:.2f}  false/frame "
        f"{d['false_faces_per_frame']:.2f}  {d['fps_faces']:.1f} fps"
    )
    print(
        f"plates ours   recall {o['plate_recall']:.2f}  false/frame "
        f"{o['false_plates_per_frame']:.2f}  read exactly {o['plates_read_exactly']}"
    )
    print(f"ours, faces and plates tracked: {o['fps_faces_and_plates']:.1f} fps at 720p")
    print(
        f"render at 720p, two boxes in every frame: {speed:.2f}× real time; plain decode and "
        f"re-encode of the same clip (the bound): {bound:.2f}× ({speed / bound:.2f} of it)"
    )
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    (out / "redaction.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
