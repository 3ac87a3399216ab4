"""Applying a recording to its evidence items: the GNSS track becomes each clip's `gps_track`
(the points within the clip's time), bookmarks become markers on the clip they fall in, and
bookmark categories become the items' categories (unknown ones kept and flagged).

It runs when the recording completes (and, for rejected content, which never completes, after
every object); it is idempotent, so running it again adds nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from openbwv.access.principal import Principal
from openbwv.audit.events import record
from openbwv.categories.queries import find as find_category
from openbwv.evidence.annotations.service import NewMarker, add_marker
from openbwv.evidence.models import EvidenceCategory, EvidenceFlag, EvidenceItem
from openbwv.ingest.axis import queries
from openbwv.ingest.axis.crypto import (
    DecryptionError,
    KeyFileError,
    NoPrivateKey,
    decrypt_bytes,
    load_keyring,
    parse_key_file,
)
from openbwv.ingest.axis.gnss import GnssError, Point, as_track, parse_track
from openbwv.ingest.axis.models import AxisContainer, AxisObject, ClipState, ObjectKind
from openbwv.ingest.axis.names import EARLIEST, rfc3339_from, stem, time_from
from openbwv.jobs.service import ensure_job

TRACK_SLACK = timedelta(seconds=2)
KEY_MISSING_FLAG = "encryption_key_missing"


@dataclass
class Clip:
    obj: AxisObject
    item: EvidenceItem
    start: datetime | None
    stop: datetime | None

    def contains(self, when: datetime) -> bool:
        return bool(self.start and self.stop and self.start <= when <= self.stop)


@dataclass
class Summary:
    clips: int = 0
    track_points: int = 0
    markers: int = 0
    categories: list[str] = field(default_factory=list)
    unknown_categories: list[str] = field(default_factory=list)
    missing_keys: list[str] = field(default_factory=list)

    def as_details(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _quiet_time(values: dict[str, str], key: str, rfc_only: bool = False) -> datetime | None:
    try:
        return rfc3339_from(values, key) if rfc_only else time_from(values, key)
    except ValueError:
        return None


def _latest(objects: list[AxisObject], kind: ObjectKind) -> list[AxisObject]:
    newest: dict[str, AxisObject] = {}
    for obj in objects:
        if obj.kind == kind:
            newest[obj.name] = obj  # ordered by creation: the last wins
    return list(newest.values())


def _clips(session: Session, objects: list[AxisObject]) -> list[Clip]:
    clips = []
    ids = [o.evidence_id for o in objects if o.kind == ObjectKind.CLIP and o.evidence_id]
    # Locked: the decryption job updates the same item's metadata concurrently.
    items = queries.locked_items(session, ids)
    for obj in objects:
        if obj.kind != ObjectKind.CLIP or obj.evidence_id is None:
            continue
        item = items.get(obj.evidence_id)
        if item is None:
            continue
        start = _quiet_time(obj.meta, "StartTime") or item.recorded_start
        stop = _quiet_time(obj.meta, "StopTime") or item.recorded_end
        clips.append(Clip(obj, item, start, stop))
    return sorted(clips, key=lambda c: (c.start is None, c.start or EARLIEST))


def _decrypted_track(data: bytes, name: str, keys: list[AxisObject]) -> bytes | None:
    """The plaintext of an encrypted track: keys named like it are tried first."""
    try:
        ring = load_keyring()
    except NoPrivateKey:
        return None
    ordered = sorted(keys, key=lambda k: not stem(name).startswith(stem(k.name)))
    for key in ordered:
        try:
            plain = decrypt_bytes(data, ring.unwrap(parse_key_file(key.body or b"")))
            parse_track(plain, None)
            return plain
        except (KeyFileError, DecryptionError, GnssError):
            continue
    return None


def _track(objects: list[AxisObject], recording_start: datetime | None) -> list[Point]:
    keys = [o for o in objects if o.kind == ObjectKind.KEY]
    points: list[Point] = []
    for obj in _latest(objects, ObjectKind.GNSS):
        data = obj.body or b""
        try:
            points.extend(parse_track(data, recording_start))
            continue
        except GnssError:
            pass
        plain = _decrypted_track(data, obj.name, keys)
        if plain is not None:
            points.extend(parse_track(plain, recording_start))
    return sorted(points, key=lambda p: p[0])


def _apply_track(clips: list[Clip], points: list[Point]) -> int:
    applied = 0
    for clip in clips:
        if clip.start and clip.stop:
            window = [
                p for p in points if clip.start - TRACK_SLACK <= p[0] <= clip.stop + TRACK_SLACK
            ]
        else:
            window = points
        if window:
            clip.item.gps_track = as_track(window)
            applied += len(window)
    return applied


def _category(session: Session, values: dict[str, str]) -> tuple[str, bool] | None:
    """(category name, known) for a bookmark's CategoryID / CategoryName."""
    wanted_id, wanted_name = values.get("CategoryID"), values.get("CategoryName")
    if not wanted_id and not wanted_name:
        return None
    known = find_category(session, wanted_id) if wanted_id else None
    if known is None and wanted_name:
        known = queries.category_labelled(session, wanted_name)
    if known is not None:
        return known.name, True
    return (wanted_id or wanted_name or "")[:64], False


