"""People, roles, grants, sessions and API tokens."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from openbwv.db.base import Base, IdMixin, TimestampMixin


class Role(Base):
    """A named set of permissions and the widest scope they apply to (configurable)."""

    __tablename__ = "roles"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    description: Mapped[str] = mapped_column(String(255), default="")
    permissions: Mapped[list[Any]] = mapped_column(default=list)
    scope: Mapped[str] = mapped_column(String(16), default="own")  # own|team|borough|force|shared
    builtin: Mapped[bool] = mapped_column(default=False)


class User(IdMixin, TimestampMixin, Base):
    """A person: an officer or staff member, or an external user (CPS, defence)."""

    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    warrant_number: Mapped[str | None] = mapped_column(String(32), unique=True)
    shoulder_number: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    kind: Mapped[str] = mapped_column(String(16), default="internal")  # internal | external
    organisation: Mapped[str | None] = mapped_column(String(128))  # e.g. "CPS London"
    borough: Mapped[str | None] = mapped_column(ForeignKey("boroughs.gss_code"))
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("teams.id"))
    active: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled: Mapped[bool] = mapped_column(default=False)
    totp_last_step: Mapped[int | None] = mapped_column()  # refuses a replayed code
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column()
    # An administrator's temporary password: the next sign-in must set a new one.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    oidc_issuer: Mapped[str | None] = mapped_column(String(255))
    oidc_subject: Mapped[str | None] = mapped_column(String(255))
    last_login_at: Mapped[datetime | None] = mapped_column()

    roles: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    __table_args__ = (
        UniqueConstraint("oidc_issuer", "oidc_subject"),
        Index("ix_users_borough_team", "borough", "team_id"),
    )

    @property
    def role_names(self) -> list[str]:
        return sorted(r.role for r in self.roles)


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(ForeignKey("roles.name"), primary_key=True)


class Grant(IdMixin, TimestampMixin, Base):
    """An explicit grant on top of a role: a restricted category, or a further borough."""

    __tablename__ = "grants"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # category | borough
    target: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    granted_by: Mapped[uuid.UUID | None] = mapped_column()
    expires_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (Index("ix_grants_user_kind", "user_id", "kind"),)


class WebSession(IdMixin, Base):
    """A signed-in browser: the cookie carries a random token; only its hash is stored."""

    __tablename__ = "web_sessions"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    # password_ok | change_password | full
    stage: Mapped[str] = mapped_column(String(16), default="full")
    created_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column()
    last_seen_at: Mapped[datetime] = mapped_column()
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(255))
    revoked_at: Mapped[datetime | None] = mapped_column()


class ApiToken(IdMixin, TimestampMixin, Base):
    """A token for a device, an integration or a script: scoped, expiring, revocable."""

    __tablename__ = "api_tokens"

    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[uuid.UUID | None] = mapped_column()
    borough: Mapped[str | None] = mapped_column(String(9))  # limits a borough-scoped role
    scopes: Mapped[list[Any]] = mapped_column(default=list)  # e.g. ["ingest"]; empty = the role's
    expires_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column()


class EvidenceGrant(IdMixin, Base):
    """Access to one item outside one's scope: granted by someone, or by breaking glass with a
    reason (always audited, and listed in the supervisors' break-glass report)."""

    __tablename__ = "evidence_grants"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    evidence_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("evidence_items.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(16))  # grant | break_glass
    reason: Mapped[str] = mapped_column(Text)
    granted_by: Mapped[uuid.UUID | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (Index("ix_evidence_grants_user_item", "user_id", "evidence_id"),)
