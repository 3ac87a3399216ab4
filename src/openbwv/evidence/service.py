"""Evidence records: creating items from ingested originals; opening an item (authorised and
recorded); categorising it; break glass; checking every stored original (fsck).

Every function here authorises and records its audit event in the caller's transaction; none
commits."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from openbwv.access.errors import AccessDenied
from openbwv.access.models import EvidenceGrant, User
from openbwv.access.policy import roles
from openbwv.access.policy.queries import authorize_item, can_on_item
from openbwv.access.principal import Principal
from openbwv.audit.events import record
from openbwv.categories.errors import UnknownCategory
from openbwv.categories.queries import unknown_names
from openbwv.config import Settings, get_settings
from openbwv.db.session import unit_of_work
from openbwv.evidence import queries, thumbnails
from openbwv.evidence.disposal import queries as disposal_queries
from openbwv.evidence.disposal.service import arrived
from openbwv.evidence.errors import AlreadyVisible
from openbwv.evidence.models import EvidenceCategory, EvidenceFlag, EvidenceItem
from openbwv.fleet.cameras.queries import attribution
from openbwv.fleet.models import Camera
from openbwv.jobs.service import ensure_job
from openbwv.storage.base import ObjectNotFound
from openbwv.storage.factory import derivatives, originals
from openbwv.timeutil import utcnow

BREAK_GLASS_HOURS = 12


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
    recording_key: str | None = None  # the recording it is a clip of (`recording_keys`)
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
    recording started (`fleet.cameras.queries.attribution`); else the uploading officer."""
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


@dataclass(frozen=True)
class Arrival:
    """How an original arrived, for its `evidence.ingest` record: who delivered it, as what
    (an upload, a file, an Axis object), and what that path adds to the record."""

    principal: Principal
    target_type: str
    target_id: str
    details: dict[str, Any] = field(default_factory=dict)


def record_original(session: Session, new: NewOriginal, arrival: Arrival) -> IngestOutcome:
    """Create the evidence item for a stored original (once per distinct bytes) and its probe job,
    and record the arrival (`evidence.ingest`) — once, here, for every ingest path.

    Safe under concurrency: two ingests of the same bytes race on the unique SHA-256; the loser gets
    the winner's item.
    """
    outcome = _item_for(session, new)
    record(
        session,
        arrival.principal,
        "evidence.ingest",
        evidence_id=outcome.item.id,
        target_type=arrival.target_type,
        target_id=arrival.target_id[-128:],
        details={
            "source": new.source,
            "sha256": new.sha256,
            "bytes": new.size_bytes,
            "new": outcome.created,
            **arrival.details,
        },
    )
    return outcome


def _item_for(session: Session, new: NewOriginal) -> IngestOutcome:
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
        recording_key=new.recording_key,
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
    arrived(session, item)  # e.g. retention: an open hold's scope holds it on arrival
    if new.start_processing:
        ensure_job(session, "probe", item.id)
    return IngestOutcome(item, created=True)


# --- opening and finding ---------------------------------------------------------------------


def open_item(
    session: Session,
    principal: Principal,
    evidence_id: uuid.UUID | str,
    source_ip: str | None,
    *,
    permission: str = roles.VIEW,
    action: str = "evidence.view",
    details: dict[str, Any] | None = None,
) -> EvidenceItem:
    """The item, if the policy allows `permission`; the access is recorded as `action`."""
    item = authorize_item(session, principal, evidence_id, permission)
    record_access(session, principal, item.id, source_ip, action=action, details=details)
    return item


def record_access(
    session: Session,
    principal: Principal,
    evidence_id: uuid.UUID,
    source_ip: str | None,
    *,
    action: str = "evidence.view",
    details: dict[str, Any] | None = None,
) -> None:
    """An authorised read of one item (the API authorises in a read-only transaction and
    records this in a group commit before answering: `evidence.api.record_read`)."""
    record(
        session, principal, action, evidence_id=evidence_id, source_ip=source_ip, details=details
    )


def record_search(
    session: Session, principal: Principal, source_ip: str | None, details: dict[str, Any]
) -> None:
    """Who looked for what (the API's list, the search page, My footage)."""
    record(session, principal, "evidence.search", source_ip=source_ip, details=details)


# --- categorising ----------------------------------------------------------------------------


def categorise(
    session: Session,
    principal: Principal,
    item: EvidenceItem,
    wanted: list[str],
    source_ip: str | None,
) -> list[str]:
    """Replace the item's categories with `wanted` (known categories only; they drive retention
    and restriction). The caller authorised `evidence.categorise` on the item. Raises
    UnknownCategory for a name that is not a category."""
    after = sorted(set(wanted))
    unknown = unknown_names(session, after)
    if unknown:
        raise UnknownCategory(unknown)
    before = queries.categories_of(session, item)
    session.execute(delete(EvidenceCategory).where(EvidenceCategory.evidence_id == item.id))
    for name in after:
        session.add(
            EvidenceCategory(evidence_id=item.id, category=name, assigned_by=principal.user_id)
        )
    session.flush()
    record(
        session,
        principal,
        "evidence.categorise",
        evidence_id=item.id,
        source_ip=source_ip,
        details={"before": before, "after": after},
    )
    return after


