"""Reads of sign-in: accounts by name or identity, sessions and tokens by their hashes, and the
recent failures that limit password spraying."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from openbwv.access.models import ApiToken, User, WebSession
from openbwv.audit.models import AuditEvent


def failed_sign_ins_from(session: Session, ip: str, since: datetime) -> int:
    """Sign-in attempts from one address since a moment that did not succeed."""
    return (
        session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.action == "auth.login",
                AuditEvent.occurred_at >= since,
                AuditEvent.result != "success",
                AuditEvent.source_ip == ip,
            )
        )
        or 0
    )


def user_named(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def user_by_id(session: Session, user_id: uuid.UUID) -> User | None:
    return session.get(User, user_id)


def web_session_by_hash(session: Session, token_hash: str) -> WebSession | None:
    return session.scalar(select(WebSession).where(WebSession.token_hash == token_hash))


def token_by_hash(session: Session, token_hash: str) -> ApiToken | None:
    return session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash))


def token_by_id(session: Session, token_id: uuid.UUID) -> ApiToken | None:
    return session.get(ApiToken, token_id)


def user_for_identity(session: Session, issuer: str, subject: str) -> User | None:
    """The account already linked to an identity provider's subject."""
    return session.scalar(
        select(User).where(User.oidc_issuer == issuer, User.oidc_subject == subject)
    )


def unlinked_user_named(session: Session, username: str) -> User | None:
    """A local account of this name not yet linked to any identity provider."""
    return session.scalar(
        select(User).where(User.username == username, User.oidc_subject.is_(None))
    )


def token_ids_of(user_id: uuid.UUID) -> Select[uuid.UUID]:
    """The ids of a person's API tokens, as a subquery: a token acts as its own principal, so
    what it did carries its id, not the person's."""
    return select(ApiToken.id).where(ApiToken.user_id == user_id)
