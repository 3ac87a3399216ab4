"""Evidence records: the item (its immutable original), its derivatives, its categories."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    FetchedValue,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from openbwv.db.base import Base, IdMixin, TimestampMixin
from openbwv.geo import bounding_box, track_points
from openbwv.timeutil import utcnow


class EvidenceStatus(enum.StrEnum):
    PROCESSING = "processing"  # stored and hashed; probe/thumbnails pending
    READY = "ready"  # probed, thumbnails and playback copy made
    UNREADABLE = "unreadable"  # kept as received, but not decodable as video
    FAILED = "failed"  # processing gave up after retries (original is safe)
    DISPOSED = "disposed"  # a tombstone: the bytes went under a retention rule, the facts stay


class EvidenceSource(enum.StrEnum):
    TUS = "tus"
    IMPORT = "import"
    AXIS = "axis"
    DEMO = "demo"


class EvidenceFlag(enum.StrEnum):
    UNKNOWN_CAMERA = "unknown_camera"
    UNKNOWN_OFFICER = "unknown_officer"
    UNKNOWN_CATEGORY = "unknown_category"
    UNREADABLE = "unreadable"
    TIME_OUT_OF_BOUNDS = "time_out_of_bounds"


class EvidenceItem(IdMixin, TimestampMixin, Base):
    __tablename__ = "evidence_items"

    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(127))
    original_filename: Mapped[str | None] = mapped_column(String(255))
    source: Mapped[str] = mapped_column(String(16))
    camera_serial: Mapped[str | None] = mapped_column(String(64))
    officer: Mapped[str | None] = mapped_column(String(64))  # as claimed by the device/uploader
    officer_user_id: Mapped[uuid.UUID | None] = mapped_column()  # resolved person, when known
    borough: Mapped[str | None] = mapped_column(String(16))  # GSS code of the owning borough
    team_id: Mapped[uuid.UUID | None] = mapped_column()  # the officer's team when recorded
    recorded_start: Mapped[datetime | None] = mapped_column()
    recorded_end: Mapped[datetime | None] = mapped_column()
    # When it happened as far as we know: the recorded start, else when it arrived. Never null,
    # so lists sort and paginate on one indexed column.
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    gps_track: Mapped[list[Any] | None] = mapped_column()  # [[iso time, lat, lon], ...]
    # The track's bounding box, kept in step with gps_track (see _track_box): searching by an
    # area drawn on the map narrows to these indexed columns before testing the track itself.
    track_min_lat: Mapped[float | None] = mapped_column()
    track_max_lat: Mapped[float | None] = mapped_column()
    track_min_lon: Mapped[float | None] = mapped_column()
    track_max_lon: Mapped[float | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default=EvidenceStatus.PROCESSING)
    flags: Mapped[list[Any]] = mapped_column(default=list)
    extra_metadata: Mapped[dict[str, Any]] = mapped_column(default=dict)
    probe: Mapped[dict[str, Any] | None] = mapped_column()
    duration_seconds: Mapped[float | None] = mapped_column()
    title: Mapped[str | None] = mapped_column(String(255))
    # The recording this clip is part of (cameras split one recording into several files): the
    # same key for every clip of it, NULL when the item is a recording of its own. Made by the
    # ingest path from what the device says (`evidence.recording_keys`); pages group by it.
    recording_key: Mapped[str | None] = mapped_column(String(64))
    ingested_at: Mapped[datetime] = mapped_column(default=utcnow)
    ingested_by: Mapped[uuid.UUID | None] = mapped_column()
    disposed_at: Mapped[datetime | None] = mapped_column()
    # The tombstone's account: rule applied, reasons, who authorised, the categories it had.
    disposal: Mapped[dict[str, Any] | None] = mapped_column()

    derivatives: Mapped[list[Derivative]] = relationship(
        back_populates="evidence", cascade="all, delete-orphan", lazy="selectin"
    )

    __table_args__ = (
        Index("ix_evidence_occurred", "occurred_at", "id"),
        Index("ix_evidence_camera_occurred", "camera_serial", "occurred_at", "id"),
        Index("ix_evidence_officer_occurred", "officer", "occurred_at", "id"),
        Index("ix_evidence_borough_occurred", "borough", "occurred_at", "id"),
        Index("ix_evidence_ingested_at", "ingested_at"),
        Index("ix_evidence_team_occurred", "team_id", "occurred_at", "id"),
        Index("ix_evidence_officer_user_occurred", "officer_user_id", "occurred_at", "id"),
        # Partial: most items arrive from devices with no uploading person, and an index (or its
        # statistics) full of NULLs would steer the planner away from it.
        Index(
            "ix_evidence_ingested_by_occurred",
            "ingested_by",
            "occurred_at",
            "id",
            sqlite_where=text("ingested_by IS NOT NULL"),
            postgresql_where=text("ingested_by IS NOT NULL"),
        ),
        # Partial, as above: only clips of a recording have a key. The siblings of a page's
        # recordings are found by key, in recording order.
        Index(
            "ix_evidence_recording",
            "recording_key",
            "occurred_at",
            "id",
            sqlite_where=text("recording_key IS NOT NULL"),
            postgresql_where=text("recording_key IS NOT NULL"),
        ),
        Index(
            "ix_evidence_track_box",
            "track_min_lat",
            "track_max_lat",
            "track_min_lon",
            "track_max_lon",
        ),
    )

    @validates("gps_track")
    def _track_box(self, _key: str, track: list[Any] | None) -> list[Any] | None:
        box = bounding_box(track_points(track))
        self.track_min_lat = box.min_lat if box else None
        self.track_max_lat = box.max_lat if box else None
        self.track_min_lon = box.min_lon if box else None
        self.track_max_lon = box.max_lon if box else None
        return track

    def derivative(self, kind: str) -> Derivative | None:
        for derivative in self.derivatives:
            if derivative.kind == kind and derivative.status == DerivativeStatus.READY:
                return derivative
        return None


class DerivativeKind(enum.StrEnum):
    POSTER = "poster"
    STRIP = "strip"
    PLAYBACK = "playback"
    DECRYPTED = "decrypted"  # plaintext of an end-to-end encrypted original (see ingest.axis)


class DerivativeStatus(enum.StrEnum):
    READY = "ready"
    NOT_NEEDED = "not_needed"  # e.g. playback: the original already plays in a browser


class Derivative(IdMixin, Base):
    __tablename__ = "derivatives"

    evidence_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("evidence_items.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    params_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=DerivativeStatus.READY)
    storage_key: Mapped[str | None] = mapped_column(String(64))
    sha256: Mapped[str | None] = mapped_column(String(64))
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    media_type: Mapped[str | None] = mapped_column(String(127))
    info: Mapped[dict[str, Any]] = mapped_column(default=dict)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    evidence: Mapped[EvidenceItem] = relationship(back_populates="derivatives")

    __table_args__ = (UniqueConstraint("evidence_id", "kind", "params_hash"),)


class EvidenceCategory(Base):
    """An item's category (the categories themselves are `openbwv.categories`)."""

    __tablename__ = "evidence_categories"

    evidence_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("evidence_items.id", ondelete="CASCADE"), primary_key=True
    )
    category: Mapped[str] = mapped_column(String(64), primary_key=True)  # unknown ones are kept
    assigned_by: Mapped[uuid.UUID | None] = mapped_column()
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The item's borough and time, copied by the database's triggers (migration 0021) and never
    # written here: the indexes below find a borough's (or the force's) newest items of a
    # category without walking every item and probing its categories.
    borough: Mapped[str | None] = mapped_column(
        String(16), server_default=FetchedValue(), server_onupdate=FetchedValue()
    )
    occurred_at: Mapped[datetime | None] = mapped_column(
        server_default=FetchedValue(), server_onupdate=FetchedValue()
    )

    __table_args__ = (
        Index(
            "ix_evidence_categories_borough_occurred",
            "category",
            "borough",
            "occurred_at",
            "evidence_id",
        ),
        Index("ix_evidence_categories_occurred", "category", "occurred_at", "evidence_id"),
    )
