"""Disclosure: recipients (external organisations and their users), shares (a case or items
given to a recipient until an expiry), share links for recipients without an account, the
do-not-disclose flag and each case's disclosure schedule.

A share grants nothing by itself being here: the access policy asks `sharing.queries.reach` which
items a recipient may see, and that answer keeps to active shares only (not revoked, not expired,
the item not flagged do not disclose)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from openbwv.db.base import Base, IdMixin, TimestampMixin
from openbwv.timeutil import utcnow

ORGANISATION_KINDS = ("cps", "defence", "iopc", "court", "other")
RECIPIENT_KINDS = ("user", "organisation", "link")
# The disclosure decisions a disclosure officer records per item of a case (CPIA 1996 Code).
DISCLOSURE_STATES = ("undecided", "unused", "sensitive", "not_relevant")


class Organisation(IdMixin, TimestampMixin, Base):
    """An external organisation that receives disclosure: a CPS area, a defence firm, ..."""

    __tablename__ = "share_organisations"

    name: Mapped[str] = mapped_column(String(128), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # one of ORGANISATION_KINDS


class OrganisationMember(Base):
    """An external user's organisation (one each): a share to it reaches them."""

    __tablename__ = "share_org_members"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("share_organisations.id", ondelete="CASCADE")
    )


class Share(IdMixin, Base):
    """A case (its items now, and optionally those linked later) or a set of items, given to a
    user, an organisation or whoever holds a link, until `expires_at` or revocation."""

    __tablename__ = "shares"

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    include_later: Mapped[bool] = mapped_column(default=False)  # items linked after sharing
    recipient_kind: Mapped[str] = mapped_column(String(16))  # one of RECIPIENT_KINDS
    recipient_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE")
    )
    recipient_org_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("share_organisations.id", ondelete="CASCADE")
    )
    label: Mapped[str] = mapped_column(String(128))  # whom, in words: "CPS London (J. Smith)"
    allow_download: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[uuid.UUID | None] = mapped_column()
    created_by_name: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    revoked_by: Mapped[str | None] = mapped_column(String(128))
    # A link share: the link's secret and passphrase, stored hashed; limits and the throttle.
    link_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    passphrase_hash: Mapped[str | None] = mapped_column(String(255))
    max_downloads: Mapped[int | None] = mapped_column()
    downloads: Mapped[int] = mapped_column(default=0)
    failed_passphrases: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        Index("ix_shares_user", "recipient_user_id"),
        Index("ix_shares_org", "recipient_org_id"),
        Index("ix_shares_case", "case_id"),
    )


class ShareItem(Base):
    """An item a share gives explicitly (chosen, or the case's items when it was shared)."""

    __tablename__ = "share_items"

    share_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("shares.id", ondelete="CASCADE"), primary_key=True
    )
    evidence_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("evidence_items.id", ondelete="CASCADE"), primary_key=True
    )

    __table_args__ = (Index("ix_share_items_evidence", "evidence_id"),)


class LinkSession(Base):
    """A browser that opened a link (and gave its passphrase): the cookie's hash."""

    __tablename__ = "share_link_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    share_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("shares.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()


class DoNotDisclose(Base):
    """An item that must not leave the force: no share may give it, whatever was shared."""

    __tablename__ = "share_do_not_disclose"

    evidence_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("evidence_items.id", ondelete="CASCADE"), primary_key=True
    )
    reason: Mapped[str] = mapped_column(Text)
    set_by: Mapped[str] = mapped_column(String(128))
    set_at: Mapped[datetime] = mapped_column(default=utcnow)


class DisclosureDecision(Base):
    """The disclosure officer's decision on one item of a case: unused (schedule MG6C),
    sensitive (withheld, MG6D, with the reason), not relevant. Disclosure itself is the shares."""

    __tablename__ = "disclosure_decisions"

    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    evidence_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("evidence_items.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[str] = mapped_column(String(16))  # one of DISCLOSURE_STATES
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(128))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
