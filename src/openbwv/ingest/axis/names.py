"""Names and times of the protocol: container and object names, epoch and RFC 3339 times."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from openbwv.filenames import UnsafeName, file_name, path_name
from openbwv.ingest.axis.models import ContainerKind, ObjectKind
from openbwv.timeutil import parse_rfc3339

SYSTEM, USERS, DEVICES = "System", "Users", "Devices"
WELL_KNOWN = {
    SYSTEM: ContainerKind.SYSTEM,
    USERS: ContainerKind.USERS,
    DEVICES: ContainerKind.DEVICES,
}
CAPABILITIES, CATEGORIES = "Capabilities.json", "Categories.json"
REJECTED_PREFIX = "RejectedContent_"
COMPACT_TIME = "%Y%m%dT%H%M%SZ"  # TriggerOnTime in container names: YYYYMMDDTHHMMSSZ
_COMPACT = re.compile(r"^\d{8}T\d{6}Z$")
_SERIAL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.:\-]{0,63}$")
MAX_NAME_BYTES = 512  # Swift's default container name limit is 256; objects 1024
MAX_OBJECT_NAME_BYTES = 1024
CLIP_TYPES = {"mkv": "video/x-matroska", "mp4": "video/mp4"}
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)  # no body worn camera recorded before this


class NameError_(ValueError):  # noqa: N801 - avoid shadowing the builtin NameError
    """A container or object name the protocol does not allow."""


@dataclass(frozen=True)
class RecordingName:
    user_ref: str
    serial: str
    trigger_on: datetime


def container_kind(name: str) -> ContainerKind:
    if name in WELL_KNOWN:
        return WELL_KNOWN[name]
    if name.startswith(REJECTED_PREFIX):
        return ContainerKind.REJECTED
    return ContainerKind.RECORDING


def check_name(name: str, limit: int = MAX_NAME_BYTES) -> str:
    """A container name: one plain file name (the rule tus filenames follow)."""
    try:
        return file_name(name, what="a container name", limit=limit)
    except UnsafeName as exc:
        raise NameError_(str(exc)) from None


def check_object_name(name: str, limit: int = MAX_OBJECT_NAME_BYTES) -> str:
    """An object name: '/'-separated plain file names, never '..' (it becomes a file name)."""
    try:
        return path_name(name, what="an object name", limit=limit)
    except UnsafeName as exc:
        raise NameError_(str(exc)) from None


def parse_compact_time(value: str) -> datetime:
    if not _COMPACT.match(value):
        raise ValueError(f"{value!r} is not a YYYYMMDDTHHMMSSZ time")
    return datetime.strptime(value, COMPACT_TIME).replace(tzinfo=UTC)


def parse_recording_name(name: str) -> RecordingName:
    """`<UserID>_<BWCSerialNumber>_<TriggerOnTime>`; the UserID may itself contain '_'."""
    parts = name.rsplit("_", 2)
    if len(parts) != 3 or not parts[0]:
        raise NameError_(
            f"{name!r} is not a recording container name <UserID>_<BWCSerialNumber>_<TriggerOnTime>"
        )
    user_ref, serial, when = parts
    if not _SERIAL.match(serial):
        raise NameError_(f"{serial!r} is not a camera serial number")
    try:
        trigger_on = parse_compact_time(when)
    except ValueError as exc:
        raise NameError_(f"TriggerOnTime in {name!r}: {exc}") from None
    return RecordingName(user_ref, serial, trigger_on)


def object_kind(name: str, meta: dict[str, str]) -> ObjectKind:
    lowered = name.lower()
    file_type = meta.get("FileType", "").lower()
    if lowered.endswith(".key") or file_type == "key":
        return ObjectKind.KEY
    if lowered.rsplit("/", 1)[-1].startswith("bookmark_"):
        return ObjectKind.BOOKMARK
    if lowered.endswith("_gpstrail.json") or file_type == "json":
        return ObjectKind.GNSS
    if clip_extension(name) is not None:
        return ObjectKind.CLIP
    return ObjectKind.OTHER


def clip_extension(name: str) -> str | None:
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return suffix if suffix in CLIP_TYPES else None


def stem(name: str) -> str:
    """The object name without its last extension: the clip `X.mkv` and its key `X.key` share it."""
    return name.rsplit(".", 1)[0] if "." in name else name


def parse_epoch(value: str) -> datetime:
    """Epoch seconds (integer or decimal) as the device sends them; milliseconds are recognised
    by their size (anything past the year 5000 in seconds is taken as milliseconds)."""
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        raise ValueError(f"{value!r} is not an epoch time") from None
    if not number.is_finite() or number < 0:
        raise ValueError(f"{value!r} is not an epoch time")
    if number > 100_000_000_000:
        number /= 1000
    try:
        return datetime.fromtimestamp(float(number), UTC)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"{value!r} is not an epoch time") from None


def time_from(meta: dict[str, str], key: str) -> datetime | None:
    """`<key>ISO` (RFC 3339) if present, else `<key>` (epoch); None when neither is given.

    Raises ValueError when a value is present but malformed: a device time must be readable.
    """
    iso, epoch = meta.get(f"{key}ISO"), meta.get(key)
    from_epoch = parse_epoch(epoch) if epoch else None
    if not iso:
        return from_epoch
    from_iso = parse_rfc3339(iso)
    if from_epoch is not None and abs((from_iso - from_epoch).total_seconds()) > 1:
        raise ValueError(f"{key} ({epoch}) and {key}ISO ({iso}) disagree")
    return from_iso


def rfc3339_from(meta: dict[str, str], key: str) -> datetime | None:
    """Bookmark times are RFC 3339 only (StartTime, EndTime); epoch is accepted too."""
    value = meta.get(key)
    if not value:
        return None
    try:
        return parse_rfc3339(value)
    except ValueError:
        return parse_epoch(value)
