"""Retention's tables: the policy (rules as data), holds and what they hold, the deletion queue,
decisions (restores and MoPI reviews), disposal notices, runs, disposals and pending byte
deletions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from openbwv.db.base import Base, IdMixin
from openbwv.timeutil import utcnow

HOLD_TYPES = (
    "complaint",
    "death_or_serious_injury",
    "subject_access_request",
    "civil_claim",
    "appeal_or_ccrc",
    "litigation",
    "manual",
)
HOLD_SCOPES = ("items", "case", "officer", "area")


class RetentionRule(Base):
    """One number of the policy. `value` None: the configured default (`BWV_RETENTION_*`)."""

    __tablename__ = "retention_rules"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int | None] = mapped_column()
    unit: Mapped[str] = mapped_column(String(16))  # days | months | years
    label: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(Text)  # the law or policy behind the default
    updated_by: Mapped[str | None] = mapped_column(String(128))
    updated_at: Mapped[datetime | None] = mapped_column()


class Hold(IdMixin, Base):
    """Stops disposal of everything in its scope until released (with a reason)."""

    __tablename__ = "retention_holds"

    type: Mapped[str] = mapped_column(String(32))
    reference: Mapped[str] = mapped_column(String(64))  # e.g. CO/2026/0042
    reason: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(String(16))  # items | case | officer | area
    case_id: Mapped[uuid.UUID | None] = mapped_column()
    case_reference: Mapped[str | None] = mapped_column(String(32))
    officer: Mapped[str | None] = mapped_column(String(64))  # warrant number as given
    officer_user_id: Mapped[uuid.UUID | None] = mapped_column()
    borough: Mapped[str | None] = mapped_column(String(16))
    window_start: Mapped[datetime | None] = mapped_column()
    window_end: Mapped[datetime | None] = mapped_column()
    placed_by: Mapped[str] = mapped_column(String(128))
    placed_by_id: Mapped[uuid.UUID | None] = mapped_column()
    placed_at: Mapped[datetime] = mapped_column(default=utcnow)
    released_at: Mapped[datetime | None] = mapped_column()
    released_by: Mapped[str | None] = mapped_column(String(128))
    release_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_retention_holds_open", "released_at", "scope"),)


class HoldItem(Base):
    """An item a hold names (scope `items`), or one that arrived inside its scope."""

    __tablename__ = "retention_hold_items"

    hold_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("retention_holds.id", ondelete="CASCADE"), primary_key=True
    )
    # A foreign key to the item: its key-share lock makes a hold wait for (or be seen by) a
    # disposal transaction that locked the item.
    evidence_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("evidence_items.id"), primary_key=True
    )
    via: Mapped[str] = mapped_column(String(16), default="placed")  # placed | arrival
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_retention_hold_items_evidence", "evidence_id"),)


class HoldLock(Base):
    """One row per name, locked FOR UPDATE by hold placement and by disposal transactions, so a
    hold of an officer or an area (which touches no item row) is never missed (PostgreSQL; on
    SQLite the write lock already serialises them)."""

    __tablename__ = "retention_locks"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


class QueueEntry(Base):
    """An item due for disposal, recoverable until `dispose_after` (the grace period)."""

    __tablename__ = "retention_queue"

    evidence_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("evidence_items.id"), primary_key=True
    )
    queued_at: Mapped[datetime] = mapped_column()
    dispose_after: Mapped[datetime] = mapped_column()
    rule: Mapped[str] = mapped_column(String(64))
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    run_id: Mapped[uuid.UUID | None] = mapped_column()
    authorised_by: Mapped[str] = mapped_column(String(128), default="retention policy")

    __table_args__ = (Index("ix_retention_queue_due", "dispose_after"),)


class Decision(Base):
    """The latest person's decision on an item: restored from the queue (kept until `until`),
    or a MoPI review (keep until the next review `until`, or dispose)."""

    __tablename__ = "retention_decisions"

    evidence_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("evidence_items.id"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # restore | keep | dispose
    until: Mapped[datetime | None] = mapped_column()
    reason: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(128))
    decided_at: Mapped[datetime] = mapped_column()


class Notice(Base):
    """A disposal warning given: the item is never disposed of before the date it promised."""

    __tablename__ = "retention_notices"

    evidence_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("evidence_items.id"), primary_key=True
    )
    until: Mapped[datetime] = mapped_column()
    first_sent_at: Mapped[datetime] = mapped_column()
    last_sent_at: Mapped[datetime] = mapped_column()


class Run(IdMixin, Base):
    __tablename__ = "retention_runs"

    started_at: Mapped[datetime] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    actor: Mapped[str] = mapped_column(String(128))
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)

    __table_args__ = (Index("ix_retention_runs_started", "started_at"),)


class Disposal(Base):
    """One disposed item of a run: the certificate lists these with their audit leaves."""

    __tablename__ = "retention_disposals"

    evidence_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("evidence_items.id"), primary_key=True
    )
    run_id: Mapped[uuid.UUID | None] = mapped_column()
    disposed_at: Mapped[datetime] = mapped_column()
    rule: Mapped[str] = mapped_column(String(64))
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    authorised_by: Mapped[str] = mapped_column(String(128))
    audit_event_id: Mapped[uuid.UUID] = mapped_column()

    __table_args__ = (Index("ix_retention_disposals_run", "run_id"),)


class ByteDeletion(IdMixin, Base):
    """Bytes to delete after a disposal committed: recorded in the disposal's transaction, done
    after it (a crash in between is finished by the next run, once)."""

    __tablename__ = "retention_byte_deletions"

    evidence_id: Mapped[uuid.UUID] = mapped_column()
    namespace: Mapped[str] = mapped_column(String(16))  # originals | derivatives
    key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column()
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    done_at: Mapped[datetime | None] = mapped_column()
    outcome: Mapped[str | None] = mapped_column(String(16))  # deleted | absent | shared

    __table_args__ = (Index("ix_retention_byte_deletions_pending", "done_at", "created_at"),)


class ItemState(Base):
    """The last sweep's verdict on each item (what the lists, the reviews due and the forecast
    read; the API and the pages evaluate the item afresh). Written only when it changes."""

    __tablename__ = "retention_states"

    evidence_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("evidence_items.id"), primary_key=True
    )
    state: Mapped[str] = mapped_column(String(16))
    until: Mapped[datetime | None] = mapped_column()
    rule: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    borough: Mapped[str | None] = mapped_column(String(16))
    category: Mapped[str | None] = mapped_column(String(64))  # the first, for the forecast
    disposes: Mapped[bool] = mapped_column(default=False)  # `until` is when it goes by itself
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    evaluated_at: Mapped[datetime] = mapped_column()

    __table_args__ = (Index("ix_retention_states_state_until", "state", "until"),)