def _categorise(
    session: Session, clips: list[Clip], name: str, known: bool, actor: Principal
) -> bool:
    added = False
    for clip in clips:
        item = clip.item
        if queries.item_category(session, item.id, name) is None:
            session.add(EvidenceCategory(evidence_id=item.id, category=name, assigned_by=actor.id))
            record(
                session,
                actor,
                "evidence.categorise",
                evidence_id=item.id,
                details={"category": name, "known": known, "source": "axis bookmark"},
            )
            added = True
        if not known and EvidenceFlag.UNKNOWN_CATEGORY not in item.flags:
            item.flags = [*item.flags, EvidenceFlag.UNKNOWN_CATEGORY]
    session.flush()
    return added


def _target(clips: list[Clip], when: datetime | None) -> Clip | None:
    if when is not None:
        for clip in clips:
            if clip.contains(when):
                return clip
        before = [c for c in clips if c.start and c.start <= when]
        if before:
            return before[-1]
    return clips[0] if clips else None


def _marker(clip: Clip, bookmark: AxisObject, when: datetime | None, actor: Principal) -> NewMarker:
    values = bookmark.meta
    end = _quiet_time(values, "EndTime", rfc_only=True)

    def offset(at: datetime | None) -> float | None:
        if at is None or clip.start is None:
            return None
        return max(0.0, (at - clip.start).total_seconds())

    tags = [t for t in values.get("Tags", "").split(";") if t]
    details: dict[str, Any] = {
        k: values[k] for k in ("Location", "CategoryID", "CategoryName") if k in values
    }
    return NewMarker(
        evidence_id=clip.item.id,
        source="axis",
        label=(bookmark.body or b"").decode("utf-8", "replace"),
        offset_seconds=offset(when),
        end_offset_seconds=offset(end),
        at=when,
        end_at=end,
        tags=tags,
        source_ref=f"{bookmark.name[:230]}#{bookmark.sha256[:16]}",
        details={**details, "object": bookmark.name},
        created_by=actor.id,
    )


def _apply_bookmarks(
    session: Session,
    clips: list[Clip],
    bookmarks: list[AxisObject],
    recording_start: datetime | None,
    actor: Principal,
    summary: Summary,
) -> None:
    for bookmark in bookmarks:
        values = bookmark.meta
        category = _category(session, values)
        if category is not None:
            name, known = category
            _categorise(session, clips, name, known, actor)
            (summary.categories if known else summary.unknown_categories).append(name)
        text = (bookmark.body or b"").strip()
        if category is not None and not text and not values.get("Tags"):
            continue  # a category bookmark: it categorises, it marks nothing
        when = _quiet_time(values, "StartTime", rfc_only=True) or recording_start
        clip = _target(clips, when)
        if clip is None:
            continue
        marker, created = add_marker(session, _marker(clip, bookmark, when, actor))
        if created:
            summary.markers += 1
            record(
                session,
                actor,
                "evidence.marker.add",
                evidence_id=clip.item.id,
                target_type="marker",
                target_id=str(marker.id),
                details={"source": "axis", "object": bookmark.name[-100:]},
            )


def _start_undecryptable(session: Session, clips: list[Clip], summary: Summary) -> None:
    """At completion, an encrypted clip with no key is processed as it is (it will show as
    unreadable) and flagged: the ciphertext stays, should the key turn up."""
    for clip in clips:
        if clip.obj.clip_state != ClipState.AWAITING_KEY:
            continue
        clip.obj.clip_state = ClipState.PROCESSING
        if KEY_MISSING_FLAG not in clip.item.flags:
            clip.item.flags = [*clip.item.flags, KEY_MISSING_FLAG]
        ensure_job(session, "probe", clip.item.id)
        summary.missing_keys.append(clip.obj.name)


def apply_recording(
    session: Session, container: AxisContainer, actor: Principal, *, final: bool
) -> dict[str, Any]:
    objects = queries.objects(session, container.id)
    clips = _clips(session, objects)
    recording_start = _quiet_time(container.meta, "StartTime") or container.trigger_on
    summary = Summary(clips=len(clips))
    summary.track_points = _apply_track(clips, _track(objects, recording_start))
    bookmarks = _latest(objects, ObjectKind.BOOKMARK)
    _apply_bookmarks(session, clips, bookmarks, recording_start, actor, summary)
    for clip in clips:
        axis = dict(clip.item.extra_metadata.get("axis", {}))
        axis["recording"] = dict(container.meta)
        clip.item.extra_metadata = {**clip.item.extra_metadata, "axis": axis}
    if final:
        _start_undecryptable(session, clips, summary)
    session.flush()
    return summary.as_details()
