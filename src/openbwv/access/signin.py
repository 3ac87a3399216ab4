"""Local sign-in: password (Argon2id), then TOTP when enrolled; lockout and spraying limits.

Every attempt, success or failure, is an audit event (`auth.login`, `auth.totp`). Failure messages
never say whether the account exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openbwv.access.models import User, WebSession
from openbwv.access.passwords import hash_password, needs_rehash, verify_password, verify_totp
from openbwv.access.principal import Principal
from openbwv.access.principals import principal_for_user
from openbwv.access.sessions import STAGE_FULL, STAGE_SECOND_FACTOR, NewSession, start
from openbwv.audit.events import DENIED, FAILURE, record
from openbwv.audit.models import AuditEvent
from openbwv.config import Settings, get_settings
from openbwv.timeutil import utcnow

GENERIC_FAILURE = "the username or password is wrong, or the account is locked"


class SignInRefused(Exception):
    def __init__(self, detail: str, status: int = 401) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status = status


@dataclass(frozen=True)
class SignedIn:
    new_session: NewSession
    principal: Principal
    needs_second_factor: bool


def _ip_failures(session: Session, ip: str | None, settings: Settings) -> int:
    if ip is None:
        return 0
    since = utcnow() - timedelta(minutes=settings.lockout_minutes)
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


def _failed(
    session: Session, user: User | None, username: str, ip: str | None, why: str, settings: Settings
) -> None:
    if user is not None:
        user.failed_logins += 1
        if user.failed_logins >= settings.login_max_failures:
            user.locked_until = utcnow() + timedelta(minutes=settings.lockout_minutes)
            user.failed_logins = 0
    record(
        session,
        _anonymous(user, username),
        "auth.login",
        result=FAILURE,
        source_ip=ip,
        target_type="user",
        target_id=username[:128],
        details={"why": why},
    )


def _anonymous(user: User | None, username: str) -> Principal:
    import uuid

    if user is not None:
        return Principal(id=user.id, name=user.username, kind="user", user_id=user.id)
    return Principal(id=uuid.UUID(int=0), name=f"unknown:{username[:64]}", kind="anonymous")


def password_step(
    session: Session,
    username: str,
    password: str,
    *,
    ip: str | None,
    user_agent: str | None,
    settings: Settings | None = None,
) -> SignedIn:
    """Check the password. Raises SignInRefused; the caller must commit either way."""
    settings = settings or get_settings()
    if _ip_failures(session, ip, settings) >= settings.login_ip_failures_per_window:
        record(
            session,
            _anonymous(None, username),
            "auth.login",
            result=DENIED,
            source_ip=ip,
            details={"why": "too many failures from this address"},
        )
        raise SignInRefused("too many failed sign-ins from this address; try again later", 429)
    user = session.scalar(select(User).where(User.username == username))
    password_ok = verify_password(user.password_hash if user else None, password)
    now = utcnow()
    if (
        user is None
        or not password_ok
        or not user.active
        or user.kind not in ("internal", "external")
    ):
        _failed(session, user, username, ip, "bad credentials", settings)
        raise SignInRefused(GENERIC_FAILURE)
    if user.locked_until is not None and user.locked_until > now:
        _failed(session, user, username, ip, "locked", settings)
        raise SignInRefused(GENERIC_FAILURE)
    user.failed_logins = 0
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    stage = STAGE_SECOND_FACTOR if user.totp_enabled else STAGE_FULL
    new = start(session, user, stage=stage, ip=ip, user_agent=user_agent, settings=settings)
    principal = principal_for_user(session, user, session_id=new.record.id)
    if stage == STAGE_FULL:
        user.last_login_at = now
    record(
        session,
        principal,
        "auth.login",
        source_ip=ip,
        details={"second_factor_required": stage != STAGE_FULL},
    )
    return SignedIn(new, principal, stage != STAGE_FULL)


def totp_step(
    session: Session,
    pending: WebSession,
    user: User,
    code: str,
    *,
    ip: str | None,
    user_agent: str | None,
    settings: Settings | None = None,
) -> SignedIn:
    """Complete sign-in with a TOTP code: the half-way session ends, a new full one begins."""
    settings = settings or get_settings()
    step = verify_totp(user.totp_secret or "", code, user.totp_last_step)
    principal = principal_for_user(session, user)
    if step is None:
        _failed(session, user, user.username, ip, "bad second factor", settings)
        raise SignInRefused("the code is wrong or was already used")
    user.totp_last_step = step
    user.failed_logins = 0
    user.last_login_at = utcnow()
    pending.revoked_at = utcnow()
    new = start(session, user, stage=STAGE_FULL, ip=ip, user_agent=user_agent, settings=settings)
    record(session, principal, "auth.totp", source_ip=ip)
    return SignedIn(new, principal_for_user(session, user, session_id=new.record.id), False)
