"""Every write and rule of the sharing domain: recipients, shares (create, extend, revoke),
share links (open, passphrase throttle, download limit), the do-not-disclose flag and the
disclosure decisions. Each authorises, records its audit event and never commits."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from openbwv.access.errors import AccessDenied
from openbwv.access.policy import roles
from openbwv.access.policy.queries import authorize_item, holds_categories, require
from openbwv.access.principal import Principal
from openbwv.access.signin.passwords import hash_password
from openbwv.audit.events import record
from openbwv.cases import queries as cases
from openbwv.config import get_settings
from openbwv.sharing import queries
from openbwv.sharing.errors import (
    NoSuchRecipient,
    NoSuchShare,
    NotDisclosable,
    ShareEnded,
    ShareRefused,
)
from openbwv.sharing.models import (
    DISCLOSURE_STATES,
    ORGANISATION_KINDS,
    DisclosureDecision,
    DoNotDisclose,
    Organisation,
    OrganisationMember,
    Share,
    ShareItem,
)
from openbwv.timeutil import utcnow

MAX_SHARE_DAYS = 3 * 365  # a share is temporary; longer disclosure is a new decision
PASSPHRASE_WORDS = 4


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# --- recipients -------------------------------------------------------------------------------


def _require_sharer(principal: Principal) -> None:
    if principal.external:
        raise AccessDenied(roles.SHARE, "recipients cannot share")
    require(principal, roles.SHARE)


def create_organisation(
    session: Session, principal: Principal, name: str, kind: str, source_ip: str | None = None
) -> Organisation:
    _require_sharer(principal)
    name = name.strip()
    if not name or kind not in ORGANISATION_KINDS:
        raise ShareRefused(
            f"an organisation needs a name and a kind ({', '.join(ORGANISATION_KINDS)})"
        )
    if queries.organisation_by_name(session, name) is not None:
        raise ShareRefused(f"there is already an organisation named {name!r}")
    org = Organisation(name=name, kind=kind)
    session.add(org)
    session.flush()
    record(
        session,
        principal,
        "share.organisation",
        target_type="organisation",
        target_id=str(org.id),
        source_ip=source_ip,
        details={"name": name, "kind": kind},
    )
    return org


def add_member(
    session: Session,
    principal: Principal,
    org: Organisation,
    user_id: uuid.UUID,
    is_external: bool,
    source_ip: str | None = None,
) -> None:
    """Make an external user one of the organisation's (a user belongs to one)."""
    _require_sharer(principal)
    if not is_external:
        raise ShareRefused("only external users belong to a recipient organisation")
    existing = session.get(OrganisationMember, user_id)
    if existing is None:
        session.add(OrganisationMember(user_id=user_id, organisation_id=org.id))
    else:
        existing.organisation_id = org.id
    record(
        session,
        principal,
        "share.organisation_member",
        target_type="user",
        target_id=str(user_id),
        source_ip=source_ip,
        details={"organisation": org.name},
    )


# --- shares -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    kind: str  # user | organisation | link
    label: str
    user_id: uuid.UUID | None = None
    org_id: uuid.UUID | None = None


@dataclass
class ShareRequest:
    case_id: str
    recipient: Recipient
    reason: str
    allow_download: bool = False
    evidence_ids: list[str] | None = None  # None: the case's items
    include_later: bool = False
    days: int | None = None
    expires_at: datetime | None = None
    passphrase: bool = False  # links only: make one, shown once
    max_downloads: int | None = None


@dataclass
class Made:
    share: Share
    items: list[uuid.UUID]
    withheld: dict[str, str] = field(default_factory=dict)  # item id: why it was not shared
    link_secret: str | None = None
    passphrase: str | None = None


def _expiry(request: ShareRequest) -> datetime:
    now = utcnow()
    if request.expires_at is not None:
        expires = request.expires_at
    else:
        expires = now + timedelta(days=request.days or get_settings().share_default_days)
    if expires <= now:
        raise ShareRefused("the expiry must be in the future")
    if expires > now + timedelta(days=MAX_SHARE_DAYS):
        raise ShareRefused(f"a share lasts at most {MAX_SHARE_DAYS} days; extend it later")
    return expires


def _why_not(session: Session, principal: Principal, case_id: uuid.UUID, item: str) -> str | None:
    """Why the principal may not share this item of the case (None: they may)."""
    try:
        found = authorize_item(session, principal, item, roles.SHARE)
    except AccessDenied:
        return "not an item you may share"
    if not cases.is_linked_id(session, case_id, found.id):
        return "not linked to this case"
    if queries.flags(session, [found.id]):
        return "flagged do not disclose"
    if not holds_categories(session, principal, found.id):
        return "in a restricted category you do not hold"
    return None


