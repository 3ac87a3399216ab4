"""Device credentials and Swift auth tokens.

A body worn system signs in with `X-Auth-User` = the name of an API token with role `device` and
`X-Auth-Key` = that token's secret (both come from the connection file). It gets an expiring
`X-Auth-Token` (random; only its SHA-256 is stored) valid for the account named after the token,
so a rotated credential with the same name keeps the same account (users, devices, recordings).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from openbwv.access.admin.queries import token_by_id
from openbwv.access.policy import roles
from openbwv.access.policy.queries import principal_for_token
from openbwv.access.principal import Principal
from openbwv.access.signin.queries import token_by_hash
from openbwv.access.signin.tokens import hash_token
from openbwv.ingest.axis import queries
from openbwv.timeutil import utcnow

if TYPE_CHECKING:
    from openbwv.access.models import ApiToken

DEVICE_ROLE = "device"
TOKEN_PREFIX = "AUTH_tk"  # noqa: S105 - the public prefix of Swift tempauth tokens
ACCOUNT_PREFIX = "AUTH_"
_NOT_ACCOUNT = re.compile(r"[^A-Za-z0-9._-]")


@dataclass(frozen=True)
class Device:
    """An authenticated body worn system: who it acts as, and its account."""

    principal: Principal
    api_token_id: uuid.UUID
    account: str


def account_for(token_name: str) -> str:
    return _NOT_ACCOUNT.sub("-", token_name)[:64] or "device"


def _usable(token: ApiToken | None, now: datetime) -> bool:
    if token is None or token.revoked_at is not None:
        return False
    return token.expires_at is None or token.expires_at > now


def _device_principal(session: Session, token: ApiToken) -> Principal | None:
    if token.role != DEVICE_ROLE or token.user_id is not None:
        return None
    principal = principal_for_token(session, token)
    return principal if principal.can(roles.UPLOAD) else None


def sign_in(session: Session, user: str, key: str) -> Device | None:
    """The device for X-Auth-User/X-Auth-Key, or None (unknown, revoked, expired, not a device)."""
    if not user or not key or len(key) > 200:
        return None
    token = token_by_hash(session, hash_token(key))
    now = utcnow()
    if not _usable(token, now) or token is None or token.name != user:
        return None
    principal = _device_principal(session, token)
    if principal is None:
        return None
    token.last_used_at = now
    return Device(principal, token.id, account_for(token.name))


def resolve(session: Session, auth_token: str | None) -> Device | None:
    """The device an X-Auth-Token belongs to, or None when missing, unknown or expired — or
    when the credential behind it was revoked since."""
    if not auth_token or not auth_token.startswith(TOKEN_PREFIX) or len(auth_token) > 200:
        return None
    row = queries.auth_token(session, hash_token(auth_token))
    now = utcnow()
    if row is None or row.expires_at <= now:
        return None
    token = token_by_id(session, row.api_token_id)
    if not _usable(token, now) or token is None:
        return None
    principal = _device_principal(session, token)
    if principal is None:
        return None
    return Device(principal, token.id, row.account)
