"""Cases, their members and their linked evidence."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from openbwv.db.base import Base, IdMixin, TimestampMixin
from openbwv.timeutil import utcnow

CASE_STATUSES = ("open", "closed")  # a closed case is read-only: nothing linked, nobody added
# Where the case stands under the CPIA 1996 Code of Practice: it drives how long linked material
# is kept (the retention domain reads it through `queries.retention_links`).
CASE_STAGES = (
    "under_investigation",
    "no_further_action",
    "charged",
    "convicted",
    "acquitted",
    "discontinued",
    "appeal_pending",
)
# How a charged case ended (the roll-out evaluation's case outcomes, docs/analytics.md); None:
# not charged, or not yet recorded.
CASE_OUTCOMES = (
    "charged",
    "early_guilty_plea",
    "guilty_plea_at_trial",
    "convicted_after_trial",
    "acquitted",
    "discontinued",
)


class Case(IdMixin, TimestampMixin, Base):
    __tablename__ = "cases"

    crime_reference: Mapped[str] = mapped_column(String(32), unique=True)
    cad_number: Mapped[str | None] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    borough: Mapped[str | None] = mapped_column(ForeignKey("boroughs.gss_code"))
    status: Mapped[str] = mapped_column(String(16), default="open", server_default="open")
    created_by: Mapped[uuid.UUID | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()  # when it was last closed
    stage: Mapped[str] = mapped_column(
        String(24), default="under_investigation", server_default="under_investigation"
    )
    # When the current stage was decided (the decision not to charge, the verdict, ...).
    stage_at: Mapped[datetime | None] = mapped_column()
    sentence: Mapped[str | None] = mapped_column(String(200))  # convicted: as the court gave it
    expected_release_at: Mapped[datetime | None] = mapped_column()  # convicted: from custody
    outcome: Mapped[str | None] = mapped_column(String(32))  # CASE_OUTCOMES
    outcome_at: Mapped[datetime | None] = mapped_column()  # when the outcome was decided
    domestic_abuse: Mapped[bool] = mapped_column(default=False, server_default=false())


class CaseMember(Base):
    """Membership grants access to every item linked to the case, until `expires_at` (if set)
    passes or the row is removed."""

    __tablename__ = "case_members"

    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(32), default="member")  # oic | member | external
    added_by: Mapped[uuid.UUID | None] = mapped_column()
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (Index("ix_case_members_user", "user_id"),)


class CaseItem(Base):
    __tablename__ = "case_items"

    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    evidence_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("evidence_items.id", ondelete="CASCADE"), primary_key=True
    )
    linked_by: Mapped[uuid.UUID | None] = mapped_column()
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_case_items_evidence", "evidence_id"),)
