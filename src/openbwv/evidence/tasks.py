"""The processing pipeline of every new item: probe → thumbnails + web playback copy.

Each job is two-phase (see jobs.registry): slow, idempotent work outside any transaction (decode,
write derivatives to content-addressed storage), then a short write phase that records the result.
"""

from __future__ import annotations

import hashlib
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from openbwv.db.session import read_only_unit_of_work
from openbwv.evidence.models import (
    Derivative,
    DerivativeKind,
    DerivativeStatus,
    EvidenceFlag,
    EvidenceItem,
    EvidenceStatus,
)
from openbwv.jobs.models import Job
from openbwv.jobs.registry import register
from openbwv.jobs.service import ensure_job, params_digest
from openbwv.media import playback, thumbnails
from openbwv.media.probe import ProbeResult, probe
from openbwv.storage.base import PutResult
from openbwv.storage.factory import derivatives, originals
from openbwv.timeutil import parse_rfc3339

Finish = Callable[[Session], dict[str, Any] | None]
ReadyHook = Callable[[Session, uuid.UUID], None]
_ready_hooks: list[ReadyHook] = []
STRIP_TILES = 10
STRIP_TILE_WIDTH = 160


def _item(session: Session, job: Job) -> EvidenceItem:
    assert job.evidence_id is not None
    item = session.get(EvidenceItem, job.evidence_id)
    if item is None:
        raise LookupError(f"evidence {job.evidence_id} no longer exists")
    if item.status == EvidenceStatus.DISPOSED:  # disposed while the job ran: make nothing
        raise LookupError(f"evidence {job.evidence_id} was disposed of")
    return item


def _add_derivative(session: Session, item: EvidenceItem, kind: str, **fields: Any) -> None:
    params = fields.pop("params", {})
    digest = params_digest(params)
    exists = session.scalar(
        select(Derivative.id).where(
            Derivative.evidence_id == item.id,
            Derivative.kind == kind,
            Derivative.params_hash == digest,
        )
    )
    if exists is None:
        session.add(
            Derivative(evidence_id=item.id, kind=kind, params=params, params_hash=digest, **fields)
        )
        session.flush()


def on_ready(hook: ReadyHook) -> None:
    """Call `hook(session, evidence_id)` in the transaction that makes an item ready (its
    poster, strip and playback copy made): another domain's install registers it (transcription
    queues a transcript), so evidence never imports who listens."""
    if hook not in _ready_hooks:
        _ready_hooks.append(hook)


def _maybe_ready(session: Session, item: EvidenceItem) -> None:
    # Thumbnails and playback finish concurrently: lock the item so the second to get here sees
    # the first's derivatives (under READ COMMITTED neither would, and the item would never be
    # ready). NO KEY UPDATE: the derivative inserts hold KEY SHARE on the row; FOR UPDATE deadlocks.
    session.refresh(item, with_for_update={"key_share": True})  # FOR NO KEY UPDATE
    session.refresh(item, ["derivatives"])
    kinds = {d.kind for d in item.derivatives}
    if {DerivativeKind.POSTER, DerivativeKind.STRIP, DerivativeKind.PLAYBACK} <= kinds:
        was_ready = item.status == EvidenceStatus.READY
        item.status = EvidenceStatus.READY
        if not was_ready:
            for hook in _ready_hooks:
                hook(session, item.id)


@dataclass(frozen=True)
class MediaSource:
    """The bytes to decode: the original, or the plaintext of an end-to-end encrypted original."""

    sha256: str
    size: int
    decrypted_key: str | None  # derivatives key of the plaintext, when the original is encrypted


def _media_source(job: Job) -> MediaSource:
    assert job.evidence_id is not None
    return media_source(job.evidence_id)


def media_source(evidence_id: uuid.UUID) -> MediaSource:
    """What to decode for an item (its own unit of work; LookupError when the item is gone or
    disposed of): other domains' jobs (transcription) read the recording through this and
    `local_media`. A read: it takes no write lock (SQLite's is the worker's and the API's)."""
    with read_only_unit_of_work() as session:
        item = session.get(EvidenceItem, evidence_id)
        if item is None or item.status == EvidenceStatus.DISPOSED:
            raise LookupError(f"evidence {evidence_id} is gone or was disposed of")
        plain = item.derivative(DerivativeKind.DECRYPTED)
        if plain is not None and plain.storage_key:
            return MediaSource(plain.sha256 or "", plain.size_bytes or 0, plain.storage_key)
        return MediaSource(item.sha256, item.size_bytes, None)


@contextmanager
def local_media(source: MediaSource) -> Iterator[Path]:
    """The bytes to decode as a local file (a temporary copy from S3) while the block runs."""
    if source.decrypted_key is not None:
        with derivatives().local_copy(source.decrypted_key) as path:
            yield path
    else:
        with originals().local_copy(source.sha256) as path:
            yield path