# --- break glass -----------------------------------------------------------------------------


@dataclass(frozen=True)
class BrokenGlass:
    evidence_id: uuid.UUID
    expires_at: datetime


def break_glass(
    session: Session,
    principal: Principal,
    evidence_id: str,
    reason: str,
    source_ip: str | None,
) -> BrokenGlass:
    """Open an item outside the person's reach for BREAK_GLASS_HOURS, giving a reason: a grant,
    audited (and reported to supervisors)."""
    if not principal.can(roles.BREAK_GLASS) or principal.user_id is None:
        raise AccessDenied(roles.BREAK_GLASS, "your role cannot break glass")
    item = _any_item(session, evidence_id)
    if can_on_item(session, principal, item.id, roles.VIEW):
        raise AlreadyVisible("you can already open this item")
    now = utcnow()
    expires = now + timedelta(hours=BREAK_GLASS_HOURS)
    session.add(
        EvidenceGrant(
            user_id=principal.user_id,
            evidence_id=item.id,
            kind="break_glass",
            reason=reason,
            created_at=now,
            expires_at=expires,
        )
    )
    record(
        session,
        principal,
        "evidence.break_glass",
        evidence_id=item.id,
        reason=reason,
        source_ip=source_ip,
        details={"expires_at": expires.isoformat()},
    )
    return BrokenGlass(item.id, expires)


def _any_item(session: Session, evidence_id: str) -> EvidenceItem:
    """The item whoever's reach it is in (break glass is for items out of reach)."""
    try:
        item = session.get(EvidenceItem, uuid.UUID(evidence_id))
    except ValueError:
        item = None
    if item is None:
        raise AccessDenied(
            roles.BREAK_GLASS, "no such evidence item", status=404, target=evidence_id[:64]
        )
    return item


# --- fsck ------------------------------------------------------------------------------------


@dataclass
class FsckReport:
    checked: int = 0
    bytes_checked: int = 0
    mismatched: list[tuple[str, str, str]] = field(default_factory=list)  # id, expected, actual
    missing: list[tuple[str, str]] = field(default_factory=list)  # id, key
    orphans: list[tuple[str, str]] = field(default_factory=list)  # namespace, key
    disposed: int = 0  # tombstones: their bytes are meant to be gone
    awaiting_deletion: list[str] = field(default_factory=list)  # disposed, bytes not yet deleted

    @property
    def ok(self) -> bool:
        return not (self.mismatched or self.missing or self.orphans)


def fsck(
    settings: Settings | None = None, progress: Callable[[int], None] = lambda _n: None
) -> FsckReport:
    """Re-hash every original; report mismatches, missing objects and orphans. The database is
    read first, in one short unit of work: no transaction is held while the bytes are hashed."""
    settings = settings or get_settings()
    report = FsckReport()
    with unit_of_work(settings) as session:
        items = queries.stored_originals(session)
        derived = queries.derivative_keys(session)
        tombstones = disposal_queries.disposed_originals(session)
    report.disposed = len(tombstones)
    store = originals(settings)
    for item_id, sha256 in items:
        try:
            actual = store.rehash(sha256)
            size = store.size(sha256)
        except ObjectNotFound:
            report.missing.append((str(item_id), sha256))
            continue
        report.checked += 1
        report.bytes_checked += size
        progress(size)
        if actual != sha256:
            report.mismatched.append((str(item_id), sha256, actual))
    known = {sha256 for _id, sha256 in items}
    for key in store.iter_keys():
        if key in tombstones:  # a disposal whose byte deletion is pending (e.g. Object Lock)
            report.awaiting_deletion.append(key)
        elif key not in known:
            report.orphans.append(("originals", key))
    report.orphans.extend(
        ("derivatives", key) for key in derivatives(settings).iter_keys() if key not in derived
    )
    return report


def record_thumbnail_batch(
    session: Session,
    principal: Principal,
    item_ids: Iterable[uuid.UUID],
    source_ip: str | None,
    page: str,
) -> dict[uuid.UUID, str]:
    """Record a list page's thumbnail reads as one event; returns each item's signed URL (the
    thumbnail endpoint still asks the policy for every picture)."""
    ids = list(dict.fromkeys(item_ids))
    if not ids:
        return {}
    batch = uuid.uuid4().hex
    record(
        session,
        principal,
        "evidence.thumbnails",
        source_ip=source_ip,
        target_type="page",
        target_id=page,
        details={"batch": batch, "items": [str(item_id) for item_id in ids]},
    )
    return thumbnails.signed_urls(principal, batch, ids)
