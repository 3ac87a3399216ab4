"""tus 1.0.0 protocol details: headers, metadata encoding, checksums.

Specification: https://tus.io/protocols/resumable-upload (core, creation, creation-with-upload,
expiration, checksum, termination).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from datetime import datetime
from email.utils import format_datetime
from typing import Any

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,creation-with-upload,expiration,checksum,termination"
CHECKSUM_ALGORITHMS = {"sha256": hashlib.sha256, "sha1": hashlib.sha1, "md5": hashlib.md5}
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"
STATUS_CHECKSUM_MISMATCH = 460


class TusProtocolError(ValueError):
    """A malformed tus header; the message says which and why."""


def parse_metadata(header: str) -> dict[str, str | None]:
    """Decode `Upload-Metadata`: comma-separated `key base64(value)` pairs (value optional)."""
    result: dict[str, str | None] = {}
    if not header.strip():
        return result
    for pair in header.split(","):
        parts = pair.strip().split(" ")
        if not parts[0] or len(parts) > 2:
            raise TusProtocolError(
                "Upload-Metadata must be comma-separated 'key base64value' pairs"
            )
        key = parts[0]
        if key in result:
            raise TusProtocolError(f"Upload-Metadata repeats the key {key!r}")
        if len(parts) == 1:
            result[key] = None
            continue
        try:
            result[key] = base64.b64decode(parts[1], validate=True).decode("utf-8")
        except (binascii.Error, ValueError) as exc:  # ValueError: not ASCII at all
            raise TusProtocolError(
                f"Upload-Metadata value for {key!r} is not base64-encoded UTF-8"
            ) from exc
    return result


def encode_metadata(values: dict[str, Any]) -> str:
    pairs = []
    for key, value in values.items():
        if value is None:
            pairs.append(key)
        else:
            pairs.append(f"{key} {base64.b64encode(str(value).encode()).decode()}")
    return ",".join(pairs)


def parse_checksum(header: str) -> tuple[str, bytes]:
    """Parse `Upload-Checksum: <algorithm> <base64 digest>`."""
    try:
        algorithm, encoded = header.strip().split(" ", 1)
        digest = base64.b64decode(encoded.strip(), validate=True)
    except (ValueError, binascii.Error) as exc:
        raise TusProtocolError("Upload-Checksum must be '<algorithm> <base64 digest>'") from exc
    algorithm = algorithm.lower()
    if algorithm not in CHECKSUM_ALGORITHMS:
        raise TusProtocolError(
            f"checksum algorithm {algorithm!r} is not supported "
            f"(Tus-Checksum-Algorithm: {','.join(CHECKSUM_ALGORITHMS)})"
        )
    return algorithm, digest


def tus_headers(**extra: str) -> dict[str, str]:
    """The headers every tus answer carries."""
    return {"Tus-Resumable": TUS_VERSION, "Cache-Control": "no-store", **extra}


def parse_non_negative(name: str, value: str | None) -> int | None:
    if value is None:
        return None
    # ASCII digits only: str.isdigit() also accepts "²", which int() then refuses.
    if not (value.isascii() and value.isdigit()) or len(value) > 19:
        raise TusProtocolError(f"{name} must be a non-negative integer")
    return int(value)


def http_date(moment: datetime) -> str:
    return format_datetime(moment, usegmt=True)
