"""Subject access requests, the clock's pauses, the footage found for each and its releases."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from openbwv.db.base import Base, IdMixin
from openbwv.timeutil import utcnow

STATUSES = ("open", "closed")
OUTCOMES = {
    "released_in_full": "Released in full",
    "released_in_part": "Released in part (restrictions recorded)",
    "nothing_held": "No footage of the requester held",
    "refused": "Refused, with the exemption relied on",
    "withdrawn": "Withdrawn by the requester",
}
# DPA 2018 s.45(4): the right of access may be restricted, wholly or partly, where necessary and
# proportionate to ...
RESTRICTION_REASONS = {
    "inquiry": "avoid obstructing an official or legal inquiry, investigation or procedure",
    "crime": "avoid prejudicing the prevention, detection, investigation or prosecution of "
    "criminal offences or the execution of criminal penalties",
    "public_security": "protect public security",
    "national_security": "protect national security",
    "others": "protect the rights and freedoms of others",
}
RESTRICTIONS = ("none", "partial", "withheld")


class SubjectAccessRequest(IdMixin, Base):
    __tablename__ = "sar_requests"

    reference: Mapped[str] = mapped_column(String(32), unique=True)  # SAR-2026-0001
    requester_name: Mapped[str] = mapped_column(String(200))
    requester_contact: Mapped[str] = mapped_column(String(400))
    # How the requester describes themselves and the occasion (clothes, place, time): what the
    # search for their footage goes on. Never a face to match: no face recognition.
    requester_description: Mapped[str | None] = mapped_column(Text)
    received_on: Mapped[date] = mapped_column(Date)
    identity_checked_by: Mapped[str | None] = mapped_column(String(128))
    identity_checked_at: Mapped[datetime | None] = mapped_column()
    identity_method: Mapped[str | None] = mapped_column(String(400))
    extension_months: Mapped[int] = mapped_column(default=0, server_default="0")
    extension_notice_on: Mapped[date | None] = mapped_column(Date)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open", server_default="open")
    outcome: Mapped[str | None] = mapped_column(String(32))
    outcome_note: Mapped[str | None] = mapped_column(Text)
    closed_on: Mapped[date | None] = mapped_column(Date)
    closed_by: Mapped[str | None] = mapped_column(String(128))
    # The clock when it closed: the deadline then, and whether the answer met it.
    closed_due_on: Mapped[date | None] = mapped_column(Date)
    case_id: Mapped[uuid.UUID | None] = mapped_column()  # the request's own case (its package)
    created_by: Mapped[str] = mapped_column(String(128))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_sar_requests_status", "status", "received_on"),)


class SarPause(IdMixin, Base):
    """The clock stopped while clarification was awaited (s.54(3C))."""

    __tablename__ = "sar_pauses"

    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("sar_requests.id", ondelete="CASCADE"), index=True
    )
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    paused_by: Mapped[str] = mapped_column(String(128))
    resumed_by: Mapped[str | None] = mapped_column(String(128))


class SarItem(Base):
    """An item found for the request: held while the request is open, maybe restricted."""

    __tablename__ = "sar_items"

    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("sar_requests.id", ondelete="CASCADE"), primary_key=True
    )
    evidence_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("evidence_items.id"), primary_key=True
    )
    hold_id: Mapped[uuid.UUID | None] = mapped_column()  # the retention hold, until released
    added_by: Mapped[str] = mapped_column(String(128))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    found_by: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the search that found it
    restriction: Mapped[str] = mapped_column(String(16), default="none", server_default="none")
    restriction_reason: Mapped[str | None] = mapped_column(String(32))
    restriction_note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_sar_items_evidence", "evidence_id"),)


class SarRelease(IdMixin, Base):
    """A package given to the requester: which, when, how sent."""

    __tablename__ = "sar_releases"

    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("sar_requests.id", ondelete="CASCADE"), index=True
    )
    package_id: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str | None] = mapped_column(String(64))
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    copies: Mapped[str] = mapped_column(String(16))
    items: Mapped[list[Any]] = mapped_column(default=list)
    method: Mapped[str] = mapped_column(String(200))  # how it was sent
    released_by: Mapped[str] = mapped_column(String(128))
    released_at: Mapped[datetime] = mapped_column(default=utcnow)