def _choose(
    session: Session, principal: Principal, case_id: uuid.UUID, request: ShareRequest
) -> tuple[list[uuid.UUID], dict[str, str]]:
    """The items to share, and those left out with the reason. Chosen items must all be
    shareable (else the whole share is refused); a case's items are shared less those that are
    not, which the sharer is told about."""
    wanted = request.evidence_ids
    chosen = [
        str(i) for i in (wanted if wanted is not None else cases.item_ids_of(session, case_id))
    ]
    items: list[uuid.UUID] = []
    withheld: dict[str, str] = {}
    for item in chosen:
        why = _why_not(session, principal, case_id, item)
        if why is None:
            items.append(uuid.UUID(item))
        else:
            withheld[item] = why
    if wanted is not None and withheld:
        first, why = next(iter(withheld.items()))
        raise NotDisclosable(f"item {first} cannot be shared: {why}", withheld=withheld)
    if not items and not request.include_later:
        raise ShareRefused("nothing to share: the case has no item you may disclose")
    return items, withheld


def create_share(
    session: Session, principal: Principal, request: ShareRequest, source_ip: str | None = None
) -> Made:
    _require_sharer(principal)
    reason = request.reason.strip()
    if not reason:
        raise ShareRefused("a share needs a reason (it is recorded and shown to the recipient)")
    case = cases.get_visible(session, principal, request.case_id)
    expires = _expiry(request)
    items, withheld = _choose(session, principal, case.id, request)
    share = Share(
        case_id=case.id,
        include_later=request.include_later and request.evidence_ids is None,
        recipient_kind=request.recipient.kind,
        recipient_user_id=request.recipient.user_id,
        recipient_org_id=request.recipient.org_id,
        label=request.recipient.label,
        allow_download=request.allow_download,
        reason=reason,
        created_by=principal.id,
        created_by_name=principal.name,
        created_at=utcnow(),
        expires_at=expires,
    )
    made = Made(share, items, withheld)
    if request.recipient.kind == "link":
        _make_link(share, made, request)
    session.add(share)
    session.flush()
    for item in items:
        session.add(ShareItem(share_id=share.id, evidence_id=item))
    _record_share(session, principal, share, items, source_ip)
    return made


def _make_link(share: Share, made: Made, request: ShareRequest) -> None:
    if request.max_downloads is not None and request.max_downloads < 1:
        raise ShareRefused("a maximum number of downloads is at least 1")
    made.link_secret = secrets.token_urlsafe(32)
    share.link_hash = hash_secret(made.link_secret)
    share.max_downloads = request.max_downloads
    if request.passphrase:
        made.passphrase = "-".join(secrets.token_hex(3) for _ in range(PASSPHRASE_WORDS))
        share.passphrase_hash = hash_password(made.passphrase)


def _record_share(
    session: Session,
    principal: Principal,
    share: Share,
    items: list[uuid.UUID],
    source_ip: str | None,
) -> None:
    details = {
        "share": str(share.id),
        "recipient": share.label,
        "recipient_kind": share.recipient_kind,
        "download": share.allow_download,
        "expires_at": share.expires_at.isoformat(),
        "items": len(items),
        "include_later": share.include_later,
    }
    record(
        session,
        principal,
        "share.create",
        target_type="case",
        target_id=str(share.case_id),
        reason=share.reason,
        source_ip=source_ip,
        details=details,
    )
    for item in items:  # each item's custody trail says where it went
        record(
            session,
            principal,
            "share.item",
            evidence_id=item,
            source_ip=source_ip,
            details={"share": str(share.id), "recipient": share.label},
        )


def _managed(session: Session, principal: Principal, share_id: str) -> Share:
    """A share the principal may change: a sharer who can see its case."""
    _require_sharer(principal)
    share = queries.find_share(session, share_id)
    if share is None or cases.find_visible(session, principal, str(share.case_id)) is None:
        raise NoSuchShare("no such share")
    return share


def revoke_share(
    session: Session, principal: Principal, share_id: str, reason: str, source_ip: str | None = None
) -> Share:
    """Ends the share now: the next request by its recipient (a download in progress too)
    finds nothing."""
    share = _managed(session, principal, share_id)
    if share.revoked_at is not None:
        raise ShareEnded("this share was already revoked")
    share.revoked_at = utcnow()
    share.revoked_by = principal.name
    record(
        session,
        principal,
        "share.revoke",
        target_type="share",
        target_id=str(share.id),
        reason=reason.strip() or None,
        source_ip=source_ip,
        details={"recipient": share.label},
    )
    return share


