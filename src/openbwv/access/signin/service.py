"""Sign-in: password (Argon2id), then TOTP when enrolled; lockout and spraying limits; single
sign-on; web sessions and bearer tokens; second-factor enrolment; sign-out.

Every attempt, success or failure, is an audit event (`auth.login`, `auth.totp`). Failure messages
never say whether the account exists. Nothing here commits: a refused sign-in raises after its
failure is recorded, and the caller commits either way (`signin.http`).
"""

from __future__ import annotations

import contextlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from openbwv.access.admin.queries import resolve_borough
from openbwv.access.errors import (
    NoEnrolment,
    SignInRefused,
    TooManySignIns,
    UserError,
    WeakPassword,
    WrongCode,
)
from openbwv.access.models import User, UserRole, WebSession
from openbwv.access.policy.queries import principal_for_token, principal_for_user
from openbwv.access.principal import Principal
from openbwv.access.signin import queries
from openbwv.access.signin.oidc import Identity, OidcError
from openbwv.access.signin.passwords import (
    hash_password,
    needs_rehash,
    new_totp_secret,
    verify_password,
    verify_totp,
)
from openbwv.access.signin.sessions import (
    MAX_COOKIE_LENGTH,
    SEEN_RESOLUTION,
    STAGE_CHANGE_PASSWORD,
    STAGE_ENROL_TOTP,
    STAGE_FULL,
    STAGE_SECOND_FACTOR,
    NewSession,
    hash_session_token,
)
from openbwv.access.signin.tokens import LAST_USED_RESOLUTION, hash_token, looks_like_token
from openbwv.api.context import ClientContext
from openbwv.audit.events import DENIED, FAILURE, record
from openbwv.config import Settings, get_settings
from openbwv.timeutil import utcnow

GENERIC_FAILURE = "the username or password is wrong, or the account is locked"
MAX_USER_AGENT = 255  # the column's width
LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class SignedIn:
    new_session: NewSession
    principal: Principal
    needs_second_factor: bool
    must_change_password: bool = False
    must_enrol_totp: bool = False


def generic_failure(settings: Settings) -> str:
    """The one message for a wrong username or password (it never says which), with how long a
    lock lasts."""
    return (
        f"{GENERIC_FAILURE} (after {settings.login_max_failures} failed sign-ins an account "
        f"is locked for {settings.lockout_minutes} minutes)"
    )


def locked_message(locked_until: datetime, settings: Settings) -> str:
    """What the holder of the right password is told while their account is locked."""
    ends = locked_until.astimezone(LONDON).strftime("%H:%M")
    return (
        f"this account is locked for {settings.lockout_minutes} minutes after "
        f"{settings.login_max_failures} failed sign-ins; the lock ends at {ends} London time. "
        "Try again then, or ask an administrator to unlock it"
    )


def _stage_after_password(user: User) -> str:
    if user.totp_enabled:
        return STAGE_SECOND_FACTOR
    if user.kind == "external":
        return STAGE_ENROL_TOTP  # a second factor is mandatory for external accounts
    return STAGE_CHANGE_PASSWORD if user.must_change_password else STAGE_FULL


# --- web sessions -----------------------------------------------------------------------------


