"""Audit events (the leaves), stored Merkle subtrees and signed checkpoints."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from openbwv.db.base import Base

BigId = BigInteger().with_variant(Integer, "sqlite")  # SQLite autoincrements INTEGER keys only


class AuditLeaf(Base):
    """An event's place in the tree (`leaf_index`), given once by the integrator.

    A narrow insert-only table instead of a column of the event: numbering by UPDATE wrote a new
    version of the wide event row and an entry in each of its indexes (PostgreSQL), and the
    integrator fell behind the appends. No foreign key on purpose: checking it would lock the
    event row (writing to it after all); the integrator joins and verification checks instead.
    """

    __tablename__ = "audit_leaves"

    # INTEGER on SQLite: the key is the rowid, the table kept in leaf order with no second index
    leaf_index: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    event_row: Mapped[int] = mapped_column(BigInteger, unique=True)  # AuditEvent.id


class AuditPending(Base):
    """The integrator's queue: an event recorded and not yet numbered, in recording order.

    Written beside the event in its transaction (so it is committed exactly when the event is),
    deleted when the event is numbered. By `event_id`: the recorder never learns the event's row
    id (its rows go in by COPY / executemany)."""

    __tablename__ = "audit_pending"

    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[uuid.UUID] = mapped_column()


class AuditEvent(Base):
    """One action, written in the same transaction as the action itself.

    `entry` holds the exact bytes (canonical JSON, UTF-8) of the Merkle leaf; the other columns
    repeat its fields for querying, and verification checks that they still agree with it.
    The row is never updated: its place in the tree is an `AuditLeaf`, written by the
    single-writer integrator, which finds it through `AuditPending`.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    occurred_at: Mapped[datetime] = mapped_column()
    actor_id: Mapped[uuid.UUID | None] = mapped_column()
    actor_name: Mapped[str] = mapped_column(String(128))
    actor_kind: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64))
    evidence_id: Mapped[uuid.UUID | None] = mapped_column()
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(128))
    result: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    source_ip: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    entry: Mapped[str] = mapped_column(Text)
    # Read-only, for pages and reports that load whole events (loaded with them, one IN query
    # per page); the queries that walk the tree join `AuditLeaf` themselves.
    leaf: Mapped[AuditLeaf | None] = relationship(
        primaryjoin="foreign(AuditLeaf.event_row) == AuditEvent.id",
        viewonly=True,
        lazy="selectin",
    )

    @property
    def leaf_index(self) -> int | None:
        """Its place in the tree; None until integrated."""
        return self.leaf.leaf_index if self.leaf is not None else None

    __table_args__ = (
        Index("ix_audit_events_evidence", "evidence_id", "id"),
        Index("ix_audit_events_actor", "actor_id", "id"),
        Index("ix_audit_events_action_time", "action", "occurred_at"),
    )


class AuditNode(Base):
    """The hash of a perfect subtree (level, index) of the log: proofs need O(log n) of them."""

    __tablename__ = "audit_nodes"

    level: Mapped[int] = mapped_column(Integer, primary_key=True)
    index: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class AuditCheckpoint(Base):
    """A signed note committing to the log at `tree_size`."""

    __tablename__ = "audit_checkpoints"

    tree_size: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column()
