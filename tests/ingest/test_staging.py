"""The staged `.part` file: what write-behind hands to the disk early is exactly what was written,
and a truncation to an acknowledged offset below it still wins."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from openbwv.ingest.staging import WRITE_BEHIND, PartFile


def _write(part: PartFile, data: bytes, block: int = 1024 * 1024) -> None:
    for start in range(0, len(data), block):
        part.write([data[start : start + block]])


def test_write_behind_keeps_every_byte_and_tracks_what_it_handed_over(tmp_path: Path) -> None:
    data = os.urandom(3 * WRITE_BEHIND + 12345)
    part = PartFile(tmp_path / "u.part")
    try:
        part.truncate(0)
        _write(part, data)
        part.sync()
        assert part.position == len(data)
        assert part.handed_to == 3 * WRITE_BEHIND  # whole windows only; the tail stays cached
        assert part.rehash(len(data)).hexdigest() == hashlib.sha256(data).hexdigest()
    finally:
        part.close()
    assert (tmp_path / "u.part").read_bytes() == data


def test_truncating_below_the_handed_over_bytes_then_resuming_gives_the_new_bytes(
    tmp_path: Path,
) -> None:
    """A request that wrote (and handed to the disk) bytes it never acknowledged: the next one
    truncates to the acknowledged offset and writes from there, as after a dropped PATCH."""
    acknowledged = WRITE_BEHIND + 5
    first, second = os.urandom(3 * WRITE_BEHIND), os.urandom(2 * WRITE_BEHIND + 7)
    part = PartFile(tmp_path / "u.part")
    try:
        part.truncate(0)
        _write(part, first)
        part.truncate(acknowledged)
        assert part.position == part.handed_to == acknowledged
        _write(part, second)
        part.sync()
        assert part.handed_to == acknowledged + 2 * WRITE_BEHIND
    finally:
        part.close()
    assert (tmp_path / "u.part").read_bytes() == first[:acknowledged] + second
