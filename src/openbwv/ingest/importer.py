"""Bulk import of folders of recordings (MP4/MKV/MOV) with optional sidecar JSON metadata.

Sidecar: `clip.mp4.json` or `clip.json` beside the file, with the same keys as tus upload metadata
(`camera_serial`, `officer`, `recorded_start`, `recorded_end`, `sha256`, …) plus `gps_track`.
Re-running an import stores nothing twice: identical bytes are one original and one item.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openbwv.access.principal import Principal
from openbwv.config import Settings, get_settings
from openbwv.db.session import unit_of_work
from openbwv.evidence.recording_keys import upload_key
from openbwv.evidence.service import Arrival, NewOriginal, find_by_sha256, record_original
from openbwv.ingest import metadata as meta
from openbwv.storage.factory import originals

IMPORTER = Principal(id=uuid.UUID(int=1), name=f"cli:{getpass.getuser()}", kind="system")
VIDEO_SUFFIXES = {".mp4", ".mkv", ".mov", ".m4v"}
MAX_SIDECAR_BYTES = 256 * 1024
READ_CHUNK = 4 * 1024 * 1024


class ImportFailed(Exception):
    """A file that cannot be imported; the message says why."""


@dataclass
class ImportSummary:
    imported: list[tuple[Path, str]] = field(default_factory=list)
    duplicates: list[tuple[Path, str]] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)
    bytes_imported: int = 0


def discover(paths: Iterable[Path]) -> Iterator[Path]:
    """Files to import: every video file under each folder; explicit files as given."""
    for path in paths:
        if path.is_dir():
            for found in sorted(path.rglob("*")):
                if found.is_file() and found.suffix.lower() in VIDEO_SUFFIXES:
                    yield found
        elif path.is_file():
            yield path
        else:
            raise FileNotFoundError(f"{path}: no such file or folder")


def read_sidecar(path: Path) -> dict[str, Any]:
    for candidate in (path.with_name(path.name + ".json"), path.with_suffix(".json")):
        if candidate.is_file():
            if candidate.stat().st_size > MAX_SIDECAR_BYTES:
                raise ImportFailed(
                    f"sidecar {candidate.name} is larger than {MAX_SIDECAR_BYTES} bytes"
                )
            try:
                data = json.loads(candidate.read_text(encoding="utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise ImportFailed(f"sidecar {candidate.name} is not valid JSON: {exc}") from exc
            if not isinstance(data, dict):
                raise ImportFailed(f"sidecar {candidate.name} must hold a JSON object")
            return data
    return {}


def _gps_track(value: Any) -> list[Any] | None:
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > 100_000:
        raise ImportFailed("gps_track must be a list of [time, lat, lon] points")
    for point in value:
        ok = isinstance(point, list) and len(point) == 3
        if not ok or not all(isinstance(v, int | float) for v in point[1:]):
            raise ImportFailed("gps_track must be a list of [time, lat, lon] points")
        if not (-90 <= point[1] <= 90 and -180 <= point[2] <= 180):
            raise ImportFailed("gps_track has a point outside latitude/longitude bounds")
    return value


def _metadata(path: Path, sidecar: dict[str, Any]) -> tuple[meta.UploadMetadata, list[Any] | None]:
    strings = {
        key: (value if isinstance(value, str) or value is None else json.dumps(value))
        for key, value in sidecar.items()
        if key != "gps_track"
    }
    strings.setdefault("filename", path.name)
    try:
        info = meta.validate(strings)
    except meta.MetadataError as exc:
        raise ImportFailed(str(exc)) from exc
    return info, _gps_track(sidecar.get("gps_track"))


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(READ_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _read_chunks(path: Path, progress: Callable[[int], None]) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        while chunk := handle.read(READ_CHUNK):
            progress(len(chunk))
            yield chunk


def import_file(
    path: Path,
    *,
    principal: Principal = IMPORTER,
    source: str = "import",
    progress: Callable[[int], None] = lambda _n: None,
    settings: Settings | None = None,
) -> tuple[str, bool]:
    """Import one file; returns (evidence id, created)."""
    settings = settings or get_settings()
    info, track = _metadata(path, read_sidecar(path))
    store = originals(settings)
    if info.sha256:  # check the announced digest before anything is stored
        with unit_of_work(settings) as session:
            existing = find_by_sha256(session, info.sha256)
            if existing is not None:
                progress(path.stat().st_size)
                return str(existing.id), False
        actual = _sha256_of(path)
        if actual != info.sha256:
            raise ImportFailed(f"SHA-256 is {actual}, not {info.sha256} as the sidecar says")
        stored = store.put_file(path, actual)
        progress(path.stat().st_size)
    else:
        stored = store.put_stream(_read_chunks(path, progress))  # hashed while copied
    with unit_of_work(settings) as session:
        outcome = record_original(
            session,
            NewOriginal(
                sha256=stored.sha256,
                size_bytes=stored.size,
                media_type=meta.media_type_for(info),
                source=source,
                original_filename=info.filename,
                camera_serial=info.camera_serial,
                officer=info.officer,
                recorded_start=info.recorded_start,
                recorded_end=info.recorded_end,
                gps_track=track,
                extra_metadata=info.extra,
                recording_key=upload_key(info.camera_serial, info.extra.get("recording")),
            ),
            Arrival(principal, "file", path.name[:128]),
        )
        return str(outcome.item.id), outcome.created


def import_paths(
    paths: Iterable[Path],
    *,
    source: str = "import",
    principal: Principal = IMPORTER,
    progress: Callable[[int], None] = lambda _n: None,
    on_file: Callable[[Path], None] = lambda _p: None,
    settings: Settings | None = None,
) -> ImportSummary:
    summary = ImportSummary()
    for path in paths:
        on_file(path)
        try:
            evidence_id, created = import_file(
                path, principal=principal, source=source, progress=progress, settings=settings
            )
        except (ImportFailed, OSError) as exc:
            summary.failed.append((path, str(exc)))
            continue
        if created:
            summary.imported.append((path, evidence_id))
            summary.bytes_imported += path.stat().st_size
        else:
            summary.duplicates.append((path, evidence_id))
    return summary
