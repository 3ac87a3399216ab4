"""Key files, bookmarks, GNSS tracks (and anything else small): kept byte for byte, checked.

* A key object must be a key file we can unwrap (else 400: it can never be used); when the clip it
  is named after is already here, it must decrypt that clip (else 400). A matching key starts the
  clip's decryption at once.
* A bookmark's text must be UTF-8; a GNSS track must be the specification's JSON (or ciphertext,
  decrypted with its key file when the recording is applied).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from openbwv.audit.events import record
from openbwv.db.session import unit_of_work
from openbwv.ingest.axis import errors, queries
from openbwv.ingest.axis.apply import apply_recording
from openbwv.ingest.axis.clips import DECRYPT_JOB, Stored
from openbwv.ingest.axis.crypto import (
    KeyFileError,
    NoPrivateKey,
    UnwrappedKey,
    decrypts_to_media,
    load_keyring,
    parse_key_file,
)
from openbwv.ingest.axis.gnss import GnssError, parse_track
from openbwv.ingest.axis.models import (
    AxisContainer,
    AxisObject,
    ClipState,
    ContainerKind,
    ObjectKind,
)
from openbwv.ingest.axis.names import stem
from openbwv.ingest.axis.objects import Plan
from openbwv.ingest.axis.receive import EDGE, Received
from openbwv.jobs.service import ensure_job
from openbwv.storage.factory import originals
from openbwv.timeutil import utcnow

CONTENT_TYPES = {
    ObjectKind.KEY: "application/json",
    ObjectKind.BOOKMARK: "text/plain; charset=utf-8",
    ObjectKind.GNSS: "application/json",
}


@dataclass
class _Check:
    problem: str | None = None
    key: UnwrappedKey | None = None


def _unwrap(data: bytes) -> UnwrappedKey:
    try:
        return load_keyring(create=True).unwrap(parse_key_file(data))
    except NoPrivateKey as exc:
        raise errors.SwiftError(500, "Internal Server Error", str(exc)) from None


def _clip_edges(clip: AxisObject) -> tuple[bytes, bytes]:
    store = originals()
    head = b"".join(store.open_range(clip.sha256, 0, EDGE - 1))
    tail = b"".join(store.open_range(clip.sha256, max(0, clip.size_bytes - EDGE)))
    return head, tail


def _waiting_clips(session: Session, plan: Plan) -> list[AxisObject]:
    """Encrypted clips named like this key, still without a key that decrypts them."""
    return [
        obj
        for obj in queries.objects_of_kind(session, plan.container_id, ObjectKind.CLIP)
        if stem(obj.name) == stem(plan.name) and obj.clip_state == ClipState.AWAITING_KEY
    ]


def _check(plan: Plan, data: bytes) -> _Check:
    """Whether the body can be stored as this kind: 400 if not (noted, for rejected content)."""
    try:
        if plan.kind == ObjectKind.KEY:
            return _Check(key=_unwrap(data))
        if plan.kind == ObjectKind.BOOKMARK:
            data.decode("utf-8")
        elif plan.kind == ObjectKind.GNSS and _is_json(data):
            parse_track(data, None)
    except (KeyFileError, GnssError) as exc:
        return _refuse(plan, str(exc))
    except UnicodeDecodeError:
        return _refuse(plan, "a bookmark's text must be UTF-8")
    return _Check()


def _refuse(plan: Plan, problem: str) -> _Check:
    if not plan.lenient:
        raise errors.bad_request(problem)
    plan.problems.append(problem)
    return _Check(problem=problem)


def _is_json(data: bytes) -> bool:
    try:
        json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return False
    return True


def store_sidecar(plan: Plan, received: Received) -> Stored:
    data = received.data if received.data is not None else b""
    check = _check(plan, data)
    if plan.sealed_versions is not None and received.sha256 not in plan.sealed_versions:
        raise errors.bad_request("the recording is complete: this object cannot be replaced")
    with unit_of_work() as session:
        container = queries.container(session, plan.container_id)
        assert container is not None
        for existing in queries.versions(session, container.id, plan.name):
            if existing.sha256 == received.sha256:
                return Stored(existing.id, existing.md5, created=False)
        clips = _decryptable(session, plan, check)
        obj = AxisObject(
            container_id=container.id,
            name=plan.name,
            kind=plan.kind,
            meta=dict(plan.meta),
            size_bytes=received.size,
            md5=received.md5,
            sha256=received.sha256,
            body=data,
            content_type=CONTENT_TYPES.get(plan.kind, "application/octet-stream"),
            created_by=plan.device.api_token_id,
        )
        session.add(obj)
        container.updated_at = utcnow()
        session.flush()
        for clip in clips:
            clip.key_object_id = obj.id
            clip.clip_state = ClipState.DECRYPTING
            if clip.evidence_id is not None:
                ensure_job(session, DECRYPT_JOB, clip.evidence_id, {"key": str(obj.id)})
        _audit(session, plan, container, received, check, clips)
        if container.kind == ContainerKind.REJECTED:
            apply_recording(session, container, plan.device.principal, final=False)
        return Stored(obj.id, received.md5, created=True)


def _decryptable(session: Session, plan: Plan, check: _Check) -> list[AxisObject]:
    """The waiting clips this key decrypts; 400 when it decrypts none of those named after it."""
    if plan.kind != ObjectKind.KEY or check.key is None:
        return []
    waiting = _waiting_clips(session, plan)
    matched = [c for c in waiting if decrypts_to_media(check.key, *_clip_edges(c), c.size_bytes)]
    if waiting and not matched:
        _refuse(plan, f"the key file does not decrypt {waiting[-1].name}")
    return matched


def _audit(
    session: Session,
    plan: Plan,
    container: AxisContainer,
    received: Received,
    check: _Check,
    clips: list[AxisObject],
) -> None:
    details: dict[str, Any] = {
        "kind": plan.kind,
        "sha256": received.sha256,
        "bytes": received.size,
        "problems": plan.problems,
    }
    if check.key is not None:
        details["key_id"] = check.key.key_id
        details["decrypts"] = [c.name for c in clips]
    record(
        session,
        plan.device.principal,
        f"axis.{plan.kind}.store",
        target_type="axis_object",
        target_id=f"{container.name}/{plan.name}"[-128:],
        details=details,
    )
