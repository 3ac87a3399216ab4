"""CAD incidents, who attended them (with each attendance's activation figures, kept up to date by
the matcher) and the links from recordings to incidents."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from openbwv.db.base import Base, IdMixin, TimestampMixin


class Incident(IdMixin, TimestampMixin, Base):
    __tablename__ = "incidents"

    number: Mapped[str] = mapped_column(String(32), unique=True)
    type: Mapped[str] = mapped_column(String(64))
    priority: Mapped[str | None] = mapped_column(String(16))
    latitude: Mapped[float | None] = mapped_column()
    longitude: Mapped[float | None] = mapped_column()
    address: Mapped[str | None] = mapped_column(Text)
    opened_at: Mapped[datetime] = mapped_column()
    closing_code: Mapped[str | None] = mapped_column(String(32))
    borough: Mapped[str | None] = mapped_column(String(16))  # its first attending officer's
    suggested_category: Mapped[str | None] = mapped_column(String(64))
    case_id: Mapped[uuid.UUID | None] = mapped_column()  # the case made from it, once made

    attendances: Mapped[list[Attendance]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", lazy="selectin"
    )

    __table_args__ = (Index("ix_incidents_opened", "opened_at"),)


class Attendance(IdMixin, Base):
    """One attending officer: the CAD times, and the figures the matcher works out from the
    officer's recordings (NULL until matched; `recorded` false when none overlaps)."""

    __tablename__ = "incident_attendances"

    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    warrant: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[uuid.UUID] = mapped_column()
    team_id: Mapped[uuid.UUID | None] = mapped_column()
    borough: Mapped[str | None] = mapped_column(String(16))
    dispatched_at: Mapped[datetime] = mapped_column()
    arrived_at: Mapped[datetime | None] = mapped_column()
    cleared_at: Mapped[datetime] = mapped_column()
    # [dispatched - buffer, cleared + buffer], fixed at import: the matcher's join is plain.
    window_start: Mapped[datetime] = mapped_column()
    window_end: Mapped[datetime] = mapped_column()
    # window_start less the longest recording: the (officer, start) index's lower bound.
    scan_start: Mapped[datetime] = mapped_column()
    week: Mapped[str] = mapped_column(String(10))  # Monday of its London week, YYYY-MM-DD
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM (London)
    recorded: Mapped[bool | None] = mapped_column()
    late_start_s: Mapped[int | None] = mapped_column()
    early_stop_s: Mapped[int | None] = mapped_column()
    coverage: Mapped[float | None] = mapped_column()
    matched_at: Mapped[datetime | None] = mapped_column()

    incident: Mapped[Incident] = relationship(back_populates="attendances")

    __table_args__ = (
        UniqueConstraint("incident_id", "warrant"),
        Index("ix_incident_attendances_user_window", "user_id", "window_start"),
        Index("ix_incident_attendances_window", "window_start", "window_end"),
        Index("ix_incident_attendances_borough_month", "borough", "month"),
        Index("ix_incident_attendances_team_week", "team_id", "week"),
    )


class LinkState:
    LINKED = "linked"  # the best match, clear of the runner-up
    AMBIGUOUS = "ambiguous"  # the best of several close matches: queued for a person
    CONFIRMED = "confirmed"  # a person chose it: the matcher leaves it alone


class IncidentLink(Base):
    """A recording's incident: one row per recording (its best match), with the score."""

    __tablename__ = "incident_links"

    evidence_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    score: Mapped[float] = mapped_column()
    state: Mapped[str] = mapped_column(String(16))
    runner_up: Mapped[uuid.UUID | None] = mapped_column()  # the close second, when ambiguous
    linked_at: Mapped[datetime] = mapped_column()
    linked_by: Mapped[uuid.UUID | None] = mapped_column()  # a person's confirmation

    __table_args__ = (Index("ix_incident_links_incident", "incident_id", "state"),)


class UnmatchedRecording(Base):
    """A recording of an officer with no incident it overlaps: queued until linked or dismissed."""

    __tablename__ = "incident_unmatched"

    evidence_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column()
    team_id: Mapped[uuid.UUID | None] = mapped_column()
    recorded_start: Mapped[datetime] = mapped_column()
    found_at: Mapped[datetime] = mapped_column()
    dismissed_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (Index("ix_incident_unmatched_user", "user_id", "recorded_start"),)


class ReviewSample(IdMixin, Base):
    """A team's weekly sample of recordings for its supervisor to review: drawn once with a
    recorded seed, so anyone can draw the same sample again from the same recordings."""

    __tablename__ = "compliance_review_samples"

    team_id: Mapped[uuid.UUID] = mapped_column()
    week: Mapped[str] = mapped_column(String(10))  # the Monday, YYYY-MM-DD (London)
    seed: Mapped[int] = mapped_column(BigInteger)
    population: Mapped[int] = mapped_column()  # recordings it was drawn from
    item_ids: Mapped[list[Any]] = mapped_column()  # the sample, in draw order
    drawn_at: Mapped[datetime] = mapped_column()
    drawn_by: Mapped[str] = mapped_column(String(128))

    __table_args__ = (UniqueConstraint("team_id", "week"),)


class ReviewResult(IdMixin, Base):
    """One reviewed recording of a sample: the checklist, the outcome, who and when."""

    __tablename__ = "compliance_reviews"

    sample_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("compliance_review_samples.id", ondelete="CASCADE")
    )
    evidence_id: Mapped[uuid.UUID] = mapped_column()
    checklist: Mapped[dict[str, Any]] = mapped_column()
    outcome: Mapped[str] = mapped_column(String(32))
    notes: Mapped[str | None] = mapped_column(Text)
    reviewer_id: Mapped[uuid.UUID | None] = mapped_column()
    reviewer: Mapped[str] = mapped_column(String(128))
    reviewed_at: Mapped[datetime] = mapped_column()

    __table_args__ = (UniqueConstraint("sample_id", "evidence_id"),)


class IncidentImport(IdMixin, Base):
    """One CAD file or push applied: who sent it, how many rows applied and rejected."""

    __tablename__ = "incident_imports"

    source: Mapped[str] = mapped_column(String(16))  # csv | push
    filename: Mapped[str | None] = mapped_column(String(255))
    applied: Mapped[int] = mapped_column()
    rejected: Mapped[int] = mapped_column()
    imported_by: Mapped[str] = mapped_column(String(128))
    imported_at: Mapped[datetime] = mapped_column()


__all__ = [
    "Attendance",
    "Incident",
    "IncidentImport",
    "IncidentLink",
    "LinkState",
    "ReviewResult",
    "ReviewSample",
    "UnmatchedRecording",
]
