"""Recording keys: one value shared by every clip of one recording, whatever path brought it.

A camera splits one recording into several files. The Axis content destination receives them in
one container (`<UserID>_<BWCSerialNumber>_<TriggerOnTime>`, per system account; rejected content
names its original container); an upload or import may name its recording in its metadata
(`recording`, with the camera's serial). The key is a digest of those, so it has a fixed width
for its index whatever a device or an uploader sends. Migration 0011 fills it for items held
before, with a frozen copy of these rules."""

from __future__ import annotations

import hashlib

MAX_REFERENCE = 512


def _digest(kind: str, *parts: str) -> str:
    joined = "\x1f".join(part[:MAX_REFERENCE] for part in parts)
    return f"{kind}:{hashlib.sha256(joined.encode()).hexdigest()[:40]}"


def axis_key(account: str, container: str) -> str:
    """The key of an Axis recording container (of its original, for rejected content)."""
    return _digest("axis", account, container)


def upload_key(camera_serial: str | None, recording: object) -> str | None:
    """The key an upload or import names with `recording` metadata: only with a camera serial,
    since a recording's id is unique only on its camera."""
    if not camera_serial or not isinstance(recording, str) or not recording.strip():
        return None
    return _digest("upload", camera_serial, recording.strip())
