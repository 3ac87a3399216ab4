"""Swift metadata headers: `X-Container-Meta-<Key>` and `X-Object-Meta-<Key>`.

Header names are case-insensitive (the body worn system title-cases them:
`X-Object-Meta-Starttime`); the keys of the specification are restored (`StartTime`). Values
are URL-encoded UTF-8 and are stored decoded. Limits are Swift's own (a standard Swift cluster
answers 400 past them) plus the lengths the specification gives (`String[64]`, `String[100]`);
control characters are refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

OBJECT_PREFIX = "x-object-meta-"
CONTAINER_PREFIX = "x-container-meta-"
MAX_NAME_LENGTH = 128
MAX_VALUE_LENGTH = 256
MAX_COUNT = 90
MAX_OVERALL_SIZE = 4096
SPEC_KEYS = [
    "ContainerName",
    "BWCSerialNumber",
    "SCUSerialNumber",
    "FirmwareVersion",
    "UserID",
    "TriggerOn",
    "TriggerOff",
    "TriggerOnTime",
    "TriggerOnTimeISO",
    "TriggerOnLocation",
    "TriggerOffTime",
    "TriggerOffTimeISO",
    "TriggerOffLocation",
    "StartTime",
    "StartTimeISO",
    "StopTime",
    "StopTimeISO",
    "TimeZone",
    "BWCModel",
    "Status",
    "ContainerType",
    "FileType",
    "CategoryID",
    "CategoryName",
    "Tags",
    "EndTime",
    "Location",
    "ConnectionId",
    "SystemName",
    "Active",
    "Name",
    "Model",
    "RejectedContentOriginalContainer",
    "RejectedContentTime",
    "RejectedContentReason",
]
CANONICAL = {key.lower(): key for key in SPEC_KEYS}
SPEC_LENGTHS = {
    "TriggerOnLocation": 64,
    "TriggerOffLocation": 64,
    "Location": 64,
    "ConnectionId": 100,
    "SystemName": 100,
    "Name": 100,
    "UserID": 100,
}
_SAFE = "!$&'()*+,-./:;=@_~"  # as devices send them: space and non-ASCII %XX-encoded


class MetadataError(ValueError):
    """Metadata that can never be stored (answered 400)."""


@dataclass
class ParsedMeta:
    values: dict[str, str] = field(default_factory=dict)
    removed: set[str] = field(default_factory=set)  # empty values and X-Remove-*-Meta-*
    problems: list[str] = field(default_factory=list)  # what lenient parsing dropped


def canonical_key(raw: str) -> str:
    return CANONICAL.get(raw.lower(), "-".join(part.capitalize() for part in raw.split("-")))


def _decode(raw_value: str) -> str:
    """Header text (Latin-1 as the server read it) → the UTF-8 string the device meant."""
    try:
        text = raw_value.encode("latin-1").decode("utf-8")
        value = unquote(text, errors="strict")
    except UnicodeError:
        raise MetadataError("metadata values must be URL-encoded UTF-8") from None
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        raise MetadataError("metadata values may not contain control characters")
    return value


def _check(key: str, value: str) -> None:
    if len(key.encode()) > MAX_NAME_LENGTH:
        raise MetadataError(f"metadata name longer than {MAX_NAME_LENGTH} bytes: {key[:40]}…")
    if len(value.encode()) > MAX_VALUE_LENGTH:
        raise MetadataError(f"metadata value of {key} longer than {MAX_VALUE_LENGTH} bytes")
    limit = SPEC_LENGTHS.get(key)
    if limit is not None and len(value) > limit:
        raise MetadataError(f"{key} is longer than its {limit} characters")


def parse(headers: Iterable[tuple[str, str]], prefix: str, *, lenient: bool = False) -> ParsedMeta:
    """The metadata among `headers` (name, value pairs). Lenient parsing (rejected content,
    which must never be refused) drops what it cannot keep and says why in `problems`."""
    parsed = ParsedMeta()
    remove_prefix = "x-remove-" + prefix[2:]
    for name, raw_value in headers:
        lowered = name.lower()
        if lowered.startswith(remove_prefix) and len(lowered) > len(remove_prefix):
            parsed.removed.add(canonical_key(name[len(remove_prefix) :]))
            continue
        if not lowered.startswith(prefix) or len(lowered) == len(prefix):
            continue
        key = canonical_key(name[len(prefix) :])
        try:
            value = _decode(raw_value)
            _check(key, value)
        except MetadataError as exc:
            if not lenient:
                raise
            parsed.problems.append(str(exc))
            continue
        if value == "":
            parsed.removed.add(key)
        else:
            parsed.values[key] = value
    _check_totals(parsed, lenient)
    return parsed


def _check_totals(parsed: ParsedMeta, lenient: bool) -> None:
    overall = sum(len(k.encode()) + len(v.encode()) for k, v in parsed.values.items())
    if len(parsed.values) <= MAX_COUNT and overall <= MAX_OVERALL_SIZE:
        return
    message = (
        f"metadata too large: {len(parsed.values)} items, {overall} bytes "
        f"(at most {MAX_COUNT} items and {MAX_OVERALL_SIZE} bytes)"
    )
    if not lenient:
        raise MetadataError(message)
    parsed.problems.append(message)
    kept: dict[str, str] = {}
    size = 0
    for key, value in parsed.values.items():  # keep the first ones that fit
        cost = len(key.encode()) + len(value.encode())
        if len(kept) < MAX_COUNT and size + cost <= MAX_OVERALL_SIZE:
            kept[key] = value
            size += cost
    parsed.values = kept


def merged(current: Mapping[str, str], update: ParsedMeta) -> dict[str, str]:
    """Container POST semantics: set what is given, remove what is emptied, keep the rest."""
    result = {k: v for k, v in current.items() if k not in update.removed}
    result.update(update.values)
    return result


def within_limits(values: Mapping[str, str]) -> bool:
    overall = sum(len(k.encode()) + len(v.encode()) for k, v in values.items())
    return len(values) <= MAX_COUNT and overall <= MAX_OVERALL_SIZE


def render(values: Mapping[str, str], prefix: str) -> dict[str, str]:
    """Response headers for stored metadata, title-cased as Swift returns them."""
    head = "X-Object-Meta-" if prefix == OBJECT_PREFIX else "X-Container-Meta-"
    return {head + key.title(): quote(value, safe=_SAFE) for key, value in values.items()}
