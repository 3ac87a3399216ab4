"""Reading recordings: a list paged by recording (never cutting one across two pages), and the
clips of a recording a person may see.

A list is a scan of items in its own order (newest first, and so on) through the access policy.
A recording takes its place in the list at its first clip in that order, its *head*: when the
scan meets a recording, all its clips the list would show are read at once (by key, an indexed
lookup), and it is shown there if the clip met is its head; if not, its head came before the
cursor and the recording was on an earlier page. A page holds `limit` recordings, and the next
cursor is the last one's head, so no recording is cut in two or shown twice. The clips of a group
are only those the person may see (and the list's filters match): totals count only those."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from openbwv.access.policy import roles
from openbwv.access.policy.queries import visible_clause
from openbwv.access.principal import Principal
from openbwv.evidence.models import EvidenceItem
from openbwv.evidence.presenters import clip_seconds


@dataclass
class Recording:
    """One recording on a page: its clips in recording order, and the clip it is listed at."""

    key: str | None
    clips: list[EvidenceItem]
    head: EvidenceItem


@dataclass(frozen=True)
class Batch:
    """What a scan found after a position: `after` is where the next scan carries on from."""

    rows: list[EvidenceItem]
    after: Any
    done: bool


Scan = Callable[[Any, int], Batch]
# The clips of these recordings the list shows, but for those already at hand (ids).
Members = Callable[[set[str], set[uuid.UUID]], dict[str, list[EvidenceItem]]]
HeadOf = Callable[[list[EvidenceItem]], EvidenceItem]


def in_order(clips: Iterable[EvidenceItem]) -> list[EvidenceItem]:
    """Clips in recording order: by when they happened, then by id."""
    return sorted(clips, key=lambda clip: (clip.occurred_at, clip.id))


def newest(clips: list[EvidenceItem]) -> EvidenceItem:
    """The head of a newest-first list."""
    return max(clips, key=lambda clip: (clip.occurred_at, clip.id))


def paginate(
    scan: Scan,
    start: Any,
    members: Members,
    head_of: HeadOf,
    limit: int,
    batch_size: int | None = None,
) -> tuple[list[Recording], bool]:
    """Up to `limit` recordings from `start` on, and whether there are more. The scan is asked
    for `batch_size` rows at a time (`limit + 1` unless the caller knows a cheaper size)."""
    groups: list[Recording] = []
    seen: set[str | uuid.UUID] = set()
    after = start
    while True:
        batch = scan(after, batch_size or limit + 1)
        keys = {row.recording_key for row in batch.rows if row.recording_key} - seen
        at_hand = [row for row in batch.rows if row.recording_key in keys]
        found = members({str(k) for k in keys}, {row.id for row in at_hand}) if keys else {}
        for row in at_hand:  # the scan's own rows passed the same tests: not read twice
            found.setdefault(str(row.recording_key), []).append(row)
        for row in batch.rows:
            mark = row.recording_key or row.id
            if mark in seen:
                continue
            seen.add(mark)
            clips = found.get(row.recording_key, []) if row.recording_key else []
            if all(clip.id != row.id for clip in clips):
                clips = [*clips, row]  # changed since the scan read it: it is still listed
            if head_of(clips).id != row.id:
                continue  # listed on an earlier page
            groups.append(Recording(row.recording_key, in_order(clips), row))
            if len(groups) > limit:
                return groups[:limit], True
        if batch.done:
            return groups, False
        after = batch.after


def by_key(items: Iterable[EvidenceItem]) -> dict[str, list[EvidenceItem]]:
    found: dict[str, list[EvidenceItem]] = {}
    for item in items:
        if item.recording_key:
            found.setdefault(item.recording_key, []).append(item)
    return found


@dataclass(frozen=True)
class ClipRef:
    """A clip of a recording, as its siblings' pages name it."""

    id: uuid.UUID
    occurred_at: datetime
    seconds: float  # its length (see `presenters.clip_seconds`)


def visible_clips(
    session: Session, principal: Principal, keys: Iterable[str]
) -> dict[str, list[ClipRef]]:
    """The clips of these recordings the person may view, in recording order (hidden clips are
    left out altogether: neither counted nor numbered, so nothing reveals them)."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    query = (
        select(EvidenceItem)
        .where(EvidenceItem.recording_key.in_(wanted), visible_clause(principal, roles.VIEW))
        .order_by(EvidenceItem.recording_key, EvidenceItem.occurred_at, EvidenceItem.id)
    )
    found: dict[str, list[ClipRef]] = {}
    for item in session.scalars(query):
        found.setdefault(item.recording_key or "", []).append(
            ClipRef(item.id, item.occurred_at, clip_seconds(item))
        )
    return found


def timed_items() -> Any:
    """Every dated item of a known officer as a subquery for set-based matching in another
    domain's SQL (CAD incidents join it on officer and time): id, officer_user_id, team_id,
    ingested_at, recorded_start, recorded_end, and the centre of its GPS track's box (lat,
    lon; NULL without a track). Disposed items are left out. Columns only: no evidence is
    revealed by it; the caller reads what a person may see through the policy."""
    return (
        select(
            EvidenceItem.id.label("id"),
            EvidenceItem.officer_user_id.label("officer_user_id"),
            EvidenceItem.team_id.label("team_id"),
            EvidenceItem.ingested_at.label("ingested_at"),
            # The recorded start, as `occurred_at` holds it for a dated item: the column the
            # (officer_user_id, occurred_at) index orders, so a join on officer and time uses it.
            EvidenceItem.occurred_at.label("recorded_start"),
            EvidenceItem.recorded_end.label("recorded_end"),
            ((EvidenceItem.track_min_lat + EvidenceItem.track_max_lat) / 2).label("lat"),
            ((EvidenceItem.track_min_lon + EvidenceItem.track_max_lon) / 2).label("lon"),
        )
        .where(
            EvidenceItem.officer_user_id.is_not(None),
            EvidenceItem.recorded_start.is_not(None),
            EvidenceItem.recorded_end.is_not(None),
            EvidenceItem.status != "disposed",
        )
        .subquery("timed_items")
    )
