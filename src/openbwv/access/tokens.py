"""API tokens: random secrets shown once, stored as SHA-256 (high-entropy, unlike passwords)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from openbwv.access.models import ApiToken
from openbwv.access.principal import Principal
from openbwv.access.principals import principal_for_token
from openbwv.timeutil import utcnow

LAST_USED_RESOLUTION = timedelta(minutes=5)
TOKEN_PREFIX = "bwv_"  # noqa: S105 - a public prefix, not a secret


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    session: Session,
    *,
    name: str,
    role: str,
    expires_at: datetime | None = None,
    user_id: uuid.UUID | None = None,
    borough: str | None = None,
    scopes: list[str] | None = None,
) -> tuple[str, ApiToken]:
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name,
        role=role,
        token_hash=hash_token(secret),
        prefix=secret[:10],
        expires_at=expires_at,
        user_id=user_id,
        borough=borough,
        scopes=scopes or [],
    )
    session.add(token)
    session.flush()
    return secret, token


def authenticate(session: Session, secret: str) -> Principal | None:
    """The principal for a bearer token, or None if unknown, revoked or expired."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    now = utcnow()
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        token.last_used_at = now  # coarse, so authentication is not a write per request
    return principal_for_token(session, token)


def revoke_token(session: Session, token_id: uuid.UUID) -> bool:
    token = session.get(ApiToken, token_id)
    if token is None or token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    return True
