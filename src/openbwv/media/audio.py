"""A recording's sound as 16 kHz mono samples, in blocks, for speech recognition.

Decoding streams (PyAV): a long recording is never held whole in memory. `blocks` yields the
sound in blocks of about `seconds`, each cut at the quietest moment near its end so that a word is
rarely split between two blocks; the cuts depend only on the sound, so decoding again (after a
crash) gives the same blocks, and `start` skips the blocks already done.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from openbwv.media.errors import MediaError

RATE = 16_000
SEARCH_SECONDS = 5.0  # a block ends at the quietest 100 ms of its last five seconds
_WINDOW = RATE // 10


@dataclass(frozen=True)
class Block:
    first: int  # index of its first sample in the recording
    samples: np.ndarray  # float32, mono, 16 kHz

    @property
    def start(self) -> float:
        return self.first / RATE

    @property
    def end_sample(self) -> int:
        return self.first + len(self.samples)


def has_audio(path: Path) -> bool:
    try:
        with av.open(str(path)) as container:
            return bool(container.streams.audio)
    except av.FFmpegError:
        return False


def _decoded(path: Path) -> Iterator[np.ndarray]:
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                return
            stream = container.streams.audio[0]
            resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    yield out.to_ndarray().reshape(-1)
            for out in resampler.resample(None):
                yield out.to_ndarray().reshape(-1)
    except av.FFmpegError as exc:
        raise MediaError(f"could not decode the sound of {path.name}: {exc}") from exc


def quiet_cut(samples: np.ndarray, search: int) -> int:
    """Where to end a block: the start of the quietest 100 ms window in its last `search`
    samples (the whole block when it is shorter than that)."""
    if len(samples) <= search or search < _WINDOW:
        return len(samples)
    tail = samples[len(samples) - search :]
    count = len(tail) // _WINDOW
    energy = (tail[: count * _WINDOW].reshape(count, _WINDOW) ** 2).mean(axis=1)
    quietest = int(np.argmin(energy))
    return len(samples) - search + quietest * _WINDOW + _WINDOW // 2


def blocks(path: Path, seconds: float, start: int = 0) -> Iterator[Block]:
    """The sound in blocks of about `seconds` (never more), from the first block whose first
    sample is at or after `start` (a block boundary an earlier decode reported)."""
    size = int(seconds * RATE)
    search = int(min(SEARCH_SECONDS, seconds / 4) * RATE)
    pending: list[np.ndarray] = []
    held = 0
    position = 0  # samples before pending[0]
    for piece in _decoded(path):
        pending.append(piece)
        held += len(piece)
        while held >= size:
            buffer = np.concatenate(pending)
            cut = quiet_cut(buffer[:size], search)
            block = Block(position, buffer[:cut])
            if block.first >= start:
                yield block
            position += cut
            pending, held = [buffer[cut:]], len(buffer) - cut
    if held:
        block = Block(position, np.concatenate(pending))
        if block.first >= start:
            yield block
