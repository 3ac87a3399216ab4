"""Media adapter benchmark: probe + poster + scrubbing strip of a 60 s 720p clip.

Run: ``.venv/bin/python bench/media_bench.py``. The physical limit measured in the same run is a
plain demux pass over the same file (every packet read, nothing decoded): any per-clip work has to
read at least the container's index, and the demux pass bounds what "just reading it" costs.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import av

from openbwv.media import poster_frame, probe, thumbnail_strip
from openbwv.media.synth import make_clip

SECONDS = 60
WIDTH, HEIGHT, FPS = 1280, 720, 25
REPEATS = 5


def _best(fn: Callable[[], object]) -> tuple[float, float]:
    """(best, median) wall time of ``REPEATS`` runs, in seconds."""
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def _demux_pass(path: Path) -> int:
    count = 0
    with av.open(str(path)) as container:
        for packet in container.demux():
            count += packet.size > 0
    return count


def _probe_and_thumbnails(path: Path) -> None:
    result = probe(path)
    assert result.readable, result.error
    poster_frame(path)
    thumbnail_strip(path, count=10, tile_width=160)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bwv-media-bench-") as tmp:
        path = Path(tmp) / "bench.mp4"
        start = time.perf_counter()
        make_clip(
            path,
            seconds=SECONDS,
            width=WIDTH,
            height=HEIGHT,
            fps=FPS,
            container="mp4",
            video_codec="h264",
            audio_codec="aac",
            label="BENCH-0001",
            start_time=datetime(2026, 11, 24, 8, 0, 0, tzinfo=UTC),
            seed=1,
        )
        made = time.perf_counter() - start
        size_mb = path.stat().st_size / 1e6
        print(
            f"clip: {SECONDS} s {WIDTH}x{HEIGHT} {FPS} fps h264/aac, {size_mb:.1f} MB "
            f"(generated in {made:.1f} s)"
        )
        minutes = SECONDS / 60
        parts = {
            "probe": lambda: probe(path),
            "poster": lambda: poster_frame(path),
            "strip (10 tiles)": lambda: thumbnail_strip(path, count=10, tile_width=160),
        }
        for name, fn in parts.items():
            best, median = _best(fn)
            print(f"  {name:<18} best {best * 1000:7.1f} ms  median {median * 1000:7.1f} ms")
        work, work_median = _best(lambda: _probe_and_thumbnails(path))
        packets = _demux_pass(path)
        demux, demux_median = _best(lambda: _demux_pass(path))
        print(
            f"probe+thumbnails: {work / minutes:.3f} s per clip-minute "
            f"(median {work_median / minutes:.3f})"
        )
        print(
            f"demux-only pass (physical limit, {packets} packets, no decoding): "
            f"{demux / minutes:.3f} s per clip-minute (median {demux_median / minutes:.3f})"
        )
        print(f"ratio probe+thumbnails / demux pass: {work / demux:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
