"""Background work of the Axis destination: decrypting clips, and finishing what was left.

`axis_decrypt` unwraps the clip's key with the force's private key, decrypts the original (kept
as received, ciphertext) into a `decrypted` derivative while hashing it, records the plaintext's
SHA-256, and only then starts the probe — so thumbnails and playback are made from the plaintext.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from openbwv.access.principal import SYSTEM
from openbwv.audit.events import FAILURE, record
from openbwv.db.session import read_only_unit_of_work, unit_of_work
from openbwv.evidence.models import (
    Derivative,
    DerivativeKind,
    EvidenceFlag,
    EvidenceItem,
    EvidenceStatus,
)
from openbwv.ingest.axis.apply import apply_recording
from openbwv.ingest.axis.clips import DECRYPT_JOB
from openbwv.ingest.axis.crypto import (
    DecryptionError,
    KeyFileError,
    decrypt_file,
    load_keyring,
    looks_like_media,
    parse_key_file,
)
from openbwv.ingest.axis.models import (
    AxisAuthToken,
    AxisContainer,
    AxisObject,
    ClipState,
    ContainerKind,
    RecordingStatus,
)
from openbwv.ingest.axis.names import CLIP_TYPES
from openbwv.ingest.axis.receive import clean_staging
from openbwv.ingest.axis.settings import get_axis_settings
from openbwv.jobs.models import Job
from openbwv.jobs.registry import register
from openbwv.jobs.service import ensure_job, params_digest
from openbwv.storage.base import PutResult
from openbwv.storage.factory import derivatives, originals
from openbwv.timeutil import utcnow

Finish = Callable[[Session], dict[str, Any] | None]
DECRYPTION_FAILED_FLAG = "decryption_failed"
ALGORITHM = {"content": "AES-256-CBC", "key_wrap": "RSA-OAEP"}


def _load(job: Job) -> tuple[str, bytes, str]:
    with read_only_unit_of_work() as session:  # a read: no write lock
        item = session.get(EvidenceItem, job.evidence_id)
        key = session.get(AxisObject, uuid.UUID(job.params["key"]))
        if item is None or key is None:
            raise LookupError(f"evidence {job.evidence_id} or its key object no longer exists")
        return item.sha256, key.body or b"", key.name


def _decrypt(sha256: str, key_body: bytes) -> tuple[PutResult, str, str]:
    unwrapped = load_keyring().unwrap(parse_key_file(key_body))
    with (
        originals().local_copy(sha256) as source,
        tempfile.TemporaryDirectory(prefix="bwv-decrypt-") as scratch,
    ):
        target = Path(scratch) / "plaintext"
        digest, _size = decrypt_file(source, target, unwrapped)
        with open(target, "rb") as handle:
            kind = looks_like_media(handle.read(32)) or ""
        stored = derivatives().put_file(target, digest, consume=True)
    return stored, CLIP_TYPES.get(kind, "application/octet-stream"), unwrapped.key_id


def _add_plaintext(
    session: Session, item: EvidenceItem, stored: PutResult, media_type: str, info: dict[str, Any]
) -> None:
    digest = params_digest({})
    exists = session.scalar(
        select(Derivative.id).where(
            Derivative.evidence_id == item.id,
            Derivative.kind == DerivativeKind.DECRYPTED,
            Derivative.params_hash == digest,
        )
    )
    if exists is None:
        session.add(
            Derivative(
                evidence_id=item.id,
                kind=DerivativeKind.DECRYPTED,
                params={},
                params_hash=digest,
                storage_key=stored.key,
                sha256=stored.sha256,
                size_bytes=stored.size,
                media_type=media_type,
                info=info,
            )
        )


def _locked(session: Session, job: Job) -> EvidenceItem:
    """The item, row-locked: completing its recording updates the same metadata concurrently."""
    item = session.get(
        EvidenceItem, job.evidence_id, with_for_update={"key_share": True}, populate_existing=True
    )
    if item is None:
        raise LookupError(f"evidence {job.evidence_id} no longer exists")
    return item


def _clip_objects(session: Session, evidence_id: uuid.UUID) -> list[AxisObject]:
    return list(session.scalars(select(AxisObject).where(AxisObject.evidence_id == evidence_id)))


@register(DECRYPT_JOB, queue="media")
def decrypt_clip(job: Job) -> Finish:
    sha256, key_body, key_name = _load(job)
    try:
        stored, media_type, key_id = _decrypt(sha256, key_body)
    except (DecryptionError, KeyFileError) as exc:
        return _failed(job, key_name, str(exc))
    info = {**ALGORITHM, "key_object": key_name, "key_id": key_id}

    def finish(session: Session) -> dict[str, Any]:
        item = _locked(session, job)
        _add_plaintext(session, item, stored, media_type, info)
        axis = dict(item.extra_metadata.get("axis", {}))
        axis["decrypted"] = {"sha256": stored.sha256, "bytes": stored.size, **info}
        item.extra_metadata = {**item.extra_metadata, "axis": axis}
        for obj in _clip_objects(session, item.id):
            obj.clip_state = ClipState.PROCESSING
        record(
            session,
            SYSTEM,
            "evidence.decrypt",
            evidence_id=item.id,
            details={"plaintext_sha256": stored.sha256, "bytes": stored.size, **info},
        )
        ensure_job(session, "probe", item.id)
        return {"plaintext_sha256": stored.sha256, "bytes": stored.size}

    return finish


def _failed(job: Job, key_name: str, error: str) -> Finish:
    """A key that does not decrypt the clip: the item is kept (ciphertext) and flagged."""

    def finish(session: Session) -> dict[str, Any]:
        item = _locked(session, job)
        item.status = EvidenceStatus.UNREADABLE
        new_flags = [EvidenceFlag.UNREADABLE, DECRYPTION_FAILED_FLAG]
        item.flags = [*item.flags, *(f for f in new_flags if f not in item.flags)]
        record(
            session,
            SYSTEM,
            "evidence.decrypt",
            evidence_id=item.id,
            result=FAILURE,
            details={"key_object": key_name, "error": error},
        )
        return {"decrypted": False, "error": error}

    return finish


# The job kinds this module registers (its install checks each is there).
KINDS = (DECRYPT_JOB,)


def finish_abandoned_recordings(limit: int = 100) -> int:
    """Recordings that never reached Status: Complete are applied anyway after a while (their
    clips are already evidence; this attaches the track and bookmarks that did arrive)."""
    settings = get_axis_settings()
    cutoff = utcnow() - timedelta(hours=settings.abandon_after_hours)
    handled = 0
    with unit_of_work() as session:
        stale = session.scalars(
            select(AxisContainer)
            .where(
                AxisContainer.status == RecordingStatus.TRANSFERRING,
                AxisContainer.kind.in_((ContainerKind.RECORDING, ContainerKind.REJECTED)),
                AxisContainer.updated_at < cutoff,
            )
            .limit(limit)
        )
        for container in stale:
            container.status = RecordingStatus.ABANDONED
            summary = apply_recording(session, container, SYSTEM, final=True)
            record(
                session,
                SYSTEM,
                "axis.recording.abandoned",
                target_type="axis_container",
                target_id=container.name[:128],
                details=summary,
            )
            handled += 1
        handled += purge_expired_auth_tokens(session)
    return handled + clean_staging(older_than_seconds=settings.abandon_after_hours * 3600)


def purge_expired_auth_tokens(session: Session) -> int:
    """X-Auth-Tokens past their expiry (the device signs in again for a new one)."""
    result = session.execute(delete(AxisAuthToken).where(AxisAuthToken.expires_at <= utcnow()))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