def start_session(
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
    web_session = WebSession(
        user_id=user.id,
        token_hash=hash_session_token(token),
        csrf_token=csrf,
        stage=stage,
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(hours=settings.session_hours),
        ip=ip,
        user_agent=(user_agent or "")[:MAX_USER_AGENT],
    )
    session.add(web_session)
    session.flush()
    return NewSession(token, csrf, web_session)


def find_session(
    session: Session, token: str, settings: Settings | None = None
) -> tuple[WebSession, User] | None:
    """The live session and its active user for a cookie value, else None."""
    settings = settings or get_settings()
    if not token or len(token) > MAX_COOKIE_LENGTH:
        return None
    found = queries.web_session_by_hash(session, hash_session_token(token))
    now = utcnow()
    if found is None or found.revoked_at is not None or found.expires_at <= now:
        return None
    if now - found.last_seen_at > timedelta(minutes=settings.session_idle_minutes):
        return None
    user = queries.user_by_id(session, found.user_id)
    if user is None or not user.active:
        return None
    if now - found.last_seen_at > SEEN_RESOLUTION:
        found.last_seen_at = now  # coarse: sliding idle timeout without a write per request
    return found, user


def end_session(session: Session, found: WebSession) -> None:
    found.revoked_at = utcnow()


def sign_out(session: Session, principal: Principal, cookie: str, *, source_ip: str | None) -> None:
    """End the browser's session (if it is still live) and record the sign-out."""
    found = find_session(session, cookie)
    if found is not None:
        end_session(session, found[0])
    record(session, principal, "auth.logout", source_ip=source_ip)


# --- bearer tokens ----------------------------------------------------------------------------


def authenticate(session: Session, secret: str) -> Principal | None:
    """The principal for a bearer token, or None if unknown, revoked or expired."""
    found = verify_token(session, secret)
    if found is None:
        return None
    if found.stale:
        touch_token(session, found.principal.id)
    return found.principal


@dataclass(frozen=True)
class VerifiedToken:
    principal: Principal
    expires_at: datetime | None
    stale: bool  # its last use is older than LAST_USED_RESOLUTION: `touch_token`


def verify_token(session: Session, secret: str) -> VerifiedToken | None:
    """The principal for a bearer token (None if unknown, revoked or expired). It only reads,
    so the API checks tokens in a read-only transaction, and writes only a stale last use."""
    if not looks_like_token(secret):
        return None
    token = queries.token_by_hash(session, hash_token(secret))
    now = utcnow()
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    stale = token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION
    return VerifiedToken(principal_for_token(session, token), token.expires_at, stale)


def touch_token(session: Session, token_id: uuid.UUID) -> None:
    """Its last use is now (coarse, so authentication is not a write per request)."""
    token = queries.token_by_id(session, token_id)
    if token is not None:
        token.last_used_at = utcnow()


# --- local sign-in ----------------------------------------------------------------------------


def _ip_failures(session: Session, ip: str | None, settings: Settings) -> int:
    if ip is None:
        return 0
    since = utcnow() - timedelta(minutes=settings.lockout_minutes)
    return queries.failed_sign_ins_from(session, ip, since)


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
        raise TooManySignIns("too many failed sign-ins from this address; try again later")
    user = queries.user_named(session, username)
    password_ok = verify_password(user.password_hash if user else None, password)
    now = utcnow()
    if (
        user is None
        or not password_ok
        or not user.active
        or user.kind not in ("internal", "external")
    ):
        _failed(session, user, username, ip, "bad credentials", settings)
        raise SignInRefused(generic_failure(settings))
    if user.locked_until is not None and user.locked_until > now:
        locked_until = user.locked_until  # the message names this lock, not one it may extend
        _failed(session, user, username, ip, "locked", settings)
        raise SignInRefused(locked_message(locked_until, settings))  # the password was right
    user.failed_logins = 0
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    stage = _stage_after_password(user)
    new = start_session(session, user, stage=stage, ip=ip, user_agent=user_agent, settings=settings)
    principal = principal_for_user(session, user, session_id=new.record.id)
    if stage != STAGE_SECOND_FACTOR:
        user.last_login_at = now
    details: dict[str, object] = {"second_factor_required": stage == STAGE_SECOND_FACTOR}
    if stage == STAGE_CHANGE_PASSWORD:
        details["must_change_password"] = True
    if stage == STAGE_ENROL_TOTP:
        details["must_enrol_totp"] = True
    record(session, principal, "auth.login", source_ip=ip, details=details)
    return SignedIn(
        new,
        principal,
        stage == STAGE_SECOND_FACTOR,
        stage == STAGE_CHANGE_PASSWORD,
        stage == STAGE_ENROL_TOTP,
    )


def pending_second_factor(session: Session, cookie: str) -> tuple[WebSession, User]:
    """The half-way session a password step left, or SignInRefused."""
    found = find_session(session, cookie)
    if found is None or found[0].stage != STAGE_SECOND_FACTOR:
        raise SignInRefused("sign in with your password first")
    return found


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
    stage = STAGE_CHANGE_PASSWORD if user.must_change_password else STAGE_FULL
    new = start_session(session, user, stage=stage, ip=ip, user_agent=user_agent, settings=settings)
    record(session, principal, "auth.totp", source_ip=ip)
    signed_in = principal_for_user(session, user, session_id=new.record.id)
    return SignedIn(new, signed_in, False, stage == STAGE_CHANGE_PASSWORD)


# --- a temporary password, changed at the next sign-in ----------------------------------------


def pending_password_change(session: Session, cookie: str) -> tuple[WebSession, User]:
    """The session of someone who signed in with a temporary password, or SignInRefused."""
    found = find_session(session, cookie)
    if found is None or found[0].stage != STAGE_CHANGE_PASSWORD:
        raise SignInRefused("sign in with your temporary password first")
    return found


def change_password(
    session: Session,
    pending: WebSession,
    user: User,
    new_password: str,
    *,
    ip: str | None,
    user_agent: str | None,
    settings: Settings | None = None,
) -> SignedIn:
    """Replace a temporary password: the half-way session ends and a full one begins.
    WeakPassword (a 422) for a short password or the temporary one again."""
    if verify_password(user.password_hash, new_password):
        raise WeakPassword("choose a new password, not the temporary one")
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    pending.revoked_at = utcnow()
    new = start_session(
        session, user, stage=STAGE_FULL, ip=ip, user_agent=user_agent, settings=settings
    )
    principal = principal_for_user(session, user, session_id=new.record.id)
    record(
        session,
        principal,
        "auth.password_change",
        target_type="user",
        target_id=str(user.id),
        source_ip=ip,
    )
    return SignedIn(new, principal, False)


# --- second-factor enrolment ------------------------------------------------------------------


def start_totp_enrolment(
    session: Session, principal: Principal, user_id: uuid.UUID, *, source_ip: str | None
) -> tuple[str, str]:
    """A new (not yet enabled) TOTP secret for the user, and their username."""
    secret = new_totp_secret()
    user = queries.user_by_id(session, user_id)
    assert user is not None
    user.totp_secret = secret
    user.totp_enabled = False
    record(session, principal, "auth.totp_enrol_start", source_ip=source_ip)
    return secret, user.username


def confirm_totp_enrolment(
    session: Session, principal: Principal, code: str, *, source_ip: str | None
) -> None:
    """Enable the second factor once the user shows a first good code."""
    user = queries.user_by_id(session, principal.user_id) if principal.user_id else None
    if user is None or not user.totp_secret:
        raise NoEnrolment("start enrolment first")
    step = verify_totp(user.totp_secret, code, user.totp_last_step)
    if step is None:
        raise WrongCode("the code does not match; check the device clock")
    user.totp_enabled = True
    user.totp_last_step = step
    record(session, principal, "auth.totp_enrolled", source_ip=source_ip)


def pending_enrolment(session: Session, cookie: str) -> tuple[WebSession, User]:
    """The session of an external user who must enrol a second factor, or SignInRefused."""
    found = find_session(session, cookie)
    if found is None or found[0].stage != STAGE_ENROL_TOTP:
        raise SignInRefused("sign in with your password first")
    return found


def enrolment_secret(session: Session, user: User, *, source_ip: str | None) -> str:
    """The secret being enrolled (made once, so reloading the page shows the same one)."""
    if not user.totp_secret or user.totp_enabled:
        user.totp_secret = new_totp_secret()
        user.totp_enabled = False
        record(
            session, principal_for_user(session, user), "auth.totp_enrol_start", source_ip=source_ip
        )
    return user.totp_secret


def complete_enrolment(
    session: Session,
    pending: WebSession,
    user: User,
    code: str,
    *,
    ip: str | None,
    user_agent: str | None,
) -> SignedIn:
    """Enable the second factor with a first good code: the enrolment session ends and a full
    one (or a temporary-password one) begins. WrongCode for a bad code."""
    step = verify_totp(user.totp_secret or "", code, user.totp_last_step)
    if step is None:
        raise WrongCode("the code does not match; check the device clock")
    user.totp_enabled = True
    user.totp_last_step = step
    user.last_login_at = utcnow()
    pending.revoked_at = utcnow()
    stage = STAGE_CHANGE_PASSWORD if user.must_change_password else STAGE_FULL
    new = start_session(session, user, stage=stage, ip=ip, user_agent=user_agent)
    principal = principal_for_user(session, user, session_id=new.record.id)
    record(session, principal, "auth.totp_enrolled", source_ip=ip)
    return SignedIn(new, principal, False, stage == STAGE_CHANGE_PASSWORD)


# --- single sign-on ---------------------------------------------------------------------------


def _user_for(session: Session, identity: Identity, settings: Settings) -> User:
    user = queries.user_for_identity(session, identity.issuer, identity.subject)
    if user is None:
        user = queries.unlinked_user_named(session, identity.username)
        if user is None:
            if not settings.oidc_create_users:
                raise OidcError("no account here for this identity; ask an administrator")
            user = User(username=identity.username, display_name=identity.display_name)
            session.add(user)
        user.oidc_issuer, user.oidc_subject = identity.issuer, identity.subject
    if identity.borough:
        with contextlib.suppress(UserError):  # an unknown borough claim leaves it as it was
            user.borough = resolve_borough(session, identity.borough).gss_code
    user.roles = [UserRole(role=name) for name in identity.roles]  # the provider decides
    user.email = identity.email or user.email
    session.flush()
    return user


def oidc_sign_in(session: Session, identity: Identity, client: ClientContext) -> NewSession:
    """A full session for a checked identity (the account linked, or made if allowed)."""
    user = _user_for(session, identity, get_settings())
    if not user.active:
        raise OidcError("this account is disabled")
    user.last_login_at = utcnow()
    new = start_session(session, user, stage=STAGE_FULL, ip=client.ip, user_agent=client.user_agent)
    record(
        session,
        principal_for_user(session, user),
        "auth.login",
        source_ip=client.ip,
        details={"method": "oidc", "issuer": identity.issuer, "roles": identity.roles},
    )
    return new
