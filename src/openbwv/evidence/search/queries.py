"""Searching evidence: the query validated criteria become (`criteria.queries` validates the
form), and saved searches.

Every query starts from the access policy's `visible_clause`, so results and counts only ever
include what the person may view. Times are entered in London time and compared in UTC.
Results are newest first with keyset pagination (cursor = the last item's occurred_at and id), so
every page costs the same at any depth.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    and_,
    false,
    func,
    or_,
    select,
    true,
    union,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session, defer

from openbwv import geo
from openbwv.access.models import EvidenceGrant, Grant
from openbwv.access.policy import roles
from openbwv.access.policy.queries import visible_clause
from openbwv.access.principal import Principal
from openbwv.categories.queries import restricted_names
from openbwv.evidence.models import EvidenceItem
from openbwv.evidence.queries import decode_cursor, encode_cursor, encode_key, reach_branches
from openbwv.evidence.recordings.queries import Batch, Members, Scan, by_key, newest, paginate
from openbwv.evidence.search.areas import AREA_MAX_SCAN, in_areas, overlap, track_in_areas
from openbwv.evidence.search.conditions.queries import (
    BY_CATEGORY,
    FROM_CATEGORY,
    UNCATEGORISED,
    filters,
    from_category,
    officer_clauses,
)
from openbwv.evidence.search.models import SavedSearch
from openbwv.evidence.search.schemas import Criteria, Results
from openbwv.timeutil import utcnow

PAGE_SIZE = 24  # a 4 × 6 grid of thumbnails
# Counting stops here: a count costs a look at every match, and beyond a few pages the exact
# number helps nobody (the page says "more than 200 items"; the pages themselves go on).
COUNT_CAP = 200
# Items without their GPS tracks, for a page that shows none (parsing them cost a third of
# loading a page's items); an area search, which tests each track, loads them.
WITHOUT_TRACK = defer(EvidenceItem.gps_track)
AREA_BATCH = 200


def _granted_items_only(
    session: Session, principal: Principal, category: str
) -> ColumnElement[bool] | None:
    """For a restricted category the person holds no grant of: the items granted to them one
    by one, the only ones of that category the policy can let them see (`visible_clause`: an
    item grant covers its restrictions). A narrowing the policy implies, never a widening (the
    policy's own clause still applies): without it the walk tests every item of the reach and
    rejects them all, a whole borough at 10 M items."""
    if category not in set(session.scalars(restricted_names())):
        return None
    if principal.user_id is None:
        return false()
    now = utcnow()
    live = [Grant.revoked_at.is_(None), or_(Grant.expires_at.is_(None), Grant.expires_at > now)]
    held = select(Grant.id).where(
        Grant.user_id == principal.user_id,
        Grant.kind == "category",
        Grant.target == category,
        *live,
    )
    if session.scalar(held.limit(1)) is not None:
        return None
    given = select(EvidenceGrant.evidence_id).where(
        EvidenceGrant.user_id == principal.user_id,
        EvidenceGrant.revoked_at.is_(None),
        or_(EvidenceGrant.expires_at.is_(None), EvidenceGrant.expires_at > now),
    )
    return EvidenceItem.id.in_(given)


def area_plan(session: Session, areas: list[geo.Area]) -> str:
    """How the database narrows an area search (the exact test of each track runs in Python):
    SQLite by the box columns; PostgreSQL from the GiST index when the areas' boxes hold few
    tracks in all (a count on the index that stops at AREA_MAX_SCAN), otherwise not at all,
    walking each branch newest first as any search does, the tracks tested as they come. The
    planner cannot tell these apart (it takes a box overlap to match a fixed share of rows) and
    at 10 M items the wrong plan costs seconds: every track of a borough fetched and sorted
    when it is searched by its own outline, or a whole borough walked for one street."""
    if session.get_bind().dialect.name != "postgresql":
        return "columns"
    for area in areas:
        inside = select(EvidenceItem.id).where(or_(*(overlap(box) for box in area.boxes())))
        held = select(func.count()).select_from(inside.limit(AREA_MAX_SCAN + 1).subquery())
        if _count_without_bitmaps(session, held) <= AREA_MAX_SCAN:
            return "index"
    return "walk"


def _count_without_bitmaps(session: Session, count: Select[int]) -> int:
    """`count` run with PostgreSQL's bitmap scans off for this statement only. A bitmap scan cannot
    stop at the LIMIT: it collects every match of the box first (332,000 index entries for a
    borough's box at 10 M items: 250–500 ms), where a plain index scan stops at the 5,001st
    (about 25 ms). The planner picks the bitmap because it takes any box overlap to match a
    fixed share of the rows."""
    previous = session.scalar(sql_text("SELECT current_setting('enable_bitmapscan')"))
    session.execute(sql_text("SELECT set_config('enable_bitmapscan', 'off', true)"))
    try:
        return session.scalar(count) or 0
    finally:
        session.execute(
            sql_text("SELECT set_config('enable_bitmapscan', :previous, true)"),
            {"previous": previous},
        )


def plan(session: Session, principal: Principal, crit: Criteria) -> list[Select[EvidenceItem]]:
    """The search as one query per branch of the principal's reach (see
    `evidence.queries.reach_branches`), each filtered by the access policy's `visible_clause` and
    the criteria; on PostgreSQL a category search is reached through the category's rows
    (`conditions.from_category`)."""
    areas = area_plan(session, crit.areas) if crit.areas else "columns"
    dialect = dialect_of(session)
    driven = dialect == "postgresql" and crit.category not in (None, "", UNCATEGORISED)
    # The criteria before the policy: SQLite tests an AND's terms in order, and a criterion
    # (one probe for a category) rejects most rows of a walk before the policy's probes run.
    own = replace(crit, officer=None, category=None if driven else crit.category)
    common = [*filters(own, dialect, principal, areas), visible_clause(principal, roles.VIEW)]
    # An officer's two names are two branches each: an OR of them defeats the statistics of
    # migration 0019, and the planner joins the officer's index with a whole borough's.
    alternatives = officer_clauses(crit) if crit.officer else [true()]
    granted = _granted_items_only(session, principal, crit.category) if crit.category else None
    # One branch for a restricted category without its grant: the item grants (every other
    # branch is empty).
    branches = [granted] if granted is not None else reach_branches(session, principal)
    queries = []
    for branch in branches:
        for alternative in alternatives:
            query = select(EvidenceItem).where(branch, alternative, *common)
            if driven:
                query = from_category(query, crit, _one_borough(branch, principal, crit))
            queries.append(query)
    return queries


def _one_borough(branch: ColumnElement[bool], principal: Principal, crit: Criteria) -> str | None:
    """The borough every item of this branch is in, when the branch or the criteria name one."""
    if crit.borough:
        return crit.borough
    if principal.borough and branch.compare(EvidenceItem.borough == principal.borough):
        return principal.borough
    return None


def page_query(query: Select[EvidenceItem], cursor: str | None, limit: int) -> Select[EvidenceItem]:
    # Reached through a category's rows, the key is said of those rows as well: it is what their
    # index is ordered by (the item's equal values are only a filter there).
    keys: list[tuple[Any, Any]] = [(EvidenceItem.occurred_at, EvidenceItem.id)]
    if query.get_execution_options().get(FROM_CATEGORY):
        keys.insert(0, (BY_CATEGORY.occurred_at, BY_CATEGORY.evidence_id))
    if cursor:
        occurred, item_id = decode_cursor(cursor)
        query = query.where(
            *(or_(when < occurred, and_(when == occurred, key < item_id)) for when, key in keys)
        )
    when, key = keys[0]
    return query.order_by(when.desc(), key.desc()).limit(limit)


def keys_query(
    queries: list[Select[EvidenceItem]], cursor: str | None, limit: int
) -> Select[uuid.UUID, datetime, str | None]:
    """(id, occurred_at, recording_key) of each branch's newest `limit` after the cursor, in one
    statement (an item in two branches comes once: UNION)."""
    parts = [
        page_query(query, cursor, limit)
        .with_only_columns(EvidenceItem.id, EvidenceItem.occurred_at, EvidenceItem.recording_key)
        .subquery()
        for query in queries
    ]
    selects = [select(part.c.id, part.c.occurred_at, part.c.recording_key) for part in parts]
    return selects[0] if len(selects) == 1 else union(*selects)  # type: ignore[return-value]


def fetch(
    session: Session,
    queries: list[Select[EvidenceItem]],
    cursor: str | None,
    limit: int,
    with_track: bool = False,
) -> list[EvidenceItem]:
    """The newest `limit` items after the cursor across all branches: their keys in one
    round trip, then the items themselves (their GPS tracks only `with_track`)."""
    if len(queries) == 1:
        return list(session.scalars(_tracked(page_query(queries[0], cursor, limit), with_track)))
    keys = session.execute(keys_query(queries, cursor, limit)).all()
    return _load(session, keys, limit, with_track)


def _load(
    session: Session,
    keys: Sequence[Row[uuid.UUID, datetime, str | None] | tuple[uuid.UUID, datetime]],
    limit: int,
    with_track: bool = False,
) -> list[EvidenceItem]:
    """The newest `limit` of the (id, occurred_at) keys, as items, newest first."""
    ids = [row[0] for row in _newest(keys, limit)]
    if not ids:
        return []
    query = _tracked(select(EvidenceItem).where(EvidenceItem.id.in_(ids)), with_track)
    loaded = {i.id: i for i in session.scalars(query)}
    return [loaded[i] for i in ids if i in loaded]


def _newest(keys: Sequence[Any], limit: int) -> list[Any]:
    """The newest `limit` of (id, occurred_at, …) keys, newest first."""
    return sorted(keys, key=lambda row: (row[1], row[0]), reverse=True)[:limit]


def _tracked(query: Select[EvidenceItem], with_track: bool) -> Select[EvidenceItem]:
    return query if with_track else query.options(WITHOUT_TRACK)


def _candidates(
    session: Session, queries: list[Select[EvidenceItem]], cursor: str | None, limit: int
) -> list[tuple[uuid.UUID, datetime, Any]]:
    """(id, occurred_at, gps_track) of the newest `limit` after the cursor, newest first: an
    area search's candidates, as plain rows (their tracks are tested; few become items)."""
    newest = _newest(session.execute(keys_query(queries, cursor, limit)).all(), limit)
    ids = [row[0] for row in newest]
    if not ids:
        return []
    tracks: dict[uuid.UUID, Any] = dict(
        session.execute(
            select(EvidenceItem.id, EvidenceItem.gps_track).where(EvidenceItem.id.in_(ids))
        ).all()
    )
    return [(row[0], row[1], tracks.get(row[0])) for row in newest if row[0] in tracks]


def dialect_of(session: Session) -> str:
    bind = session.get_bind()
    return bind.dialect.name


@dataclass
class _AreaScan:
    """How far an area search has looked (it tests each candidate's track in Python)."""

    scanned: int = 0
    stopped: bool = False
    last: tuple[datetime, uuid.UUID] | None = None  # the last candidate tested


@dataclass
class _Walk:
    """Each branch's newest COUNT_CAP + 1 keys, (occurred_at, id), newest first, an item once:
    one newest-first walk that gives both the capped count and every page within it, instead of
    a page query and a second, unordered counting pass over the same rows (which the planner
    may turn into a join of every item with a common category: seconds at 10 M items)."""

    keys: list[tuple[datetime, uuid.UUID]]
    recordings: dict[uuid.UUID, str | None]  # each key's recording

    @property
    def complete(self) -> bool:
        """Whether the walk holds every item the search finds (no branch had more)."""
        return len(self.keys) <= COUNT_CAP

    def clips_of(self, keys: set[str]) -> list[tuple[uuid.UUID, datetime]]:
        """(id, occurred_at) of the walk's items of these recordings."""
        return [(i, when) for when, i in self.keys if self.recordings.get(i) in keys]

    def after(self, cursor: str | None, size: int) -> list[tuple[datetime, uuid.UUID]] | None:
        """The `size` keys after the cursor, or None where the walk cannot tell them. Its first
        COUNT_CAP + 1 are the newest of all the branches together (each branch brought its
        newest that many); all of it, when no branch had more."""
        known = self.keys if len(self.keys) <= COUNT_CAP else self.keys[: COUNT_CAP + 1]
        if cursor:
            position = decode_cursor(cursor)
            known = [key for key in known if key < position]
        found = known[:size]
        return found if len(found) == size or len(self.keys) <= COUNT_CAP else None


def _walk(session: Session, queries: list[Select[EvidenceItem]]) -> _Walk:
    rows = session.execute(keys_query(queries, None, COUNT_CAP + 1)).all()
    keys = sorted(((occurred, item_id) for item_id, occurred, _ in rows), reverse=True)
    return _Walk(keys, {item_id: recording for item_id, _, recording in rows})


def _scanner(
    session: Session,
    queries: list[Select[EvidenceItem]],
    areas: list[geo.Area],
    walk: _Walk | None = None,
    with_track: bool = True,
) -> tuple[Scan, _AreaScan]:
    """The search's items after a cursor, newest first (for an area: those whose track passes
    through it, looking at no more than AREA_MAX_SCAN candidates per page)."""
    state = _AreaScan()

    def scan(after: str | None, size: int) -> Batch:
        if not areas:
            known = walk.after(after, size) if walk else None
            if known is None:
                rows = fetch(session, queries, after, size, with_track)
            else:
                keys = [(item_id, occurred) for occurred, item_id in known]
                rows = _load(session, keys, size, with_track)
            return Batch(rows, encode_cursor(rows[-1]) if rows else None, len(rows) < size)
        kept: list[tuple[uuid.UUID, datetime]] = []
        done = False
        while len(kept) < size:
            if state.scanned >= AREA_MAX_SCAN:
                state.stopped = True
                break
            batch = _candidates(session, queries, after, AREA_BATCH)
            tested = 0
            for item_id, occurred, track in batch:
                tested += 1
                state.scanned += 1
                state.last = (occurred, item_id)
                if track_in_areas(track, areas):
                    kept.append((item_id, occurred))
                if len(kept) == size:  # the rest are tested by the next scan, if any
                    break
            after = encode_key(*state.last) if state.last else None
            if len(batch) < AREA_BATCH and tested == len(batch):
                done = True
                break
        # Only the candidates kept become items (hundreds are tested for a page of 24).
        rows = _load(session, kept, len(kept), with_track=True)
        return Batch(rows, None if done else after, done or state.stopped)

    return scan, state


def _members(
    session: Session, principal: Principal, crit: Criteria, with_track: bool, walk: _Walk | None
) -> Members:
    """The clips of these recordings the search shows: those the person may view that match
    (but for those at hand). A complete walk already names every one of them: they are loaded
    by id, without running the search's conditions (its words, its category) a second time."""

    def members(keys: set[str], at_hand: set[uuid.UUID]) -> dict[str, list[EvidenceItem]]:
        if walk is not None and walk.complete:
            clips = [key for key in walk.clips_of(keys) if key[0] not in at_hand]
            return by_key(_load(session, clips, len(clips), with_track))
        query = select(EvidenceItem).where(
            visible_clause(principal, roles.VIEW),
            *filters(crit, dialect_of(session), principal),
            EvidenceItem.recording_key.in_(keys),
            EvidenceItem.id.not_in(at_hand),
        )
        found = list(session.scalars(_tracked(query, with_track)))
        if crit.areas:
            found = [item for item in found if in_areas(item, crit.areas)]
        return by_key(found)

    return members


def run(
    session: Session,
    principal: Principal,
    crit: Criteria,
    *,
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
    with_count: bool = True,
    with_tracks: bool = True,
) -> Results:
    """One page of results, `limit` recordings (a recording's matching clips together, see
    `evidence.recordings.queries`); raises BadCursor for a cursor that is not ours. The count
    is of items (clips), capped. Without `with_tracks` the items' GPS tracks are not loaded
    (an area search loads them all the same, to test them)."""
    if cursor:
        decode_cursor(cursor)
    queries = plan(session, principal, crit)
    walk = _walk(session, queries) if with_count and not crit.areas else None
    with_track = with_tracks or bool(crit.areas)
    scan, area = _scanner(session, queries, crit.areas, walk, with_track)
    # Batches of twice the page: a page of recordings of several clips each is then one load
    # and one look-up of their other clips, not two or three of each.
    members = _members(session, principal, crit, with_track, walk)
    found, more = paginate(scan, cursor, members, newest, limit, 2 * limit + 1)
    count = len(walk.keys) if walk else None
    next_cursor = encode_cursor(found[-1].head) if more else None
    if not more and area.stopped and area.last is not None:
        next_cursor = encode_key(*area.last)
    return Results(
        [clip for recording in found for clip in recording.clips],
        next_cursor,
        count,
        count is not None and count > COUNT_CAP,
        area.stopped and not more,
        [(recording.key, [clip.id for clip in recording.clips]) for recording in found],
    )


# --- saved searches ---------------------------------------------------------------------------


def saved_for(session: Session, user_id: uuid.UUID) -> list[SavedSearch]:
    return list(
        session.scalars(
            select(SavedSearch).where(SavedSearch.user_id == user_id).order_by(SavedSearch.name)
        )
    )


def find_saved(session: Session, user_id: uuid.UUID, name: str) -> SavedSearch | None:
    return session.scalar(
        select(SavedSearch).where(SavedSearch.user_id == user_id, SavedSearch.name == name)
    )


def find_own_saved(session: Session, user_id: uuid.UUID, saved_id: str) -> SavedSearch | None:
    """The person's saved search with this id (never another person's)."""
    try:
        parsed = uuid.UUID(saved_id)
    except ValueError:
        return None
    return session.scalar(
        select(SavedSearch).where(SavedSearch.id == parsed, SavedSearch.user_id == user_id)
    )
