"""What every object upload into a recording (or rejected content) container goes through.

`prepare` runs before a byte of the body is read, so anything that can never be stored is refused
at once: a name that is not allowed, a sealed recording that never had this object, metadata that
is malformed, or clip times that are out of bounds or have no duration. Rejected content is never
refused: its problems are carried along and become flags.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from openbwv.config import get_settings
from openbwv.db.session import read_only_unit_of_work, unit_of_work
from openbwv.ingest.axis import errors, queries
from openbwv.ingest.axis import meta as metadata
from openbwv.ingest.axis.auth import Device
from openbwv.ingest.axis.models import AxisContainer, AxisObject, ContainerKind, ObjectKind
from openbwv.ingest.axis.names import (
    NameError_,
    check_object_name,
    object_kind,
    rfc3339_from,
    time_from,
)
from openbwv.ingest.axis.recordings import check_times, open_container, sealed
from openbwv.ingest.axis.settings import get_axis_settings
from openbwv.timeutil import utcnow

PREBUFFER_ALLOWANCE = timedelta(hours=1)  # when the recording's own StartTime is not known


@dataclass
class Plan:
    """An object upload that may go ahead, and what is known about it before its body."""

    device: Device
    container_id: uuid.UUID
    container_name: str
    lenient: bool
    name: str
    kind: ObjectKind
    meta: dict[str, str]
    problems: list[str] = field(default_factory=list)
    sealed_versions: set[str] | None = None  # the only bodies a sealed recording still accepts
    start: datetime | None = None
    stop: datetime | None = None

    @property
    def to_file(self) -> bool:
        """Clips (and, in rejected content, anything that is not a small sidecar) are evidence
        originals: streamed to disk. Sidecars are small and kept in memory."""
        if self.kind == ObjectKind.CLIP:
            return True
        return self.lenient and self.kind == ObjectKind.OTHER

    @property
    def limit(self) -> int:
        if self.to_file:
            return get_settings().max_upload_bytes
        return get_axis_settings().max_sidecar_bytes


def _window(container: AxisContainer) -> tuple[datetime | None, datetime | None]:
    try:
        return time_from(container.meta, "StartTime"), time_from(container.meta, "StopTime")
    except ValueError:
        return None, None


def clip_times(
    values: dict[str, str], container: AxisContainer
) -> tuple[datetime | None, datetime | None]:
    """The clip's claimed start and stop; MetadataError when malformed, impossible, out of the
    recording's bounds, or without duration."""
    times = check_times(values, ("StartTime", "StopTime"))
    start, stop = times.get("StartTime"), times.get("StopTime")
    if start and stop and stop <= start:
        raise metadata.MetadataError("the clip has no duration (StopTime is not after StartTime)")
    tolerance = timedelta(seconds=get_axis_settings().clip_time_tolerance_seconds)
    rec_start, rec_stop = _window(container)
    earliest = (rec_start - tolerance) if rec_start else None
    if earliest is None and container.trigger_on is not None:
        earliest = container.trigger_on - PREBUFFER_ALLOWANCE
    latest = (rec_stop + tolerance) if rec_stop else None
    for label, value in (("StartTime", start), ("StopTime", stop)):
        if value is None:
            continue
        if (earliest and value < earliest) or (latest and value > latest):
            raise metadata.MetadataError(
                f"the clip's {label} {value.isoformat()} is out of the recording's bounds"
            )
    return start, stop


def _check_sidecar_meta(kind: ObjectKind, values: dict[str, str]) -> None:
    if kind == ObjectKind.BOOKMARK:
        for key in ("StartTime", "EndTime"):
            try:
                rfc3339_from(values, key)
            except ValueError as exc:
                raise metadata.MetadataError(f"bookmark {key}: {exc}") from None
    elif kind == ObjectKind.KEY:
        check_times(values, ("StartTime",))


def prepare(
    session: Session,
    device: Device,
    container_name: str,
    name: str,
    update: metadata.ParsedMeta,
    kind: ObjectKind,
) -> Plan:
    container, _ = open_container(session, device, container_name)
    if container.kind not in (ContainerKind.RECORDING, ContainerKind.REJECTED):
        raise errors.forbidden("objects of this container are handled elsewhere")
    lenient = container.kind == ContainerKind.REJECTED
    try:
        check_object_name(name)
    except NameError_ as exc:
        raise errors.bad_request(str(exc)) from None
    plan = Plan(device, container.id, container.name, lenient, name, kind, dict(update.values))
    plan.problems.extend(update.problems)
    if sealed(container):
        known = {v.sha256 for v in queries.versions(session, container.id, name)}
        if not known:
            raise errors.bad_request(
                "the recording is complete: no more objects can be stored in it"
            )
        plan.sealed_versions = known
    try:
        if kind == ObjectKind.CLIP:
            plan.start, plan.stop = clip_times(plan.meta, container)
        else:
            _check_sidecar_meta(kind, plan.meta)
    except metadata.MetadataError as exc:
        if not lenient:
            raise errors.bad_request(str(exc)) from None
        plan.problems.append(str(exc))
        if kind == ObjectKind.CLIP:  # keep what the device claimed, as far as it reads
            plan.start, plan.stop = (
                _lenient_time(plan.meta, "StartTime"),
                _lenient_time(plan.meta, "StopTime"),
            )
    return plan


def plan_upload(
    device: Device,
    container_name: str,
    name: str,
    update: metadata.ParsedMeta,
    kind: ObjectKind,
) -> Plan:
    """`prepare` in its own transaction. It writes only when the container is new (an object
    before its container's PUT), so it reads without the write lock when the container exists:
    on SQLite a writing transaction queues behind every upload's (profiled: most of this step's
    time in a burst)."""
    with read_only_unit_of_work() as session:
        if queries.find_container(session, device.account, container_name) is not None:
            return prepare(session, device, container_name, name, update, kind)
    with unit_of_work() as session:
        return prepare(session, device, container_name, name, update, kind)


def _lenient_time(values: dict[str, str], key: str) -> datetime | None:
    try:
        return time_from(values, key)
    except ValueError:
        return None


def update_object_meta(
    session: Session, device: Device, container_name: str, name: str, update: metadata.ParsedMeta
) -> AxisObject:
    """POST on an object: its metadata is replaced (Swift semantics) after the same checks as
    a PUT; a sealed recording accepts only the metadata it already has."""
    container = queries.find_container(session, device.account, container_name)
    found = queries.versions(session, container.id, name) if container is not None else []
    if container is None or not found:
        raise errors.not_found(f"no object {name!r} in {container_name!r}")
    latest = found[-1]
    values = dict(update.values)
    if sealed(container):
        if values != latest.meta:
            raise errors.bad_request("the recording is complete: its objects cannot change")
        return latest
    try:
        if object_kind(name, values) == ObjectKind.CLIP:
            clip_times(values, container)
        else:
            _check_sidecar_meta(ObjectKind(latest.kind), values)
    except metadata.MetadataError as exc:
        if container.kind != ContainerKind.REJECTED:
            raise errors.bad_request(str(exc)) from None
    latest.meta = values
    latest.meta_updated_at = utcnow()
    return latest
