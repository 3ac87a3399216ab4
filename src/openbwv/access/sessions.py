"""Web sessions: random tokens in HttpOnly cookies, stored hashed, with a CSRF token each.

A session is created fresh at every successful sign-in step (never reused from before), so a
session id planted before sign-in is worthless (no fixation).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from openbwv.access.models import User, WebSession
from openbwv.config import Settings, get_settings
from openbwv.timeutil import utcnow

COOKIE = "bwv_session"
CSRF_COOKIE = "bwv_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
STAGE_FULL = "full"
STAGE_SECOND_FACTOR = "password_ok"
SEEN_RESOLUTION = timedelta(minutes=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class NewSession:
    token: str
    csrf_token: str
    record: WebSession


def start(
    session: Session,
    user: User,
    *,
    stage: str,
    ip: str | None,
    user_agent: str | None,
    settings: Settings | None = None,
) -> NewSession:
    settings = settings or get_settings()
    now = utcnow()
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    record = WebSession(
        user_id=user.id,
        token_hash=_hash(token),
        csrf_token=csrf,
        stage=stage,
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(hours=settings.session_hours),
        ip=ip,
        user_agent=(user_agent or "")[:255],
    )
    session.add(record)
    session.flush()
    return NewSession(token, csrf, record)


def lookup(
    session: Session, token: str, settings: Settings | None = None
) -> tuple[WebSession, User] | None:
    """The live session and its active user for a cookie value, else None."""
    settings = settings or get_settings()
    if not token or len(token) > 100:
        return None
    record = session.scalar(select(WebSession).where(WebSession.token_hash == _hash(token)))
    now = utcnow()
    if record is None or record.revoked_at is not None or record.expires_at <= now:
        return None
    if now - record.last_seen_at > timedelta(minutes=settings.session_idle_minutes):
        return None
    user = session.get(User, record.user_id)
    if user is None or not user.active:
        return None
    if now - record.last_seen_at > SEEN_RESOLUTION:
        record.last_seen_at = now  # coarse: sliding idle timeout without a write per request
    return record, user


def end(session: Session, record: WebSession) -> None:
    record.revoked_at = utcnow()
