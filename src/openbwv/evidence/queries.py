"""Reading evidence: filters and keyset pagination (fast at tens of millions of rows), a search's
reach as index-friendly branches, My footage, what the pages show about items (in bulk), and
what fsck checks."""

from __future__ import annotations

import base64
import json
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    cast,
    distinct,
    exists,
    false,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from openbwv.access.models import EvidenceGrant, Grant, User
from openbwv.access.policy import roles
from openbwv.access.policy.queries import CLAUSES_KEPT, visible_clause
from openbwv.access.principal import Principal
from openbwv.cases.queries import evidence_of_member
from openbwv.categories.queries import all_categories
from openbwv.db.base import now_when_executed
from openbwv.evidence.annotations.models import Marker, Note, Tag
from openbwv.evidence.errors import BadCursor, BadPage
from openbwv.evidence.models import Derivative, EvidenceCategory, EvidenceItem, EvidenceStatus
from openbwv.evidence.presenters import CategoryView, ItemCard, Person, heading, person_label
from openbwv.evidence.recordings.queries import Batch, Recording, by_key, newest, paginate
from openbwv.organisation.models import Borough, Team
from openbwv.timeutil import parse_rfc3339

FOOTAGE_PAGE = 20


@dataclass(frozen=True)
class EvidenceFilter:
    camera_serial: str | None = None
    officer: str | None = None
    sha256: str | None = None
    start: datetime | None = None  # occurred at or after
    end: datetime | None = None  # occurred before
    status: str | None = None

    def as_details(self) -> dict[str, str]:
        """The filters as audit details (strings only)."""
        values = {
            "camera": self.camera_serial,
            "officer": self.officer,
            "sha256": self.sha256,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "status": self.status,
        }
        return {key: value for key, value in values.items() if value}


def select_items() -> Select[tuple[EvidenceItem]]:
    return select(EvidenceItem)


def encode_cursor(item: EvidenceItem) -> str:
    return encode_key(item.occurred_at, item.id)


