"""Containers: one per recording (`<UserID>_<BWCSerialNumber>_<TriggerOnTime>`), rejected content
(`RejectedContent_<time>_<uuid>`), and the well-known System, Users and Devices.

A recording container is refused (400, never storable) when its name is not a recording name,
when it names a user or camera the body worn system never registered (the specification's rule),
or when its metadata is malformed. `Status: Complete` seals it: identical repeats are accepted,
changes refused. Rejected content is never refused: what cannot be kept as sent is noted instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from openbwv.audit.events import record
from openbwv.ingest.axis import errors, queries
from openbwv.ingest.axis import meta as metadata
from openbwv.ingest.axis.apply import apply_recording
from openbwv.ingest.axis.auth import Device
from openbwv.ingest.axis.models import AxisContainer, ContainerKind, RecordingStatus
from openbwv.ingest.axis.names import (
    EARLIEST,
    NameError_,
    check_name,
    container_kind,
    parse_recording_name,
    time_from,
)
from openbwv.ingest.axis.settings import get_axis_settings
from openbwv.timeutil import utcnow

TIME_KEYS = ("TriggerOnTime", "TriggerOffTime", "StartTime", "StopTime")
STATUSES = {"transferring": "Transferring", "complete": "Complete"}


@dataclass
class ContainerResult:
    container: AxisContainer
    created: bool = False
    completed_now: bool = False
    problems: list[str] = field(default_factory=list)


def sealed(container: AxisContainer) -> bool:
    return container.status == RecordingStatus.COMPLETE


def check_times(values: dict[str, str], keys: tuple[str, ...] = TIME_KEYS) -> dict[str, datetime]:
    """Parse the device times among `values`; malformed or impossible ones are errors."""
    parsed: dict[str, datetime] = {}
    latest = utcnow() + timedelta(seconds=get_axis_settings().future_skew_seconds)
    for key in keys:
        try:
            value = time_from(values, key)
        except ValueError as exc:
            raise metadata.MetadataError(f"{key}: {exc}") from None
        if value is None:
            continue
        if not EARLIEST <= value <= latest:
            raise metadata.MetadataError(f"{key} {value.isoformat()} is out of bounds")
        parsed[key] = value
    start, stop = parsed.get("StartTime"), parsed.get("StopTime")
    if start and stop and stop < start:
        raise metadata.MetadataError("StopTime is before StartTime")
    return parsed


def _check_recording_meta(values: dict[str, str]) -> None:
    check_times(values)
    status = values.get("Status")
    if status is not None and status.lower() not in STATUSES:
        raise metadata.MetadataError(f"Status must be Transferring or Complete, not {status!r}")


def _new(device: Device, name: str, kind: ContainerKind) -> AxisContainer:
    return AxisContainer(
        account=device.account, name=name, kind=kind, meta={}, created_by=device.api_token_id
    )


def _add(session: Session, container: AxisContainer) -> AxisContainer:
    """Insert, or take the row a concurrent request inserted first."""
    try:
        with session.begin_nested():
            session.add(container)
            session.flush()
        return container
    except IntegrityError:
        winner = queries.find_container(session, container.account, container.name)
        if winner is None:
            raise
        return winner


def _recording(session: Session, device: Device, name: str) -> AxisContainer:
    try:
        parsed = parse_recording_name(check_name(name))
    except NameError_ as exc:
        raise errors.bad_request(str(exc)) from None
    if queries.find_user(session, device.account, parsed.user_ref) is None:
        raise errors.bad_request(f"user {parsed.user_ref!r} is not registered in Users/")
    if queries.find_device(session, device.account, parsed.serial) is None:
        raise errors.bad_request(f"camera {parsed.serial!r} is not registered in Devices/")
    container = _new(device, name, ContainerKind.RECORDING)
    container.user_ref = parsed.user_ref[:256]
    container.camera_serial = parsed.serial
    container.trigger_on = parsed.trigger_on
    return container


def _rejected(device: Device, name: str) -> AxisContainer:
    return _new(device, name[:512], ContainerKind.REJECTED)


def open_container(session: Session, device: Device, name: str) -> tuple[AxisContainer, bool]:
    """The container, created if new (objects may arrive before their container's PUT)."""
    existing = queries.find_container(session, device.account, name)
    if existing is not None:
        return existing, False
    kind = container_kind(name)
    if kind == ContainerKind.RECORDING:
        container = _recording(session, device, name)
    elif kind == ContainerKind.REJECTED:
        container = _rejected(device, name)
    else:
        container = _new(device, name, kind)
    added = _add(session, container)
    return added, added is container


def _update_meta(
    session: Session, device: Device, container: AxisContainer, update: metadata.ParsedMeta
) -> ContainerResult:
    result = ContainerResult(container, problems=list(update.problems))
    new_meta = metadata.merged(container.meta, update)
    if container.kind == ContainerKind.RECORDING:
        if sealed(container):
            if new_meta != container.meta:
                raise errors.bad_request("the recording is complete: its metadata cannot change")
            return result
        try:
            _check_recording_meta(new_meta)
        except metadata.MetadataError as exc:
            raise errors.bad_request(str(exc)) from None
    elif not metadata.within_limits(new_meta):
        result.problems.append("metadata over Swift's limits: the update was not merged")
        new_meta = container.meta
    container.meta = new_meta
    container.updated_at = utcnow()
    status = new_meta.get("Status", "").lower()
    if container.kind == ContainerKind.RECORDING and status == "complete":
        complete(session, device, container)
        result.completed_now = True
    elif container.kind == ContainerKind.REJECTED:
        _adopt_origin(container)
        apply_recording(session, container, device.principal, final=False)
    return result


def put_container(
    session: Session, device: Device, name: str, update: metadata.ParsedMeta
) -> ContainerResult:
    """PUT: create (201) or update (202) a container with the metadata given."""
    container, created = open_container(session, device, name)
    result = _update_meta(session, device, container, update)
    result.created = created
    return result


def post_container(
    session: Session, device: Device, name: str, update: metadata.ParsedMeta
) -> ContainerResult:
    """POST: update the metadata of an existing container (the well-known ones always exist)."""
    container = queries.find_container(session, device.account, name)
    if container is None:
        if container_kind(name) == ContainerKind.RECORDING:
            raise errors.not_found(f"no container {name!r}")
        container, _ = open_container(session, device, name)
    return _update_meta(session, device, container, update)


def complete(session: Session, device: Device, container: AxisContainer) -> None:
    """Seal the recording and apply everything it holds to its evidence items, once."""
    container.status = RecordingStatus.COMPLETE
    container.completed_at = utcnow()
    summary = apply_recording(session, container, device.principal, final=True)
    record(
        session,
        device.principal,
        "axis.recording.complete",
        target_type="axis_container",
        target_id=container.name[:128],
        details=summary,
    )


def _adopt_origin(container: AxisContainer) -> None:
    """Rejected content names the recording it was meant for: take its user, camera and time."""
    origin = container.meta.get("RejectedContentOriginalContainer")
    if not origin:
        return
    try:
        parsed = parse_recording_name(origin)
    except NameError_:
        return
    container.user_ref = parsed.user_ref[:256]
    container.camera_serial = parsed.serial
    container.trigger_on = parsed.trigger_on


def object_stats(session: Session, container: AxisContainer) -> tuple[int, int]:
    """(objects, bytes) of a container, counting each name once at its latest size."""
    latest = queries.latest_sizes(session, container.id)
    return len(latest), sum(latest.values())
