"""Transcription accuracy and speed on speech generated here, against the issue's aims.

Run: ``.venv/bin/python bench/transcription_bench.py [--phrases 6] [--voices all]
[--silence 60]`` (``make bench`` runs it with the defaults, about two minutes on two cores).

The evaluation set is made on the spot: police phrases (the caution, names, addresses, vehicle
registrations in the phonetic alphabet, times) read by Debian's espeak-ng in five UK voices
(en-gb, en-gb-scotland, en-gb-x-rp, en-gb-x-gbclan, en-gb-x-gbcwmd) and by flite (awb, a
Scottish voice), each clean and with white noise at 10 dB SNR, with stretches of street noise
between the phrases. The engine is the platform's (`openbwv.transcription.engines`: faster-whisper
with the packaged Whisper base, int8 on the CPU, Silero VAD first), fed the blocks the job
feeds it.

Figures: word error rate per voice and condition (jiwer, after the same normalisation of both
sides: lower case, no punctuation, number words as digits, digits one by one); words invented
over silence and street noise (a separate clip of nothing but those, and any word timed inside a
pause between phrases) — must be 0; real-time factor (seconds of compute per second of sound)
on this machine. Aims: WER <= 10% on clean speech, no invented words, faster than real time.
"""

from __future__ import annotations

import argparse
import io
import re
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import jiwer
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from openbwv.speech import faster
from openbwv.speech.engine import SAMPLE_RATE, Engine

