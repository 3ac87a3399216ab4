"""Evidence records: creating items from ingested originals, and finding them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from openbwv.access.models import User
from openbwv.evidence.models import EvidenceFlag, EvidenceItem
from openbwv.fleet.cameras.queries import attribution
from openbwv.fleet.models import Camera
from openbwv.jobs.service import ensure_job


@dataclass
class NewOriginal:
    """What an ingest path knows about an original it has stored."""

    sha256: str
    size_bytes: int
    media_type: str
    source: str
    original_filename: str | None = None
    camera_serial: str | None = None
    officer: str | None = None
    recorded_start: datetime | None = None
    recorded_end: datetime | None = None
    gps_track: list[Any] | None = None
    extra_metadata: dict[str, Any] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    ingested_by: uuid.UUID | None = None
    uploader_user_id: uuid.UUID | None = None  # an officer uploading their own footage
    # False when the bytes are not yet decodable (e.g. an encrypted clip waiting for its key):
    # the ingest path then starts the probe itself once they are.
    start_processing: bool = True


@dataclass(frozen=True)
class IngestOutcome:
    item: EvidenceItem
    created: bool  # False: identical bytes were already evidence (the same item is returned)


def find_by_sha256(session: Session, sha256: str) -> EvidenceItem | None:
    return session.scalar(select(EvidenceItem).where(EvidenceItem.sha256 == sha256))


def _find_officer(session: Session, reference: str) -> User | None:
    """The user a device's officer reference names: warrant number first, then username."""
    for column in (User.warrant_number, User.username):
        user = session.scalar(select(User).where(column == reference))
        if user is not None:
            return user
    return None


def _owner(session: Session, new: NewOriginal) -> tuple[User | None, list[str]]:
    """The officer named by the device; else whoever the fleet says wore the camera when the
    recording started (fleet.assignments.wearer_at); else the uploading officer."""
    claimed = _find_officer(session, new.officer) if new.officer else None
    wearer, flags = attribution(session, new.camera_serial, new.recorded_start, claimed)
    if new.officer and claimed is None:
        flags.insert(0, EvidenceFlag.UNKNOWN_OFFICER)
    if claimed or wearer or new.officer:
        return claimed or wearer, flags
    if new.uploader_user_id:
        return session.get(User, new.uploader_user_id), []
    return None, []


def _flags_for(session: Session, new: NewOriginal) -> list[str]:
    flags = list(dict.fromkeys(new.flags))
    if new.camera_serial and not session.scalar(
        select(Camera.id).where(Camera.serial == new.camera_serial)
    ):
        flags.append(EvidenceFlag.UNKNOWN_CAMERA)
    return flags


def record_original(session: Session, new: NewOriginal) -> IngestOutcome:
    """Create the evidence item for a stored original (once per distinct bytes) and its probe job.

    Safe under concurrency: two ingests of the same bytes race on the unique SHA-256; the loser gets
    the winner's item.
    """
    existing = find_by_sha256(session, new.sha256)
    if existing is not None:
        return IngestOutcome(existing, created=False)
    owner, owner_flags = _owner(session, new)
    item = EvidenceItem(
        sha256=new.sha256,
        size_bytes=new.size_bytes,
        media_type=new.media_type,
        source=new.source,
        original_filename=new.original_filename,
        camera_serial=new.camera_serial,
        officer=new.officer,
        recorded_start=new.recorded_start,
        recorded_end=new.recorded_end,
        gps_track=new.gps_track,
        extra_metadata=new.extra_metadata,
        flags=_flags_for(session, new) + owner_flags,
        ingested_by=new.ingested_by,
        officer_user_id=owner.id if owner else None,
        borough=owner.borough if owner else None,
        team_id=owner.team_id if owner else None,
    )
    if new.recorded_start is not None:
        item.occurred_at = new.recorded_start
    try:
        with session.begin_nested():
            session.add(item)
            session.flush()
    except IntegrityError:
        winner = find_by_sha256(session, new.sha256)
        if winner is None:
            raise
        return IngestOutcome(winner, created=False)
    if new.start_processing:
        ensure_job(session, "probe", item.id)
    return IngestOutcome(item, created=True)
