"""How a trail is shown to people: views, plays and downloads first, and the routine reads that
swamp it (an item's poster frame, read on every page that shows it) folded into one line per
sitting. Presentation only: every event stays in the log and in the custody report with its proof.

A sitting is one actor, from one address, with no more than `SITTING_GAP` between two reads: the
log has no session ids (a token and a browser session look alike to it), and a gap is what a
reader means by "they looked at it again later".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from openbwv.audit.models import AuditEvent
from openbwv.audit.trail import TrailEvent
from openbwv.timeutil import parse_rfc3339

FOLDED_ACTIONS = frozenset({"evidence.thumbnail"})
ACCESS_ACTIONS = frozenset(
    {"evidence.view", "evidence.play", "evidence.download", "evidence.break_glass"}
)
SITTING_GAP = timedelta(minutes=30)


@dataclass(frozen=True)
class Line:
    """One event as a trail shows it."""

    index: int | None  # leaf index; None while pending
    time: datetime
    actor: str
    actor_kind: str
    actor_id: str | None
    source_ip: str | None
    action: str
    result: str
    reason: str | None

    @property
    def folded(self) -> bool:
        return False


@dataclass
class FoldedReads:
    """Routine reads by one actor in one sitting, shown as a count."""

    action: str
    actor: str
    actor_kind: str
    actor_id: str | None
    source_ip: str | None
    first: datetime
    last: datetime
    count: int
    indexes: list[int | None]

    @property
    def folded(self) -> bool:
        return True

    @property
    def leaf_span(self) -> str:
        anchored = [index for index in self.indexes if index is not None]
        if not anchored:
            return "pending"
        low, high = min(anchored), max(anchored)
        return str(low) if low == high else f"{low}–{high}"


def from_trail(events: Iterable[TrailEvent]) -> list[Line]:
    lines = []
    for event in events:
        doc = event.event
        actor = doc.get("actor") or {}
        lines.append(
            Line(
                index=event.index,
                time=parse_rfc3339(doc.get("time", "")),
                actor=actor.get("name") or "",
                actor_kind=actor.get("kind") or "",
                actor_id=actor.get("id"),
                source_ip=doc.get("source_ip"),
                action=doc.get("action", ""),
                result=doc.get("result", ""),
                reason=doc.get("reason"),
            )
        )
    return lines


def from_rows(events: Iterable[AuditEvent]) -> list[Line]:
    return [
        Line(
            index=event.leaf_index,
            time=event.occurred_at,
            actor=event.actor_name,
            actor_kind=event.actor_kind,
            actor_id=str(event.actor_id) if event.actor_id else None,
            source_ip=event.source_ip,
            action=event.action,
            result=event.result,
            reason=event.reason,
        )
        for event in events
    ]


def fold(lines: Sequence[Line]) -> list[Line | FoldedReads]:
    """The lines in their order, each sitting's routine reads replaced by one count where the
    sitting's first read was (in either order: oldest or newest first)."""
    shown: list[Line | FoldedReads] = []
    open_sittings: dict[tuple[str, str | None, str | None, str], FoldedReads] = {}
    for line in lines:
        if line.action not in FOLDED_ACTIONS or line.result != "success":
            shown.append(line)
            continue
        key = (line.action, line.actor_id or line.actor, line.source_ip, line.actor_kind)
        sitting = open_sittings.get(key)
        if sitting is not None and _within(sitting, line.time):
            sitting.count += 1
            sitting.first, sitting.last = (
                min(sitting.first, line.time),
                max(sitting.last, line.time),
            )
            sitting.indexes.append(line.index)
            continue
        sitting = FoldedReads(
            action=line.action,
            actor=line.actor,
            actor_kind=line.actor_kind,
            actor_id=line.actor_id,
            source_ip=line.source_ip,
            first=line.time,
            last=line.time,
            count=1,
            indexes=[line.index],
        )
        open_sittings[key] = sitting
        shown.append(sitting)
    return shown


def _within(sitting: FoldedReads, time: datetime) -> bool:
    return sitting.first - SITTING_GAP <= time <= sitting.last + SITTING_GAP


def accesses(lines: Iterable[Line]) -> list[Line]:
    """Who opened, played or downloaded it (refusals included): what a reader asks first."""
    return [line for line in lines if line.action in ACCESS_ACTIONS]


def routine(lines: Iterable[Line]) -> list[Line]:
    return [line for line in lines if line.action in FOLDED_ACTIONS and line.result == "success"]
