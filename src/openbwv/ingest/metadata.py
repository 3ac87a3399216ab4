"""Validation of upload metadata (tus `Upload-Metadata`, import sidecars).

Known keys are checked strictly; unknown keys are kept as they came (within size limits).
Nothing here is ever used to build a file path: storage is content-addressed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from openbwv.filenames import UnsafeName, file_name
from openbwv.timeutil import parse_rfc3339

KNOWN_KEYS = frozenset(
    {"filename", "filetype", "camera_serial", "officer", "recorded_start", "recorded_end", "sha256"}
)
IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,63}$")
MEDIA_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$", re.I)
SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")
METADATA_KEY = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
MAX_KEYS = 64


class MetadataError(ValueError):
    """Metadata the platform refuses, with a message fit for the client."""


@dataclass(frozen=True)
class UploadMetadata:
    filename: str | None = None
    filetype: str | None = None
    camera_serial: str | None = None
    officer: str | None = None
    recorded_start: datetime | None = None
    recorded_end: datetime | None = None
    sha256: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def check_filename(name: str) -> str:
    try:
        return file_name(name)
    except UnsafeName as exc:
        raise MetadataError(str(exc)) from None


def _identifier(key: str, value: str) -> str:
    if not IDENTIFIER.match(value):
        raise MetadataError(
            f"{key} must be 1–64 characters of letters, digits, '.', '_', ':' or '-'"
        )
    return value


def _timestamp(key: str, value: str) -> datetime:
    try:
        return parse_rfc3339(value)
    except ValueError as exc:
        raise MetadataError(f"{key} must be an RFC 3339 timestamp with a UTC offset") from exc


def validate(raw: dict[str, str | None], max_value_bytes: int = 1024) -> UploadMetadata:
    """Check metadata; raise MetadataError with a clear message for the first problem."""
    if len(raw) > MAX_KEYS:
        raise MetadataError(f"too many metadata keys (at most {MAX_KEYS})")
    for key, value in raw.items():
        if not METADATA_KEY.match(key):
            raise MetadataError(f"invalid metadata key {key[:64]!r}")
        if value is not None and len(value.encode()) > max_value_bytes:
            raise MetadataError(f"metadata value for {key!r} exceeds {max_value_bytes} bytes")
    values = {key: value for key, value in raw.items() if value is not None}
    start = values.get("recorded_start")
    end = values.get("recorded_end")
    meta = UploadMetadata(
        filename=check_filename(values["filename"]) if "filename" in values else None,
        filetype=_media_type(values["filetype"]) if "filetype" in values else None,
        camera_serial=_identifier("camera_serial", values["camera_serial"])
        if "camera_serial" in values
        else None,
        officer=_identifier("officer", values["officer"]) if "officer" in values else None,
        recorded_start=_timestamp("recorded_start", start) if start is not None else None,
        recorded_end=_timestamp("recorded_end", end) if end is not None else None,
        sha256=_sha256(values["sha256"]) if "sha256" in values else None,
        extra={key: value for key, value in raw.items() if key not in KNOWN_KEYS},
    )
    if meta.recorded_start and meta.recorded_end and meta.recorded_end < meta.recorded_start:
        raise MetadataError("recorded_end is before recorded_start")
    return meta


def _media_type(value: str) -> str:
    if not MEDIA_TYPE.match(value):
        raise MetadataError("filetype must be a media type such as video/mp4")
    return value.lower()


def _sha256(value: str) -> str:
    if not SHA256.match(value):
        raise MetadataError("sha256 must be 64 hexadecimal characters")
    return value.lower()


GUESSED_TYPES = {
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".mkv": "video/x-matroska",
    ".mov": "video/quicktime",
    ".avi": "video/x-msvideo",
    ".webm": "video/webm",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".pdf": "application/pdf",
}


def media_type_for(meta: UploadMetadata) -> str:
    if meta.filetype:
        return meta.filetype
    if meta.filename and "." in meta.filename:
        suffix = "." + meta.filename.rsplit(".", 1)[1].lower()
        return GUESSED_TYPES.get(suffix, "application/octet-stream")
    return "application/octet-stream"