def encode_key(occurred_at: datetime, item_id: uuid.UUID) -> str:
    """The cursor of a position in a newest-first list (see `encode_cursor`)."""
    raw = json.dumps([occurred_at.isoformat(), str(item_id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        occurred, item_id = json.loads(base64.urlsafe_b64decode(padded))
        return parse_rfc3339(occurred), uuid.UUID(item_id)
    except (ValueError, TypeError) as exc:
        raise BadCursor("invalid cursor") from exc


def filtered(
    query: Select[tuple[EvidenceItem]], flt: EvidenceFilter
) -> Select[tuple[EvidenceItem]]:
    if flt.camera_serial:
        query = query.where(EvidenceItem.camera_serial == flt.camera_serial)
    if flt.officer:
        query = query.where(EvidenceItem.officer == flt.officer)
    if flt.sha256:
        query = query.where(EvidenceItem.sha256 == flt.sha256.lower())
    if flt.start:
        query = query.where(EvidenceItem.occurred_at >= flt.start)
    if flt.end:
        query = query.where(EvidenceItem.occurred_at < flt.end)
    if flt.status:
        query = query.where(EvidenceItem.status == flt.status)
    return query


def page(
    session: Session,
    flt: EvidenceFilter,
    *,
    limit: int,
    cursor: str | None = None,
    base: Select[tuple[EvidenceItem]] | None = None,
) -> tuple[list[EvidenceItem], str | None]:
    """Newest first; `base` lets the access policy restrict the query before filtering."""
    query = filtered(base if base is not None else select(EvidenceItem), flt)
    if cursor:
        occurred, item_id = decode_cursor(cursor)
        query = query.where(
            or_(
                EvidenceItem.occurred_at < occurred,
                and_(EvidenceItem.occurred_at == occurred, EvidenceItem.id < item_id),
            )
        )
    query = query.order_by(EvidenceItem.occurred_at.desc(), EvidenceItem.id.desc()).limit(limit + 1)
    rows: list[EvidenceItem] = list(session.scalars(query))
    next_cursor = encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return rows[:limit], next_cursor


def categories_of(session: Session, item: EvidenceItem) -> list[str]:
    return sorted(
        session.scalars(
            select(EvidenceCategory.category).where(EvidenceCategory.evidence_id == item.id)
        )
    )


# --- reach: a search's branches ---------------------------------------------------------------
# The access policy's `visible_clause` is one OR of everything that puts an item within a person's
# reach (their borough, their team, their own footage, their cases, their grants). As a filter it
# is exact, but an OR of unlike conditions lets no index drive the query: a borough investigator's
# "category: arrest" would read every row in the table. So a search runs once per branch of that
# OR — each branch a plain condition an index can drive, newest first — and merges the branches.
# Every branch is still ANDed with `visible_clause`, which stays the authority: a branch can only
# narrow what the policy allows, never widen it (tests hold the two to each other).


def _active(
    expires: InstrumentedAttribute[datetime | None], revoked: InstrumentedAttribute[datetime | None]
) -> ColumnElement[bool]:
    return and_(revoked.is_(None), or_(expires.is_(None), expires > now_when_executed()))


def _my_item_grants(principal: Principal) -> Select[uuid.UUID]:
    return select(EvidenceGrant.evidence_id).where(
        EvidenceGrant.user_id == principal.user_id,
        _active(EvidenceGrant.expires_at, EvidenceGrant.revoked_at),
    )


def _my_borough_grants(principal: Principal) -> Select[str]:
    return select(Grant.target).where(
        Grant.user_id == principal.user_id,
        Grant.kind == "borough",
        _active(Grant.expires_at, Grant.revoked_at),
    )


@lru_cache(maxsize=CLAUSES_KEPT)
def _related(
    principal: Principal,
) -> tuple[Select[bool, bool, bool], tuple[ColumnElement[bool], ...]]:
    """The probe of which of cases, item grants and borough grants the person has, and the
    branch each gives: built once per principal, as the policy's clauses are (what the probe
    finds is asked at every search)."""
    cases = evidence_of_member(principal.user_id)
    grants, boroughs = _my_item_grants(principal), _my_borough_grants(principal)
    branches = (EvidenceItem.id.in_(cases), EvidenceItem.id.in_(grants))
    probe = select(exists(cases), exists(grants), exists(boroughs))
    return probe, (*branches, EvidenceItem.borough.in_(boroughs))


def _related_branches(principal: Principal, session: Session) -> list[ColumnElement[bool]]:
    """Branches from the person's cases and grants, only those they have (one round trip)."""
    probe, (cases, item_grants, borough_grants) = _related(principal)
    has_cases, has_grants, has_boroughs = session.execute(probe).one()
    found = [branch for has, branch in ((has_cases, cases), (has_grants, item_grants)) if has]
    if has_boroughs and principal.scope == "borough":
        found.append(borough_grants)
    return found


def reach_branches(session: Session, principal: Principal) -> list[ColumnElement[bool]]:
    """The branches of the principal's reach (one `true()` branch when force-wide)."""
    if not principal.can(roles.VIEW):
        return [false()]
    if principal.scope == "force" or principal.external or principal.scope == "shared":
        return [true()]  # force-wide; or external, where the shares in `visible_clause` decide
    found = _related_branches(principal, session) if principal.user_id is not None else []
    if principal.scope in ("own", "team", "borough"):
        found.append(EvidenceItem.ingested_by == principal.id)
        if principal.user_id is not None:
            found.append(EvidenceItem.officer_user_id == principal.user_id)
    if principal.scope in ("team", "borough") and principal.team_id is not None:
        found.append(EvidenceItem.team_id == principal.team_id)
    if principal.scope == "borough" and principal.borough:
        found.append(EvidenceItem.borough == principal.borough)
    return found or [false()]


# --- My footage -------------------------------------------------------------------------------


def _categorised() -> ColumnElement[bool]:
    return exists(
        select(EvidenceCategory.category).where(EvidenceCategory.evidence_id == EvidenceItem.id)
    )


def _footage_cursor(phase: int, item: EvidenceItem) -> str:
    raw = json.dumps([phase, item.occurred_at.isoformat(), str(item.id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _parse_footage_cursor(cursor: str) -> tuple[int, datetime, uuid.UUID]:
    try:
        phase, occurred, item_id = json.loads(
            base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        )
        if phase not in (0, 1):
            raise ValueError(phase)
        return int(phase), parse_rfc3339(occurred), uuid.UUID(item_id)
    except (ValueError, TypeError) as exc:
        raise BadPage("that page link is not valid; start again") from exc


def _whose(principal: Principal, team: bool) -> ColumnElement[bool]:
    """The officer's own recordings, or (`team`) their team's, as far as the policy allows."""
    owner = (
        EvidenceItem.team_id == principal.team_id
        if team
        else EvidenceItem.officer_user_id == principal.user_id
    )
    live = EvidenceItem.status != EvidenceStatus.DISPOSED  # tombstones are not footage to sort
    return and_(owner, live, visible_clause(principal, roles.VIEW))


def uncategorised_count(session: Session, principal: Principal, *, team: bool = False) -> int:
    """How many recordings have a clip that needs a category (an item without a recording key
    is a recording of its own), as My footage lists them."""
    recording = func.coalesce(EvidenceItem.recording_key, cast(EvidenceItem.id, String))
    query = (
        select(func.count(distinct(recording)))
        .select_from(EvidenceItem)
        .where(_whose(principal, team), ~_categorised())
    )
    return int(session.scalar(query) or 0)


def footage_page(
    session: Session,
    principal: Principal,
    cursor: str | None,
    limit: int = FOOTAGE_PAGE,
    *,
    team: bool = False,
) -> tuple[list[tuple[int, EvidenceItem]], str | None]:
    """The officer's own recordings (or their team's): uncategorised ones first (newest first),
    then the rest. Keyset pagination across the two phases: the cursor is (phase, occurred_at,
    id)."""
    mine = _whose(principal, team)
    start_phase, after = 0, None
    if cursor:
        start_phase, occurred, item_id = _parse_footage_cursor(cursor)
        after = or_(
            EvidenceItem.occurred_at < occurred,
            and_(EvidenceItem.occurred_at == occurred, EvidenceItem.id < item_id),
        )
    found: list[tuple[int, EvidenceItem]] = []
    for phase in (0, 1):
        if phase < start_phase:
            continue
        query = select(EvidenceItem).where(mine, ~_categorised() if phase == 0 else _categorised())
        if after is not None and phase == start_phase:
            query = query.where(after)
        query = query.order_by(EvidenceItem.occurred_at.desc(), EvidenceItem.id.desc())
        found += [(phase, item) for item in session.scalars(query.limit(limit + 1 - len(found)))]
        if len(found) > limit:
            break
    next_cursor = _footage_cursor(*found[limit - 1]) if len(found) > limit else None
    return found[:limit], next_cursor


def footage_recordings(
    session: Session,
    principal: Principal,
    cursor: str | None,
    limit: int = FOOTAGE_PAGE,
    *,
    team: bool = False,
) -> tuple[list[Recording], str | None]:
    """My footage by recording: `footage_page`'s order, a recording listed once with all the
    person's clips of it, among those that need a category while any of its clips does."""
    if cursor:
        _parse_footage_cursor(cursor)  # a bad cursor is refused before anything is read
    categorised: set[uuid.UUID] = set()

    def scan(after: str | None, size: int) -> Batch:
        rows, following = footage_page(session, principal, after, size, team=team)
        categorised.update(item.id for phase, item in rows if phase == 1)
        return Batch([item for _, item in rows], following, following is None)

    def members(keys: set[str], at_hand: set[uuid.UUID]) -> dict[str, list[EvidenceItem]]:
        query = select(EvidenceItem, _categorised()).where(
            _whose(principal, team),
            EvidenceItem.recording_key.in_(keys),
            EvidenceItem.id.not_in(at_hand),
        )
        found = session.execute(query).all()
        categorised.update(item.id for item, is_categorised in found if is_categorised)
        return by_key(item for item, _ in found)

    def head_of(clips: list[EvidenceItem]) -> EvidenceItem:
        phase = min(clip.id in categorised for clip in clips)
        return newest([clip for clip in clips if (clip.id in categorised) == phase])

    groups, more = paginate(scan, cursor, members, head_of, limit)
    if not more:
        return groups, None
    head = groups[-1].head
    return groups, _footage_cursor(int(head.id in categorised), head)


# --- what the pages show about items, in bulk ---------------------------------------------------

_boroughs: dict[str, str] | None = None


def category_catalogue(session: Session) -> dict[str, CategoryView]:
    """Every category as the pages show it, by label."""
    return {c.name: CategoryView(c.name, c.label, c.restricted) for c in all_categories(session)}


def borough_names(session: Session) -> dict[str, str]:
    """Borough names by GSS code (reference data: read once per process)."""
    global _boroughs
    if _boroughs is None:
        _boroughs = dict(session.execute(select(Borough.gss_code, Borough.name)).all())
    return dict(_boroughs)


def people(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, Person]:
    """Names and numbers only (no roles, no secrets): what a page shows about officers."""
    if not ids:
        return {}
    rows = session.execute(
        select(User.id, User.display_name, User.shoulder_number, User.warrant_number).where(
            User.id.in_(ids)
        )
    )
    return {row[0]: Person(row[1], row[2], row[3]) for row in rows}


def team_name(session: Session, team_id: uuid.UUID | None) -> str | None:
    team = session.get(Team, team_id) if team_id else None
    return team.name if team else None


def _counts(session: Session, column: Any, ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    query = select(column, func.count()).where(column.in_(ids)).group_by(column)
    return {key: value for key, value in session.execute(query)}


def _item_categories(
    session: Session, ids: list[uuid.UUID], catalogue: dict[str, CategoryView]
) -> dict[uuid.UUID, list[CategoryView]]:
    categories: dict[uuid.UUID, list[CategoryView]] = defaultdict(list)
    for evidence_id, name in session.execute(
        select(EvidenceCategory.evidence_id, EvidenceCategory.category).where(
            EvidenceCategory.evidence_id.in_(ids)
        )
    ):
        unknown = CategoryView(name, name, restricted=False, known=False)
        categories[evidence_id].append(catalogue.get(name) or unknown)
    return categories


def _item_tags(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    tags: dict[uuid.UUID, list[str]] = defaultdict(list)
    for evidence_id, tag in session.execute(
        select(Tag.evidence_id, Tag.tag).where(Tag.evidence_id.in_(ids)).order_by(Tag.tag)
    ):
        tags[evidence_id].append(tag)
    return tags


def cards(
    session: Session,
    items: Sequence[EvidenceItem],
    catalogue: dict[str, CategoryView] | None = None,
    boroughs: dict[str, str] | None = None,
) -> list[ItemCard]:
    """What a page shows about each item, a fixed number of queries for the whole page."""
    ids = [item.id for item in items]
    if not ids:
        return []
    catalogue = catalogue if catalogue is not None else category_catalogue(session)
    boroughs = boroughs if boroughs is not None else borough_names(session)
    categories = _item_categories(session, ids, catalogue)
    tags = _item_tags(session, ids)
    note_counts = _counts(session, Note.evidence_id, ids)
    marker_counts = _counts(session, Marker.evidence_id, ids)
    users = people(session, {i.officer_user_id for i in items if i.officer_user_id})
    return [
        ItemCard(
            item=item,
            heading=heading(item),
            officer_name=person_label(
                users.get(item.officer_user_id) if item.officer_user_id else None, item.officer
            ),
            borough_name=boroughs.get(item.borough or "", item.borough or "—"),
            categories=sorted(categories.get(item.id, []), key=lambda c: c.label),
            tags=tags.get(item.id, []),
            notes=note_counts.get(item.id, 0),
            markers=marker_counts.get(item.id, 0),
        )
        for item in items
    ]


# --- fsck -------------------------------------------------------------------------------------


def stored_originals(session: Session) -> list[tuple[uuid.UUID, str]]:
    """(id, SHA-256) of every live item: the key of its original (a disposed item's bytes are
    gone, or about to go: see `disposed_originals`)."""
    query = select(EvidenceItem.id, EvidenceItem.sha256).where(
        EvidenceItem.status != EvidenceStatus.DISPOSED
    )
    return [(row[0], row[1]) for row in session.execute(query)]


def derivative_keys(session: Session) -> set[str]:
    return set(
        session.scalars(select(Derivative.storage_key).where(Derivative.storage_key.is_not(None)))
    )


def item_count(session: Session) -> int:
    """How many evidence items are held, all told (unfiltered: for the demo and tools)."""
    return session.scalar(select(func.count()).select_from(EvidenceItem)) or 0


# --- retention: who a hold names, what a warning is about -------------------------------------


def officer_user_id(session: Session, reference: str) -> uuid.UUID | None:
    """The user a warrant number (or username) names, if any."""
    for column in (User.warrant_number, User.username):
        found = session.scalar(select(User.id).where(column == reference))
        if found is not None:
            return found
    return None


def uncategorised_before(
    session: Session, principal: Principal, recorded_before: datetime, *, team: bool = False
) -> list[uuid.UUID]:
    """The officer's (or team's) live, uncategorised items recorded before a date: the ones a
    warning may be about (retention evaluates them)."""
    query = select(EvidenceItem.id).where(
        _whose(principal, team),
        ~_categorised(),
        EvidenceItem.status != EvidenceStatus.DISPOSED,
        EvidenceItem.occurred_at < recorded_before,
    )
    return list(session.scalars(query.limit(5000)))


def visible_statuses(
    session: Session, principal: Principal, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """The processing status of those of `ids` the principal may view (the rest are left out:
    an item the policy hides must not be revealed, not even by its status)."""
    wanted = list(ids)
    if not wanted:
        return {}
    rows = session.execute(
        select(EvidenceItem.id, EvidenceItem.status).where(
            EvidenceItem.id.in_(wanted), visible_clause(principal, roles.VIEW)
        )
    )
    return {item_id: status for item_id, status in rows.all()}


def visible_items_by_id(
    session: Session, principal: Principal, ids: Iterable[uuid.UUID], action: str = roles.VIEW
) -> list[EvidenceItem]:
    """Those of `ids` the principal may `action`, oldest first (a share's items, as its
    recipient sees them)."""
    wanted = list(ids)
    if not wanted:
        return []
    return list(
        session.scalars(
            select(EvidenceItem)
            .where(EvidenceItem.id.in_(wanted), visible_clause(principal, action))
            .order_by(EvidenceItem.occurred_at, EvidenceItem.id)
        )
    )
