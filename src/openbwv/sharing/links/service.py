"""Share links: a recipient without an account holds a link (its secret stored hashed) and,
when the sharer set one, a passphrase (Argon2id, throttled like sign-in). Whoever holds a live
link acts as the share's link principal, so the access policy and the audit treat them as any
recipient. Writes here authorise (the link is the credential), record and never commit."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy.orm import Session

from openbwv.access.policy import roles
from openbwv.access.principal import Principal
from openbwv.access.signin.passwords import verify_password
from openbwv.audit.events import FAILURE, record
from openbwv.config import get_settings
from openbwv.sharing import queries
from openbwv.sharing.errors import LinkGone, ShareRefused, TooManyAttempts
from openbwv.sharing.models import LinkSession, Share
from openbwv.sharing.service import hash_secret
from openbwv.timeutil import utcnow

LINK_SESSION_HOURS = 12


def link_principal(share: Share) -> Principal:
    """Whoever holds a share's link acts as this principal: external, reaching only the share
    (the policy's share reach matches the share's id)."""
    permissions = {roles.VIEW, roles.PLAY} | ({roles.DOWNLOAD} if share.allow_download else set())
    return Principal(
        id=share.id,
        name=f"link:{share.label}"[:128],
        kind=queries.LINK_KIND,
        roles=("external",),
        permissions=frozenset(permissions),
        scope="shared",
        external=True,
    )


def live_link(session: Session, secret: str) -> Share:
    """The share of a link that still works; LinkGone (410) for an unknown, expired or revoked
    one (the same answer, so guessing learns nothing)."""
    share = queries.share_by_link_hash(session, hash_secret(secret)) if len(secret) < 100 else None
    if share is None or not queries.is_live(share):
        raise LinkGone("this link has expired or was revoked, or it was never valid")
    return share


def open_link(
    session: Session, secret: str, passphrase: str | None, source_ip: str | None
) -> tuple[Share, str]:
    """A link session for the link (after its passphrase, if it has one): the cookie value."""
    share = live_link(session, secret)
    principal = link_principal(share)
    now = utcnow()
    if share.passphrase_hash is not None:
        if share.locked_until is not None and share.locked_until > now:
            raise TooManyAttempts(
                "too many wrong passphrases: try again later",
                retry_after=share.locked_until.isoformat(),
            )
        if not verify_password(share.passphrase_hash, passphrase or ""):
            _wrong_passphrase(session, share, principal, source_ip)
            raise ShareRefused("the passphrase is wrong")
        share.failed_passphrases = 0
    token = secrets.token_urlsafe(32)
    session.add(
        LinkSession(
            token_hash=hash_secret(token),
            share_id=share.id,
            created_at=now,
            expires_at=min(share.expires_at, now + timedelta(hours=LINK_SESSION_HOURS)),
        )
    )
    record(
        session,
        principal,
        "share.open",
        target_type="share",
        target_id=str(share.id),
        source_ip=source_ip,
    )
    return share, token


def _wrong_passphrase(
    session: Session, share: Share, principal: Principal, source_ip: str | None
) -> None:
    """Counts the failure; after `login_max_failures` the link locks for `lockout_minutes`
    (the sign-in's limits), so a passphrase cannot be guessed online."""
    settings = get_settings()
    share.failed_passphrases += 1
    if share.failed_passphrases >= settings.login_max_failures:
        share.locked_until = utcnow() + timedelta(minutes=settings.lockout_minutes)
        share.failed_passphrases = 0
    record(
        session,
        principal,
        "share.open",
        target_type="share",
        target_id=str(share.id),
        result=FAILURE,
        reason="wrong passphrase",
        source_ip=source_ip,
    )


def link_session_share(session: Session, secret: str, cookie: str | None) -> Share | None:
    """The live share if this browser holds a session of this link, else None (LinkGone when
    the link itself no longer works)."""
    share = live_link(session, secret)
    if share.passphrase_hash is None:
        return share  # the link alone is the credential
    found = queries.link_session(session, hash_secret(cookie)) if cookie else None
    return share if found is not None and found.share_id == share.id else None


def count_download(session: Session, share: Share) -> None:
    """One more download of a link's original (the maximum, if any, is checked by the policy)."""
    share.downloads += 1


def record_link_open(session: Session, share: Share, source_ip: str | None) -> None:
    """A link without a passphrase was opened (its page; each item read is recorded too)."""
    record(
        session,
        link_principal(share),
        "share.open",
        target_type="share",
        target_id=str(share.id),
        source_ip=source_ip,
    )