def mark_failed(session: Session, job: Job) -> None:
    """Processing gave up: the item says so (its original is untouched and still served)."""
    item = session.get(EvidenceItem, job.evidence_id) if job.evidence_id else None
    if item is not None and item.status == EvidenceStatus.PROCESSING:
        item.status = EvidenceStatus.FAILED


@register("probe", queue="media", give_up=mark_failed)
def probe_original(job: Job) -> Finish:
    with local_media(_media_source(job)) as path:
        result = probe(path)

    def finish(session: Session) -> dict[str, Any]:
        item = _item(session, job)
        item.probe = result.to_dict()
        item.duration_seconds = result.duration_seconds
        if not result.readable:
            item.status = EvidenceStatus.UNREADABLE
            item.flags = [*item.flags, EvidenceFlag.UNREADABLE]
            return {"readable": False, "error": result.error}
        if item.recorded_start is None and result.creation_time is not None:
            item.recorded_start = result.creation_time
            item.occurred_at = result.creation_time
        if item.recorded_end is None and item.recorded_start and result.duration_seconds:
            item.recorded_end = item.recorded_start + timedelta(seconds=result.duration_seconds)
        ensure_job(session, "thumbnails", item.id)
        ensure_job(session, "playback", item.id)
        return {"readable": True, "duration_seconds": result.duration_seconds}

    return finish


@register("thumbnails", queue="media", give_up=mark_failed)
def make_thumbnails(job: Job) -> Finish:
    with local_media(_media_source(job)) as path:
        poster_jpeg = thumbnails.poster_frame(path)
        strip = thumbnails.thumbnail_strip(path, count=STRIP_TILES, tile_width=STRIP_TILE_WIDTH)
    store = derivatives()
    poster = store.put_bytes(poster_jpeg)
    sheet = store.put_bytes(strip.jpeg)

    def finish(session: Session) -> dict[str, Any]:
        item = _item(session, job)
        _add_derivative(
            session,
            item,
            DerivativeKind.POSTER,
            storage_key=poster.key,
            sha256=poster.sha256,
            size_bytes=poster.size,
            media_type="image/jpeg",
        )
        _add_derivative(
            session,
            item,
            DerivativeKind.STRIP,
            storage_key=sheet.key,
            sha256=sheet.sha256,
            size_bytes=sheet.size,
            media_type="image/jpeg",
            info={
                "timestamps": strip.timestamps,
                "tile_width": strip.tile_width,
                "tile_height": strip.tile_height,
                "count": strip.count,
            },
        )
        _maybe_ready(session, item)
        return {"poster": poster.key, "strip": sheet.key}

    return finish


@register("playback", queue="media", give_up=mark_failed)
def make_playback(job: Job) -> Finish:
    with read_only_unit_of_work() as session:
        probed = _probe_result(_item(session, job).probe)
    media = _media_source(job)
    plan = playback.plan_playback(probed)
    stored = None
    if plan.action == "as_is" and media.decrypted_key is not None:
        # The original is ciphertext: the plaintext, already browser-playable, is the copy.
        stored = PutResult(media.decrypted_key, media.sha256, media.size, created=False)
    elif plan.action in ("remux", "transcode"):
        with (
            local_media(media) as source,
            tempfile.TemporaryDirectory(prefix="bwv-playback-") as scratch,
        ):
            target = Path(scratch) / "playback.mp4"
            playback.make_playback_copy(source, target, plan)
            stored = derivatives().put_file(target, _sha256_file(target), consume=True)

    def finish(session: Session) -> dict[str, Any]:
        item = _item(session, job)
        if stored is None:
            _add_derivative(
                session,
                item,
                DerivativeKind.PLAYBACK,
                status=DerivativeStatus.NOT_NEEDED,
                note=f"plan: {plan.action}",
            )
        else:
            _add_derivative(
                session,
                item,
                DerivativeKind.PLAYBACK,
                storage_key=stored.key,
                sha256=stored.sha256,
                size_bytes=stored.size,
                media_type="video/mp4",
                info={"action": plan.action},
            )
        _maybe_ready(session, item)
        return {"action": plan.action}

    return finish


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _probe_result(stored: dict[str, Any] | None) -> ProbeResult:
    """Rebuild the probe result the probe job stored, without reading the original again."""
    if not stored:
        return ProbeResult(readable=False, error="not probed")
    names = {f.name for f in fields(ProbeResult)}
    values = {key: value for key, value in stored.items() if key in names}
    if values.get("creation_time"):
        values["creation_time"] = parse_rfc3339(values["creation_time"])
    return ProbeResult(**values)


# The job kinds this module registers (its install checks each is there).
KINDS = ("probe", "thumbnails", "playback")
