"""The analytics domain's tables: complaints (their officers and linked footage) and the monthly
counts that come from outside the platform (officer strength, use of force, stop and search)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from openbwv.db.base import Base, IdMixin, TimestampMixin
from openbwv.timeutil import utcnow

# Monthly counts a force imports (CSV) or the simulator writes, by borough (and team for
# officer strength); docs/analytics.md says where each comes from.
COUNT_MEASURES = (
    "officers",
    "use_of_force",
    "stop_search",
    "stop_search_arrests",
    "trial_arm",  # a team row: 1 with cameras, 0 without, in a trial (evaluation/queries.py)
)


class Complaint(IdMixin, TimestampMixin, Base):
    """A complaint about the police: who, when and where, what is alleged, how it ended."""

    __tablename__ = "complaints"

    reference: Mapped[str] = mapped_column(String(64), unique=True)  # e.g. CO/2026/0042
    received_on: Mapped[date] = mapped_column()
    borough: Mapped[str | None] = mapped_column(ForeignKey("boroughs.gss_code"))
    incident_number: Mapped[str | None] = mapped_column(String(32))  # the CAD number, as text
    occurred_from: Mapped[datetime | None] = mapped_column()
    occurred_to: Mapped[datetime | None] = mapped_column()
    place: Mapped[str | None] = mapped_column(String(200))  # the address or place, as told
    allegations: Mapped[list[Any]] = mapped_column(default=list)  # allegations.ALLEGATIONS keys
    summary: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(String(32), default="open")
    outcome_on: Mapped[date | None] = mapped_column()
    hold_ids: Mapped[list[Any]] = mapped_column(default=list)  # the retention holds it placed
    simulated: Mapped[bool] = mapped_column(default=False)
    created_by: Mapped[str] = mapped_column(String(128))

    __table_args__ = (Index("ix_complaints_received", "received_on"),)


class ComplaintOfficer(Base):
    """An officer a complaint is about, with their team and borough when it was made."""

    __tablename__ = "complaint_officers"

    complaint_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("complaints.id", ondelete="CASCADE"), primary_key=True
    )
    warrant: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column()
    team_id: Mapped[uuid.UUID | None] = mapped_column()
    borough: Mapped[str | None] = mapped_column(String(16))

    __table_args__ = (Index("ix_complaint_officers_team", "team_id"),)


class ComplaintItem(Base):
    """Footage linked to a complaint."""

    __tablename__ = "complaint_items"

    complaint_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("complaints.id", ondelete="CASCADE"), primary_key=True
    )
    evidence_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("evidence_items.id", ondelete="CASCADE"), primary_key=True
    )
    linked_by: Mapped[str] = mapped_column(String(128))
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)


class MonthlyCount(IdMixin, Base):
    """One count for a borough (or one of its teams) and month, and where it came from."""

    __tablename__ = "analytics_counts"

    borough: Mapped[str] = mapped_column(ForeignKey("boroughs.gss_code"))
    team_id: Mapped[uuid.UUID | None] = mapped_column()
    month: Mapped[date] = mapped_column()  # the first day of the month
    measure: Mapped[str] = mapped_column(String(32))  # COUNT_MEASURES
    value: Mapped[int] = mapped_column()
    source: Mapped[str] = mapped_column(String(200))  # "csv:<file>" | "simulated" | ...
    simulated: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("borough", "team_id", "month", "measure"),
        Index("ix_analytics_counts_month", "month", "measure"),
    )
