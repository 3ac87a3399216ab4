"""Clip objects become evidence items through the same path as every other upload: hashed while
streaming in, published write-once to original storage, recorded with `record_original` (which
starts processing after commit). The bytes are kept exactly as received — for an encrypted clip,
the ciphertext is the original; its plaintext is made by the `axis_decrypt` job.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from openbwv.db.session import read_only_unit_of_work, unit_of_work
from openbwv.evidence.models import EvidenceFlag, EvidenceSource
from openbwv.evidence.recording_keys import axis_key
from openbwv.evidence.service import Arrival, NewOriginal, record_original
from openbwv.ingest.axis import errors, queries
from openbwv.ingest.axis.apply import apply_recording
from openbwv.ingest.axis.crypto import (
    KeyFileError,
    NoPrivateKey,
    decrypts_to_media,
    load_keyring,
    looks_like_media,
    parse_key_file,
)
from openbwv.ingest.axis.models import (
    AxisContainer,
    AxisObject,
    ClipState,
    ContainerKind,
    ObjectKind,
)
from openbwv.ingest.axis.names import (
    CLIP_TYPES,
    NameError_,
    clip_extension,
    parse_recording_name,
    stem,
)
from openbwv.ingest.axis.objects import Plan
from openbwv.ingest.axis.receive import Received
from openbwv.ingest.axis.registry import link, officer_reference
from openbwv.jobs.service import ensure_job
from openbwv.storage.base import StorageError
from openbwv.storage.factory import originals
from openbwv.timeutil import utcnow

REJECTED_FLAG = "rejected_content"  # sent to a RejectedContent container by the body worn system
DECRYPT_JOB = "axis_decrypt"


@dataclass(frozen=True)
class Stored:
    object_id: uuid.UUID
    md5: str
    evidence_id: uuid.UUID | None = None
    created: bool = True


def key_for_clip(
    keys: list[AxisObject], clip_name: str, head: bytes, tail: bytes, size: int
) -> tuple[AxisObject | None, bool]:
    """(the key object that decrypts this clip, whether any same-stem key exists). Keys named
    after the clip are tried first, then the others (a key may be named after another object)."""
    ring = load_keyring(create=True)
    same = [k for k in keys if stem(k.name) == stem(clip_name)]
    others = [k for k in keys if k not in same]
    for candidate in [*reversed(same), *others]:
        try:
            unwrapped = ring.unwrap(parse_key_file(candidate.body or b""))
        except KeyFileError:
            continue
        if decrypts_to_media(unwrapped, head, tail, size):
            return candidate, bool(same)
    return None, bool(same)


def _match_key(plan: Plan, received: Received) -> tuple[bool, AxisObject | None]:
    """(encrypted, key). A clip whose bytes are not MKV/MP4 is taken to be encrypted."""
    if not received.size or looks_like_media(received.head) or not clip_extension(plan.name):
        return False, None
    with read_only_unit_of_work() as session:  # no write lock to wait for: it only reads
        keys = queries.objects_of_kind(session, plan.container_id, ObjectKind.KEY)
        for candidate in keys:
            session.expunge(candidate)
    try:
        key, named = key_for_clip(keys, plan.name, received.head, received.tail, received.size)
    except NoPrivateKey as exc:
        raise errors.SwiftError(500, "Internal Server Error", str(exc)) from None
    if key is None and named:
        message = "the clip does not decrypt with its key file"
        if not plan.lenient:
            received.discard()
            raise errors.bad_request(message)
        plan.problems.append(message)
    return True, key


def _publish(received: Received) -> None:
    assert received.path is not None
    try:
        originals().put_file(received.path, received.sha256, consume=True, verify=False)
    except StorageError as exc:
        received.discard()
        raise errors.SwiftError(
            503, "Service Unavailable", f"storage is unavailable: {exc}"
        ) from None


def store_clip(plan: Plan, received: Received) -> Stored:
    if received.size == 0:
        if not plan.lenient:
            received.discard()
            raise errors.bad_request("the clip is empty: it has no duration")
        plan.problems.append("the clip is empty: it has no duration")
    encrypted, key = _match_key(plan, received)
    if plan.sealed_versions is not None and received.sha256 not in plan.sealed_versions:
        received.discard()
        raise errors.bad_request("the recording is complete: this object cannot be replaced")
    _publish(received)
    with unit_of_work() as session:
        container = queries.container(session, plan.container_id)
        assert container is not None
        for existing in queries.versions(session, container.id, plan.name):
            if existing.sha256 == received.sha256:  # a re-upload of the same clip
                return Stored(existing.id, existing.md5, existing.evidence_id, created=False)
        return _record(session, plan, container, received, encrypted, key)


def _flags(plan: Plan, container: AxisContainer) -> list[str]:
    flags: list[str] = []
    if container.kind == ContainerKind.REJECTED:
        flags.append(REJECTED_FLAG)
    if any("bounds" in p or "duration" in p for p in plan.problems):
        flags.append(EvidenceFlag.TIME_OUT_OF_BOUNDS)
    return flags


def _origin(plan: Plan, container: AxisContainer) -> tuple[str | None, str | None]:
    """(user reference, camera serial) of the recording: the container's name, or for rejected
    content the original container its metadata (or the object's) names."""
    if container.user_ref or container.kind != ContainerKind.REJECTED:
        return container.user_ref, container.camera_serial
    try:
        origin = parse_recording_name(plan.meta.get("RejectedContentOriginalContainer", ""))
    except NameError_:
        return None, None
    return origin.user_ref, origin.serial


def _recording_container(plan: Plan, container: AxisContainer) -> str:
    """The name of the container the clip's recording was made in: rejected content names its
    original, so its clips group with those of the recording that were accepted."""
    if container.kind == ContainerKind.REJECTED:
        original = plan.meta.get("RejectedContentOriginalContainer") or container.meta.get(
            "RejectedContentOriginalContainer"
        )
        if original:
            return str(original)
    return container.name


def _axis_metadata(
    session: Session, plan: Plan, container: AxisContainer, received: Received, encrypted: bool
) -> tuple[dict[str, Any], str | None, str | None]:
    """(extra metadata, officer reference, camera serial) for the clip's evidence item."""
    user_ref, serial = _origin(plan, container)
    user = queries.find_user(session, container.account, user_ref) if user_ref else None
    camera = queries.find_device(session, container.account, serial) if serial else None
    for entity in (user, camera):
        if entity is not None and entity.user_id is None and entity.camera_id is None:
            link(session, entity)  # the officer or camera may have been added since
    info: dict[str, Any] = {
        "account": container.account,
        "container": container.name,
        "object": plan.name,
        "md5": received.md5,
        "clip": dict(plan.meta),
        "recording": dict(container.meta),
        "encrypted": encrypted,
        "user": {"ref": user_ref, **(user.meta if user else {})},
        "device": {"serial": serial, **(camera.meta if camera else {})},
    }
    if plan.problems:
        info["problems"] = list(plan.problems)
    officer = officer_reference(user, user_ref) if user_ref else None
    return info, officer, serial


def _record(
    session: Session,
    plan: Plan,
    container: AxisContainer,
    received: Received,
    encrypted: bool,
    key: AxisObject | None,
) -> Stored:
    extension = clip_extension(plan.name)
    info, officer, serial = _axis_metadata(session, plan, container, received, encrypted)
    # Read before record_original: an arrival hook (incident matching) expires the session,
    # and reading the container after it would load its row again.
    rejected = container.kind == ContainerKind.REJECTED
    outcome = record_original(
        session,
        NewOriginal(
            sha256=received.sha256,
            size_bytes=received.size,
            media_type=CLIP_TYPES.get(extension or "", "application/octet-stream")
            if not encrypted
            else "application/octet-stream",
            source=EvidenceSource.AXIS,
            original_filename=plan.name.rsplit("/", 1)[-1][:255],
            camera_serial=serial,
            officer=officer,
            recorded_start=plan.start,
            recorded_end=plan.stop,
            extra_metadata={"axis": info},
            recording_key=axis_key(container.account, _recording_container(plan, container)),
            flags=_flags(plan, container),
            ingested_by=plan.device.principal.id,
            start_processing=not encrypted,
        ),
        Arrival(
            plan.device.principal,
            "axis_object",
            f"{container.name}/{plan.name}",
            {"md5": received.md5, "encrypted": encrypted, "problems": plan.problems},
        ),
    )
    item = outcome.item
    state = ClipState.PROCESSING
    if encrypted:
        state = ClipState.DECRYPTING if key is not None else ClipState.AWAITING_KEY
    obj = AxisObject(
        container_id=plan.container_id,
        name=plan.name,
        kind=ObjectKind.CLIP,
        meta=dict(plan.meta),
        size_bytes=received.size,
        md5=received.md5,
        sha256=received.sha256,
        content_type=CLIP_TYPES.get(extension or "", "application/octet-stream"),
        evidence_id=item.id,
        clip_state=state,
        key_object_id=key.id if key is not None else None,
        created_by=plan.device.api_token_id,
    )
    session.add(obj)
    container.updated_at = utcnow()  # the sweeper measures inactivity from here
    session.flush()
    if key is not None:
        ensure_job(session, DECRYPT_JOB, item.id, {"key": str(key.id)})
    if rejected:
        apply_recording(session, container, plan.device.principal, final=False)
    return Stored(obj.id, received.md5, item.id, created=True)
