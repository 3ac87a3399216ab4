"""Every read of the sharing domain: what active shares give (the access policy's share reach),
a case's shares and receipts, a recipient's shares, the do-not-disclose flags, the schedule."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import Session

from openbwv.access.policy import roles
from openbwv.access.policy.queries import SharedReach, can_on_item
from openbwv.access.principal import Principal
from openbwv.audit.queries import events_by_actors
from openbwv.cases.queries import case_by_id, evidence_in_cases, item_ids_of
from openbwv.evidence import queries as evidence
from openbwv.sharing.documents import GivenItem, ReceiptDoc, ScheduleLine
from openbwv.sharing.models import (
    DisclosureDecision,
    DoNotDisclose,
    LinkSession,
    Organisation,
    OrganisationMember,
    Share,
    ShareItem,
)
from openbwv.timeutil import utcnow

LINK_KIND = "link"  # the Principal.kind of a share link's holder
RECEIPT_ACTIONS = (
    "evidence.view",
    "evidence.play",
    "evidence.download",
    "share.open",
    "package.export",  # a recipient's evidence package (its target: the case)
)


def active() -> ColumnElement[bool]:
    """A share that still gives something: not revoked and not past its expiry."""
    return and_(Share.revoked_at.is_(None), Share.expires_at > utcnow())


def _permits(action: str) -> ColumnElement[bool] | None:
    """Which shares allow `action`: viewing and playing come with every share; downloading with
    those that allow it (a link's, until its maximum); nothing else ever."""
    if action in (roles.VIEW, roles.PLAY):
        return active()
    if action == roles.DOWNLOAD:
        under_limit = or_(Share.max_downloads.is_(None), Share.downloads < Share.max_downloads)
        return and_(active(), Share.allow_download.is_(True), under_limit)
    return None


def _recipient(principal: Principal) -> ColumnElement[bool]:
    if principal.kind == LINK_KIND:
        return and_(Share.id == principal.id, Share.recipient_kind == "link")
    if principal.user_id is None:
        return Share.id.is_(None)
    organisations = select(OrganisationMember.organisation_id).where(
        OrganisationMember.user_id == principal.user_id
    )
    return or_(
        and_(Share.recipient_kind == "user", Share.recipient_user_id == principal.user_id),
        and_(Share.recipient_kind == "organisation", Share.recipient_org_id.in_(organisations)),
    )


def _flagged() -> Select[uuid.UUID]:
    return select(DoNotDisclose.evidence_id)


def reach(principal: Principal, action: str) -> SharedReach:
    """The access policy's answer for external principals: the items their active shares give
    for `action`, never one flagged do not disclose (even when flagged after sharing)."""
    permits = _permits(action)
    if permits is None:
        nothing = select(ShareItem.evidence_id).where(ShareItem.share_id.is_(None))
        return SharedReach(nothing, nothing)
    shares = select(Share.id).where(_recipient(principal), permits)
    explicit = select(ShareItem.evidence_id).where(
        ShareItem.share_id.in_(shares), ShareItem.evidence_id.not_in(_flagged())
    )
    later_cases = select(Share.case_id).where(
        _recipient(principal), permits, Share.include_later.is_(True)
    )
    later = evidence_in_cases(later_cases, excluding=_flagged())
    return SharedReach(explicit, later)


# --- shares -----------------------------------------------------------------------------------


def find_share(session: Session, share_id: uuid.UUID | str) -> Share | None:
    try:
        parsed = share_id if isinstance(share_id, uuid.UUID) else uuid.UUID(str(share_id))
    except ValueError:
        return None
    return session.get(Share, parsed)


def shares_of_case(session: Session, case_id: uuid.UUID) -> list[Share]:
    return list(
        session.scalars(
            select(Share).where(Share.case_id == case_id).order_by(Share.created_at.desc())
        )
    )


def shares_for(session: Session, principal: Principal, *, only_active: bool = True) -> list[Share]:
    """The shares that reach this recipient, soonest expiry first."""
    query = select(Share).where(_recipient(principal))
    if only_active:
        query = query.where(active())
    return list(session.scalars(query.order_by(Share.expires_at)))


def shares_made_by(session: Session, principal: Principal) -> list[Share]:
    return list(
        session.scalars(
            select(Share)
            .where(Share.created_by == principal.id, active())
            .order_by(Share.expires_at)
        )
    )


def share_item_ids(session: Session, share: Share) -> list[uuid.UUID]:
    """The items a share gives now: its own, and (optionally) those linked to its case later;
    never a flagged one."""
    explicit = set(
        session.scalars(select(ShareItem.evidence_id).where(ShareItem.share_id == share.id))
    )
    if share.include_later:
        case_ids = select(Share.case_id).where(Share.id == share.id)
        explicit |= set(session.scalars(evidence_in_cases(case_ids)))
    flagged = set(session.scalars(_flagged().where(DoNotDisclose.evidence_id.in_(explicit))))
    return sorted(explicit - flagged)


def is_live(share: Share) -> bool:
    return share.revoked_at is None and share.expires_at > utcnow()


def expiring(session: Session, principal: Principal, within_days: int) -> list[Share]:
    """Active shares that end within `within_days`, made by or given to the principal (the
    warnings feed)."""
    horizon = utcnow() + timedelta(days=within_days)
    mine = or_(Share.created_by == principal.id, _recipient(principal))
    return list(
        session.scalars(
            select(Share)
            .where(mine, active(), Share.expires_at <= horizon)
            .order_by(Share.expires_at)
        )
    )


# --- links ------------------------------------------------------------------------------------


def share_by_link_hash(session: Session, link_hash: str) -> Share | None:
    return session.scalar(select(Share).where(Share.link_hash == link_hash))


def link_session(session: Session, token_hash: str) -> LinkSession | None:
    found = session.get(LinkSession, token_hash)
    if found is None or found.expires_at <= utcnow():
        return None
    return found


# --- recipients -------------------------------------------------------------------------------


def organisations(session: Session) -> list[Organisation]:
    return list(session.scalars(select(Organisation).order_by(Organisation.name)))


def organisation_by_name(session: Session, name: str) -> Organisation | None:
    return session.scalar(select(Organisation).where(Organisation.name == name))


def find_organisation(session: Session, org_id: uuid.UUID) -> Organisation | None:
    return session.get(Organisation, org_id)


def organisation_of(session: Session, user_id: uuid.UUID) -> Organisation | None:
    return session.scalar(
        select(Organisation)
        .join(OrganisationMember, OrganisationMember.organisation_id == Organisation.id)
        .where(OrganisationMember.user_id == user_id)
    )


def member_ids(session: Session, org_id: uuid.UUID) -> list[uuid.UUID]:
    return list(
        session.scalars(
            select(OrganisationMember.user_id).where(OrganisationMember.organisation_id == org_id)
        )
    )


# --- do not disclose --------------------------------------------------------------------------


def flags(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, DoNotDisclose]:
    if not ids:
        return {}
    rows = session.scalars(select(DoNotDisclose).where(DoNotDisclose.evidence_id.in_(list(ids))))
    return {row.evidence_id: row for row in rows}


# --- receipts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Receipt:
    share: Share
    event: Any  # the audit domain's event (its model is not ours to import)


def receipts(session: Session, shares: Sequence[Share], limit: int = 500) -> list[Receipt]:
    """What the recipients of these shares viewed, played and downloaded, newest first. Each
    event is attributed to the share that reached its actor at the time."""
    by_actor: dict[uuid.UUID, list[Share]] = {}
    items: set[uuid.UUID] = set()
    for share in shares:
        for actor in _actors(session, share):
            by_actor.setdefault(actor, []).append(share)
        items |= set(share_item_ids(session, share)) | _explicit(session, share)
    events = events_by_actors(
        session,
        list(by_actor),
        sorted(items),
        RECEIPT_ACTIONS,
        limit,
        target_ids=[str(s.id) for s in shares] + sorted({str(s.case_id) for s in shares}),
    )
    found = []
    for event in events:
        candidates = [
            s
            for s in by_actor.get(event.actor_id or uuid.UUID(int=0), [])
            if s.created_at <= event.occurred_at
        ]
        if candidates:
            found.append(Receipt(candidates[0], event))
    return found


def _explicit(session: Session, share: Share) -> set[uuid.UUID]:
    return set(session.scalars(select(ShareItem.evidence_id).where(ShareItem.share_id == share.id)))


def _actors(session: Session, share: Share) -> list[uuid.UUID]:
    if share.recipient_kind == "link":
        return [share.id]
    if share.recipient_kind == "user" and share.recipient_user_id is not None:
        return [share.recipient_user_id]
    if share.recipient_org_id is not None:
        return member_ids(session, share.recipient_org_id)
    return []


# --- the disclosure schedule ------------------------------------------------------------------


def decisions(session: Session, case_id: uuid.UUID) -> dict[uuid.UUID, DisclosureDecision]:
    rows = session.scalars(select(DisclosureDecision).where(DisclosureDecision.case_id == case_id))
    return {row.evidence_id: row for row in rows}


def first_disclosures(session: Session, case_id: uuid.UUID) -> dict[uuid.UUID, dict[str, datetime]]:
    """For each item of the case: when it was first shared with each kind of recipient
    (cps, defence, iopc, court, other, link), by any share made, ended or not."""
    found: dict[uuid.UUID, dict[str, datetime]] = {}
    for share in shares_of_case(session, case_id):
        kind = share.recipient_kind
        if share.recipient_org_id is not None:
            org = session.get(Organisation, share.recipient_org_id)
            kind = org.kind if org else kind
        elif share.recipient_user_id is not None:
            org = organisation_of(session, share.recipient_user_id)
            kind = org.kind if org else "other"
        for item in _explicit(session, share):
            when = found.setdefault(item, {})
            if kind not in when or share.created_at < when[kind]:
                when[kind] = share.created_at
    return found


# --- documents: a receipt, the schedules ------------------------------------------------------


def status_of(share: Share) -> str:
    if share.revoked_at is not None:
        return "revoked"
    return "active" if share.expires_at > utcnow() else "expired"


def given_items(session: Session, principal: Principal, share: Share) -> list[GivenItem]:
    """The share's items as its recipient (`principal`) may see them now."""
    ids = share_item_ids(session, share)
    return [
        GivenItem(
            str(item.id),
            item.title or item.original_filename or str(item.id),
            item.sha256,
            item.size_bytes,
            item.recorded_start or item.occurred_at,
        )
        for item in evidence.visible_items_by_id(session, principal, ids)
    ]


def receipt_doc(session: Session, principal: Principal, share: Share) -> ReceiptDoc:
    case = case_by_id(session, share.case_id)
    accesses = [
        (r.event.occurred_at, r.event.actor_name, r.event.action, str(r.event.evidence_id or ""))
        for r in receipts(session, [share])
        if r.event.actor_id in (principal.user_id, principal.id)
    ]
    return ReceiptDoc(
        share_id=str(share.id),
        case_reference=case.crime_reference if case else "",
        recipient=share.label,
        shared_by=share.created_by_name,
        reason=share.reason,
        download=share.allow_download,
        shared_at=share.created_at,
        expires_at=share.expires_at,
        status=status_of(share),
        items=given_items(session, principal, share),
        accesses=accesses,
        generated_at=utcnow(),
    )


def _disclosed_text(when: dict[str, datetime]) -> str:
    return "; ".join(f"{kind.upper()} {at:%Y-%m-%d %H:%M} UTC" for kind, at in sorted(when.items()))


@dataclass(frozen=True)
class ScheduleEntry:
    item: Any  # the evidence domain's item
    state: str
    reason: str | None
    disclosed: dict[str, datetime]
    flagged: bool


def schedule(session: Session, principal: Principal, case_id: uuid.UUID) -> list[ScheduleEntry]:
    """Every item of the case the principal may see, with its disclosure state."""
    items = evidence.visible_items_by_id(session, principal, item_ids_of(session, case_id))
    decided = decisions(session, case_id)
    shared = first_disclosures(session, case_id)
    flagged = flags(session, [i.id for i in items])
    entries = []
    for item in items:
        decision = decided.get(item.id)
        entries.append(
            ScheduleEntry(
                item,
                decision.state if decision else "undecided",
                decision.reason if decision else None,
                shared.get(item.id, {}),
                item.id in flagged,
            )
        )
    return entries


def schedule_lines(entries: list[ScheduleEntry], kind: str) -> list[ScheduleLine]:
    """MG6C: the unused material that is not sensitive (decided unused, or not yet decided);
    MG6D: the material withheld as sensitive, and anything flagged do not disclose."""
    if kind == "mg6d":
        chosen = [e for e in entries if e.state == "sensitive" or e.flagged]
    else:
        chosen = [e for e in entries if e.state in ("unused", "undecided") and not e.flagged]
    return [
        ScheduleLine(
            number=n,
            evidence_id=str(e.item.id),
            description=e.item.title or e.item.original_filename or "Body-worn video",
            recorded_at=e.item.recorded_start or e.item.occurred_at,
            officer=e.item.officer or "",
            sha256=e.item.sha256,
            state="do not disclose" if e.flagged else e.state,
            reason=e.reason or "",
            disclosed=_disclosed_text(e.disclosed),
        )
        for n, e in enumerate(chosen, start=1)
    ]


def may(session: Session, principal: Principal, item_id: uuid.UUID, action: str) -> bool:
    return can_on_item(session, principal, item_id, action)


def download_left(share: Share) -> bool:
    """Whether the share still allows a download (a link's maximum not yet reached)."""
    if not share.allow_download:
        return False
    return share.max_downloads is None or share.downloads < share.max_downloads
