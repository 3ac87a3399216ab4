"""The SQL conditions a search's criteria become: free text through each database's trigram
index, categories, officers, places and the rest (`search.queries` runs them, one query per
branch of the person's reach)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, and_, column, exists, or_, select, table, union
from sqlalchemy.orm import aliased

from openbwv.access.principal import Principal
from openbwv.cases.queries import evidence_in_case
from openbwv.evidence.annotations.models import Marker, Note, Tag
from openbwv.evidence.models import EvidenceCategory, EvidenceItem
from openbwv.evidence.search.areas import area_clause
from openbwv.evidence.search.matchers import text_matchers
from openbwv.evidence.search.schemas import Criteria

UNCATEGORISED = "none"
# The category row an item is found through (PostgreSQL, `from_category`).
BY_CATEGORY = aliased(EvidenceCategory, name="by_category")
FROM_CATEGORY = "openbwv_from_category"  # an execution option: the query is driven by BY_CATEGORY


def _like(text: str) -> tuple[str, str | None]:
    """A LIKE pattern for `text` anywhere, and the escape character when one is needed (the
    SQLite trigram index serves LIKE only without ESCAPE)."""
    if not any(char in text for char in "%_\\"):
        return f"%{text}%", None
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%", "\\"


FULL_TEXT = table("evidence_text", column("evidence_id"), column("body"))  # SQLite FTS5 (0007)


def _text_clause(
    text: str, dialect: str, principal: Principal | None = None
) -> ColumnElement[bool]:
    """Titles and notes containing `text`, ignoring case, or what a registered matcher finds
    (`matchers`: a transcript's words). The trigram index of each database finds the
    candidates: FTS5 on SQLite (then checked against the columns themselves, see migration
    0007), pg_trgm on PostgreSQL.

    One IN over the union of every source's ids, never an OR of them: an OR of subqueries is a
    filter the database can only test row by row, walking every item of the searcher's reach
    (all of a borough's, at 10 M items seconds); the union is a set it can start from."""
    # Each matcher's own condition (its policy included) on a query of its own, so its
    # subqueries correlate to that query and it is a plain set of ids.
    found = [
        select(EvidenceItem.id).where(m.clause(principal, text, EvidenceItem.id)).correlate(None)
        for m in text_matchers()
        if principal is not None
    ]
    pattern, escape = _like(text)
    in_notes = select(Note.evidence_id).where(Note.text.ilike(pattern, escape=escape))
    if dialect != "sqlite":
        titled = aliased(EvidenceItem)
        in_titles = select(titled.id).where(titled.title.ilike(pattern, escape=escape))
        # A CTE: every branch of the search (`plan`) tests the same set, which PostgreSQL then
        # finds once (a CTE used more than once is materialised) instead of once per branch.
        words = union(in_titles, in_notes, *found).cte("search_words")
        return EvidenceItem.id.in_(select(words.c.id))
    candidates = select(FULL_TEXT.c.evidence_id).where(
        FULL_TEXT.c.body.like(pattern, escape=escape)
    )
    exact = or_(
        EvidenceItem.title.ilike(pattern, escape=escape),
        exists(in_notes.where(Note.evidence_id == EvidenceItem.id)),
    )
    if not found:
        return and_(EvidenceItem.id.in_(candidates), exact)
    matched = union(*found) if len(found) > 1 else found[0]
    either = or_(exact, EvidenceItem.id.in_(matched))
    return and_(EvidenceItem.id.in_(union(candidates, *found)), either)


def _category_clause(category: str, dialect: str) -> ColumnElement[bool]:
    if category == UNCATEGORISED:
        return ~exists(
            select(EvidenceCategory.category).where(EvidenceCategory.evidence_id == EvidenceItem.id)
        )
    probe = select(EvidenceCategory.category).where(
        EvidenceCategory.evidence_id == EvidenceItem.id, EvidenceCategory.category == category
    )
    # PostgreSQL makes a plain EXISTS a semi-join above the walk, so the policy's per-row probes
    # ran for every item walked before its category was looked at; kept a subplan (OFFSET 0),
    # the category probe is a filter of the walk itself, ordered first as the cheaper one: an
    # arrest search at 10 M items reads 11,112 buffers instead of 20,049.
    return exists(probe.offset(0) if dialect == "postgresql" else probe)


def officer_clauses(crit: Criteria) -> list[ColumnElement[bool]]:
    """What the device said, or the person it resolved to (each an index of its own)."""
    by_person = [EvidenceItem.officer == crit.officer]
    if crit.officer_ids:
        by_person.append(EvidenceItem.officer_user_id.in_(crit.officer_ids))
    return by_person


def filters(
    crit: Criteria, dialect: str, principal: Principal | None = None, areas: str = "columns"
) -> list[ColumnElement[bool]]:
    """The SQL conditions for the criteria (the area's exact test runs afterwards, in Python;
    `areas`: how the database narrows it, see `area_plan`)."""
    where: list[ColumnElement[bool]] = []
    if crit.officer:
        where.append(or_(*officer_clauses(crit)))
    if crit.camera:
        where.append(EvidenceItem.camera_serial == crit.camera)
    if crit.borough:
        where.append(EvidenceItem.borough == crit.borough)
    if crit.start:
        where.append(EvidenceItem.occurred_at >= crit.start)
    if crit.end:
        where.append(EvidenceItem.occurred_at < crit.end)
    if crit.category:
        where.append(_category_clause(crit.category, dialect))
    if crit.case_id:
        where.append(EvidenceItem.id.in_(evidence_in_case(crit.case_id)))
    if crit.item_ids is not None:
        where.append(EvidenceItem.id.in_(crit.item_ids))
    if crit.tag:
        where.append(
            exists(select(Tag.tag).where(Tag.evidence_id == EvidenceItem.id, Tag.tag == crit.tag))
        )
    if crit.has_notes:
        where.append(exists(select(Note.id).where(Note.evidence_id == EvidenceItem.id)))
    if crit.has_markers:
        where.append(exists(select(Marker.id).where(Marker.evidence_id == EvidenceItem.id)))
    if crit.text:
        where.append(_text_clause(crit.text, dialect, principal))
    if areas != "walk":
        where.extend(area_clause(area, areas == "index") for area in crit.areas)
    return where


def from_category(
    query: Select[EvidenceItem], crit: Criteria, borough: str | None
) -> Select[EvidenceItem]:
    """`query` reached through the category's own rows (PostgreSQL; `crit.category` a real
    category): their copies of the item's borough and time (migration 0021) are indexed as
    (category, borough, occurred_at), so a borough's newest arrests are read straight from the
    index instead of walking every item of the borough and probing its categories (5,879 probes
    to find 201 uses of force at 10 M items). `borough`: the one borough every item of the
    query is in, when there is one (a borough branch of the reach, or the criteria's);
    `page_query` orders and pages such a query by the rows' own copies.

    The copies equal the item's values, so these conditions never change what is found. They
    are said of the copies because the planner carries an equality with a constant across a
    join, never a range, and never the ordering of one column to another: an equality of the
    two times made it expect one row in all and sort every match (10,807 arrests, 400 ms)."""
    assert crit.category and crit.category != UNCATEGORISED
    on = [
        BY_CATEGORY.evidence_id == EvidenceItem.id,
        BY_CATEGORY.category == crit.category,
    ]
    if borough is not None:
        on.append(BY_CATEGORY.borough == borough)
    if crit.start:
        on.append(BY_CATEGORY.occurred_at >= crit.start)
    if crit.end:
        on.append(BY_CATEGORY.occurred_at < crit.end)
    return query.join(BY_CATEGORY, and_(*on)).execution_options(**{FROM_CATEGORY: True})