PHRASES = [
    "You do not have to say anything but it may harm your defence if you do not mention when "
    "questioned something which you later rely on in court",
    "I am arresting you on suspicion of assault",
    "The vehicle registration is alpha bravo one two charlie delta echo",
    "She said her name is Sarah Jones and she lives on Victoria Road",
    "Control this is bravo two we are attending a disturbance outside the station",
    "The suspect is a white male wearing a dark jacket and blue jeans",
    "It happened at about ten past nine this evening",
    "Anything you do say may be given in evidence",
    "Can you tell me what happened tonight in your own words",
    "I need an ambulance to the high street near the bus stop",
]
ESPEAK = ["en-gb", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan", "en-gb-x-gbcwmd"]
FLITE = ["awb"]
PAUSE = 2.0  # seconds of street noise between phrases
NUMBERS = dict(
    zip(
        ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"],
        [str(n) for n in range(11)],
        strict=True,
    )
)
CLEAN_WER_AIM = 0.10


def _wav(data: bytes) -> np.ndarray:
    with wave.open(io.BytesIO(data)) as reader:
        rate = reader.getframerate()
        raw = np.frombuffer(reader.readframes(reader.getnframes()), dtype=np.int16)
    samples = raw.astype(np.float32) / 32768.0
    positions = np.arange(0, len(samples) * SAMPLE_RATE // rate) * rate / SAMPLE_RATE
    return np.interp(positions, np.arange(len(samples)), samples).astype(np.float32)


def speak(text: str, voice: str, scratch: Path) -> np.ndarray:
    if voice in FLITE:
        target = scratch / "flite.wav"
        subprocess.run(["flite", "-voice", voice, "-t", text, "-o", str(target)], check=True)
        return _wav(target.read_bytes())
    out = subprocess.run(
        ["espeak-ng", "-v", voice, "-s", "150", "--stdout", text], check=True, capture_output=True
    ).stdout
    return _wav(out)


def street_noise(seconds: float, level: float, rng: np.random.Generator) -> np.ndarray:
    white = rng.normal(0, 1, int(seconds * SAMPLE_RATE)).astype(np.float32)
    smooth = np.convolve(white, np.ones(24, dtype=np.float32) / 24, mode="same")
    return (smooth / (np.abs(smooth).max() or 1.0) * level).astype(np.float32)


def with_noise(samples: np.ndarray, snr_db: float, rng: np.random.Generator) -> np.ndarray:
    power = float(np.mean(samples**2)) or 1e-9
    noise = rng.normal(0, np.sqrt(power / 10 ** (snr_db / 10)), len(samples))
    return (samples + noise).astype(np.float32)


def normalise(text: str) -> str:
    words = re.sub(r"[^\w\s']", " ", text.lower()).split()
    digits = [NUMBERS.get(w, w) for w in words]
    spread = [" ".join(w) if any(c.isdigit() for c in w) else w for w in digits]
    return " ".join(spread)


def transcribe(engine: Engine, samples: np.ndarray, block: float = 300) -> tuple[list, float]:  # type: ignore[type-arg]
    size = int(block * SAMPLE_RATE)
    words, began = [], time.perf_counter()
    for first in range(0, len(samples), size):
        result = engine.transcribe(samples[first : first + size], offset=first / SAMPLE_RATE)
        words += [w for s in result.segments for w in s.words]
    return words, time.perf_counter() - began


def one_condition(
    engine: Engine, voice: str, phrases: list[str], snr: float | None, scratch: Path
) -> dict[str, float]:
    rng = np.random.default_rng(abs(hash((voice, snr))) % 2**32)
    pieces, spans, at = [street_noise(PAUSE, 0.02, rng)], [], PAUSE
    for phrase in phrases:
        spoken = speak(phrase, voice, scratch)
        if snr is not None:
            spoken = with_noise(spoken, snr, rng)
        pieces.append(spoken)
        spans.append((at, at + len(spoken) / SAMPLE_RATE))
        at += len(spoken) / SAMPLE_RATE
        pieces.append(street_noise(PAUSE, 0.02, rng))
        at += PAUSE
    sound = np.concatenate(pieces)
    words, seconds = transcribe(engine, sound)
    heard = " ".join(w.word for w in words)
    invented = sum(
        1 for w in words if not any(a - 0.5 <= w.start and w.end <= b + 0.5 for a, b in spans)
    )
    wer = jiwer.wer(normalise(" ".join(phrases)), normalise(heard) or "-")
    return {"wer": wer, "invented": invented, "audio": len(sound) / SAMPLE_RATE, "compute": seconds}


def silence_only(engine: Engine, seconds: float) -> int:
    rng = np.random.default_rng(5)
    third = seconds / 3
    sound = np.concatenate(
        [
            np.zeros(int(third * SAMPLE_RATE), dtype=np.float32),
            street_noise(third, 0.05, rng),
            (rng.normal(0, 0.01, int(third * SAMPLE_RATE))).astype(np.float32),
        ]
    )
    words, _ = transcribe(engine, sound)
    return len(words)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phrases", type=int, default=6)
    parser.add_argument("--voices", default="all", help="comma-separated, or all")
    parser.add_argument("--silence", type=float, default=60.0, help="seconds of silence/noise")
    args = parser.parse_args()
    voices = ESPEAK + FLITE if args.voices == "all" else args.voices.split(",")
    phrases = PHRASES[: args.phrases]
    with tempfile.TemporaryDirectory(prefix="bwv-asr-bench-") as scratch:
        began = time.perf_counter()
        engine = faster.packaged(Path(scratch) / "models")
        print(
            f"model {engine.model.name} {engine.model.version} ({engine.model.licence}) "
            f"sha256 {engine.model.sha256[:16]}…, loaded in {time.perf_counter() - began:.1f} s"
        )
        rows, audio, compute, invented = [], 0.0, 0.0, 0
        for voice in voices:
            for snr in (None, 10.0):
                got = one_condition(engine, voice, phrases, snr, Path(scratch))
                audio, compute = audio + got["audio"], compute + got["compute"]
                invented += int(got["invented"])
                label = "clean" if snr is None else f"{snr:.0f} dB"
                rows.append((voice, label, got["wer"]))
                print(
                    f"{voice:16} {label:6} WER {got['wer']:6.1%}  invented {got['invented']:.0f}  "
                    f"RTF {got['compute'] / got['audio']:.2f}",
                    flush=True,
                )
        over_silence = silence_only(engine, args.silence)
    clean = [w for _, label, w in rows if label == "clean"]
    noisy = [w for _, label, w in rows if label != "clean"]
    print(f"\nclean speech: mean WER {np.mean(clean):.1%} (aim <= {CLEAN_WER_AIM:.0%})")
    print(f"noise at 10 dB: mean WER {np.mean(noisy):.1%}")
    print(
        f"invented words: {over_silence} over {args.silence:.0f} s of silence and street noise, "
        f"{invented} in the pauses between phrases (aim: 0)"
    )
    print(f"real-time factor: {compute / audio:.2f} ({audio:.0f} s of sound in {compute:.0f} s)")


if __name__ == "__main__":
    main()