def extend_share(
    session: Session,
    principal: Principal,
    share_id: str,
    expires_at: datetime,
    source_ip: str | None = None,
) -> Share:
    share = _managed(session, principal, share_id)
    if share.revoked_at is not None:
        raise ShareEnded("a revoked share cannot be extended; make a new one")
    now = utcnow()
    if expires_at <= now or expires_at > now + timedelta(days=MAX_SHARE_DAYS):
        raise ShareRefused(f"the new expiry must be in the next {MAX_SHARE_DAYS} days")
    before = share.expires_at
    share.expires_at = expires_at
    record(
        session,
        principal,
        "share.extend",
        target_type="share",
        target_id=str(share.id),
        source_ip=source_ip,
        details={
            "from": before.isoformat(),
            "to": expires_at.isoformat(),
            "recipient": share.label,
        },
    )
    return share


# --- do not disclose --------------------------------------------------------------------------


def flag_do_not_disclose(
    session: Session,
    principal: Principal,
    evidence_id: str,
    reason: str,
    source_ip: str | None = None,
) -> DoNotDisclose:
    """Sharers (evidence.share) who can see the item flag it; from then on no share gives it,
    including shares made before."""
    item = authorize_item(session, principal, evidence_id, roles.SHARE)  # hidden: 404
    _require_sharer(principal)
    if not reason.strip():
        raise ShareRefused("say why the item must not be disclosed")
    existing = session.get(DoNotDisclose, item.id)
    if existing is None:
        existing = DoNotDisclose(evidence_id=item.id, reason=reason.strip(), set_by=principal.name)
        session.add(existing)
    else:
        existing.reason, existing.set_by, existing.set_at = reason.strip(), principal.name, utcnow()
    record(
        session,
        principal,
        "evidence.do_not_disclose",
        evidence_id=item.id,
        reason=reason.strip(),
        source_ip=source_ip,
    )
    return existing


def clear_do_not_disclose(
    session: Session,
    principal: Principal,
    evidence_id: str,
    reason: str,
    source_ip: str | None = None,
) -> None:
    item = authorize_item(session, principal, evidence_id, roles.SHARE)
    _require_sharer(principal)
    existing = session.get(DoNotDisclose, item.id)
    if existing is None:
        raise NoSuchRecipient("the item is not flagged")
    session.delete(existing)
    record(
        session,
        principal,
        "evidence.do_not_disclose_clear",
        evidence_id=item.id,
        reason=reason.strip() or None,
        source_ip=source_ip,
    )


# --- the disclosure schedule ------------------------------------------------------------------


def decide(
    session: Session,
    principal: Principal,
    case_id: str,
    evidence_id: str,
    state: str,
    reason: str | None,
    source_ip: str | None = None,
) -> DisclosureDecision:
    """Record an item's disclosure decision in the case's schedule; sensitive needs a reason."""
    _require_sharer(principal)
    case = cases.get_visible(session, principal, case_id)
    item = authorize_item(session, principal, evidence_id, roles.VIEW)
    if not cases.is_linked_id(session, case.id, item.id):
        raise ShareRefused("the item is not linked to this case")
    if state not in DISCLOSURE_STATES:
        raise ShareRefused(f"the state is one of {', '.join(DISCLOSURE_STATES)}")
    reason = (reason or "").strip() or None
    if state == "sensitive" and not reason:
        raise ShareRefused("material withheld as sensitive needs the reason")
    found = session.get(DisclosureDecision, (case.id, item.id))
    if found is None:
        found = DisclosureDecision(
            case_id=case.id,
            evidence_id=item.id,
            state=state,
            reason=reason,
            decided_by=principal.name,
        )
        session.add(found)
    else:
        found.state, found.reason, found.decided_by = state, reason, principal.name
        found.decided_at = utcnow()
    record(
        session,
        principal,
        "disclosure.decide",
        evidence_id=item.id,
        target_type="case",
        target_id=str(case.id),
        reason=reason,
        source_ip=source_ip,
        details={"state": state},
    )
    return found


def recipient_for(
    session: Session,
    *,
    user: tuple[uuid.UUID, str, bool] | None = None,
    organisation: str | None = None,
    link_label: str | None = None,
) -> Recipient:
    """A recipient from what the caller named: an external user (id, label, is external), an
    organisation by name, or a link with a label."""
    if user is not None:
        user_id, label, external = user
        if not external:
            raise ShareRefused("shares go to external users; colleagues use case membership")
        org = queries.organisation_of(session, user_id)
        return Recipient("user", f"{org.name} ({label})" if org else label, user_id=user_id)
    if organisation is not None:
        org = queries.organisation_by_name(session, organisation)
        if org is None:
            raise NoSuchRecipient(f"no recipient organisation named {organisation!r}")
        return Recipient("organisation", org.name, org_id=org.id)
    if link_label:
        return Recipient("link", f"Link: {link_label.strip()}"[:128])
    raise ShareRefused("name a recipient: an external user, an organisation or a link")
