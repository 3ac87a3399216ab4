"""Reading retention: the policy, the facts the rules need (in bulk), holds, the deletion queue,
reviews due, the forecast, and the warnings about uncategorised footage.

Lists are for people with `retention.read`; an item's own retention is for whoever may view the
item (the api authorises it through the access policy)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from openbwv.access.principal import Principal
from openbwv.cases.queries import CaseFacts, evidence_in_case, retention_links
from openbwv.categories.queries import all_categories
from openbwv.config import Settings, get_settings
from openbwv.evidence.disposal import queries as evidence_facts
from openbwv.evidence.facts import ItemFacts
from openbwv.evidence.queries import uncategorised_before
from openbwv.retention.evaluation import (
    CategoryRule,
    DecisionFacts,
    Evaluation,
    HoldFacts,
    ItemRetention,
    Policy,
    evaluate,
)
from openbwv.retention.models import (
    ByteDeletion,
    Decision,
    Disposal,
    Hold,
    HoldItem,
    ItemState,
    Notice,
    QueueEntry,
    RetentionRule,
    Run,
)

# The configured default behind a rule whose value is None.
SETTING_DEFAULTS = {
    "non_evidential_days": "retention_non_evidential_days",
    "grace_days": "retention_grace_days",
    "warning_days": "retention_warning_days",
}


def rule_values(session: Session, settings: Settings | None = None) -> dict[str, int]:
    settings = settings or get_settings()
    values: dict[str, int] = {}
    for rule in session.scalars(select(RetentionRule)):
        if rule.value is not None:
            values[rule.key] = rule.value
        elif rule.key in SETTING_DEFAULTS:
            values[rule.key] = int(getattr(settings, SETTING_DEFAULTS[rule.key]))
    return values


def rules(session: Session) -> list[RetentionRule]:
    return list(session.scalars(select(RetentionRule).order_by(RetentionRule.key)))


def policy(session: Session, settings: Settings | None = None) -> Policy:
    """The policy in force: the rule table (its empty values from `BWV_RETENTION_*`) and each
    category's retention."""
    settings = settings or get_settings()
    values = rule_values(session, settings)
    categories = {
        c.name: CategoryRule(c.label, c.evidential, c.retention_days)
        for c in all_categories(session)
    }
    return Policy(
        non_evidential_days=values.get(
            "non_evidential_days", settings.retention_non_evidential_days
        ),
        grace_days=values.get("grace_days", settings.retention_grace_days),
        warning_days=values.get("warning_days", settings.retention_warning_days),
        mopi_review_years=values.get("mopi_review_years", 6),
        convicted_min_months=values.get("convicted_min_months", 6),
        categories=categories,
    )


# --- holds ------------------------------------------------------------------------------------


def open_holds(session: Session) -> list[Hold]:
    return list(
        session.scalars(select(Hold).where(Hold.released_at.is_(None)).order_by(Hold.placed_at))
    )


def find_hold(session: Session, hold_id: uuid.UUID | str) -> Hold | None:
    try:
        return session.get(Hold, uuid.UUID(str(hold_id)))
    except ValueError:
        return None


def holds_page(
    session: Session,
    *,
    include_released: bool = False,
    placed_by: uuid.UUID | None = None,
    limit: int = 500,
) -> list[Hold]:
    """Holds, newest first; `placed_by`: only that person's (what a page shows someone who may
    place holds but not read everyone's)."""
    query = select(Hold).order_by(Hold.placed_at.desc()).limit(limit)
    if placed_by is not None:
        query = query.where(Hold.placed_by_id == placed_by)
    if not include_released:
        query = query.where(Hold.released_at.is_(None))
    return list(session.scalars(query))


def held_item_ids(session: Session, hold_id: uuid.UUID) -> list[uuid.UUID]:
    return list(session.scalars(select(HoldItem.evidence_id).where(HoldItem.hold_id == hold_id)))


def in_scope(hold: Hold, item: ItemFacts, cases: Sequence[CaseFacts]) -> bool:
    """Does an item fall in a hold's scope (cases, officer or area in its window)?"""
    if hold.scope == "case":
        return any(case.case_id == hold.case_id for case in cases)
    if hold.window_start is None or hold.window_end is None:
        return False
    if not hold.window_start <= item.occurred_at < hold.window_end:
        return False
    if hold.scope == "officer":
        return (hold.officer is not None and item.officer == hold.officer) or (
            hold.officer_user_id is not None and item.officer_user_id == hold.officer_user_id
        )
    if hold.scope == "area":
        return item.borough is not None and item.borough == hold.borough
    return False


def _hold_facts(hold: Hold) -> HoldFacts:
    return HoldFacts(hold.id, hold.type, hold.reference, hold.placed_at)


def scope_preview(
    session: Session,
    *,
    scope: str,
    case_id: uuid.UUID | None = None,
    officer: str | None = None,
    officer_id: uuid.UUID | None = None,
    borough: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    item_ids: Sequence[uuid.UUID] = (),
    limit: int = 1000,
) -> list[uuid.UUID]:
    """What a hold of this scope would hold now (live items; at most `limit`)."""
    if scope == "items":
        facts = evidence_facts.retention_batch(session, ids=list(item_ids), limit=len(item_ids))
        return [fact.id for fact in facts if fact.status != "disposed"]
    if scope == "case":
        found = retention_links_ids(session, case_id)
        return found[:limit]
    if start is None or end is None:
        return []
    return evidence_facts.ids_in_window(
        session,
        start=start,
        end=end,
        officer=officer if scope == "officer" else None,
        officer_id=officer_id if scope == "officer" else None,
        borough=borough if scope == "area" else None,
        limit=limit,
    )


def retention_links_ids(session: Session, case_id: uuid.UUID | None) -> list[uuid.UUID]:
    if case_id is None:
        return []
    return list(session.scalars(evidence_in_case(case_id)))


# --- the facts the rules need, in bulk ----------------------------------------------------------


Span = tuple[uuid.UUID, uuid.UUID]


def _of_items(column: Any, ids: list[uuid.UUID], span: Span | None) -> Any:
    """Rows of these items: by id range when the batch is every item in it (the sweep's keyset
    batches: an index range scan, no thousand parameters), else by the list."""
    if span is not None:
        return column.between(*span)
    return column.in_(ids)


def _column_by_item(
    session: Session, column: Any, ids: list[uuid.UUID], span: Span | None
) -> dict[uuid.UUID, Any]:
    """One column of a one-row-per-item table, by item (plain rows: no objects to build)."""
    table = column.class_
    query = select(table.evidence_id, column).where(_of_items(table.evidence_id, ids, span))
    return dict(session.connection().execute(query).all())


def _decisions(
    session: Session, ids: list[uuid.UUID], span: Span | None
) -> dict[uuid.UUID, DecisionFacts]:
    query = select(
        Decision.evidence_id,
        Decision.kind,
        Decision.until,
        Decision.reason,
        Decision.decided_by,
        Decision.decided_at,
    ).where(_of_items(Decision.evidence_id, ids, span))
    rows = session.connection().execute(query)
    return {row[0]: DecisionFacts(*row[1:]) for row in rows}


class _ScopedHolds:
    """The open holds with a scope (case, officer, area), indexed by what an item would have to
    match, so each item is checked against the few that could hold it, not all of them;
    `in_scope` still decides."""

    def __init__(self, holds: Sequence[Hold]) -> None:
        self.by_key: dict[tuple[str, object], list[Hold]] = defaultdict(list)
        for hold in holds:
            if hold.scope == "case":
                self.by_key[("case", hold.case_id)].append(hold)
            elif hold.scope == "officer":
                self.by_key[("officer", hold.officer)].append(hold)
                self.by_key[("officer_id", hold.officer_user_id)].append(hold)
            elif hold.scope == "area":
                self.by_key[("area", hold.borough)].append(hold)

    def holding(self, item: ItemFacts, cases: Sequence[CaseFacts]) -> set[Hold]:
        by_key = self.by_key
        if not by_key:
            return set()
        candidates = [
            *by_key.get(("officer", item.officer), ()),
            *by_key.get(("officer_id", item.officer_user_id), ()),
            *by_key.get(("area", item.borough), ()),
        ]
        for case in cases:
            candidates += by_key.get(("case", case.case_id), ())
        if not candidates:
            return set()
        return {hold for hold in candidates if in_scope(hold, item, cases)}


def facts_for(
    session: Session,
    items: Sequence[ItemFacts],
    *,
    holds: Sequence[Hold] | None = None,
    lock: bool = False,
    span: Span | None = None,
) -> list[ItemRetention]:
    """The rules' input for a batch of items: six queries whatever the batch's size. `span`
    (first, last id): the batch is every item in that range (the sweep reads in id order)."""
    ids = [item.id for item in items]
    if not ids:
        return []
    cases = retention_links(session, ids, lock=lock, span=span)
    holds = open_holds(session) if holds is None else holds
    by_id = {hold.id: hold for hold in holds}
    named: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for hold_id, evidence_id in (
        session.connection()
        .execute(
            select(HoldItem.hold_id, HoldItem.evidence_id).where(
                _of_items(HoldItem.evidence_id, ids, span)
            )
        )
        .all()
    ):
        if hold_id in by_id:
            named[evidence_id].add(hold_id)
    decisions = _decisions(session, ids, span)
    queued = _column_by_item(session, QueueEntry.dispose_after, ids, span)
    notices = _column_by_item(session, Notice.until, ids, span)
    scoped = _ScopedHolds([hold for hold in holds if hold.scope != "items"])
    found = []
    for item in items:
        linked = cases.get(item.id, [])
        holding = scoped.holding(item, linked)
        if item.id in named:
            holding |= {by_id[h] for h in named[item.id]}
        found.append(
            ItemRetention(
                item=item,
                cases=linked,
                holds=[_hold_facts(h) for h in sorted(holding, key=lambda h: h.placed_at)],
                decision=decisions.get(item.id),
                queued_until=queued.get(item.id),
                notice_until=notices.get(item.id),
            )
        )
    return found


def evaluate_ids(
    session: Session, ids: Sequence[uuid.UUID], now: datetime, settings: Settings | None = None
) -> dict[uuid.UUID, Evaluation]:
    """Each item's retention now (for the API, the item page, the warnings)."""
    items = evidence_facts.retention_batch(session, ids=list(ids), limit=max(1, len(ids)))
    rules_now = policy(session, settings)
    return {facts.item.id: evaluate(facts, rules_now, now) for facts in facts_for(session, items)}


def item_retention(
    session: Session, evidence_id: uuid.UUID, now: datetime, settings: Settings | None = None
) -> Evaluation | None:
    return evaluate_ids(session, [evidence_id], now, settings).get(evidence_id)


STATE_COLUMNS = (
    "state",
    "until",
    "rule",
    "reason",
    "borough",
    "category",
    "size_bytes",
    "disposes",
)


def states_of(
    session: Session, ids: Iterable[uuid.UUID], span: Span | None = None
) -> dict[uuid.UUID, tuple[Any, ...]]:
    """The last verdict on each item, as the values of `STATE_COLUMNS` (plain rows: the sweep
    compares them and writes only what changed)."""
    wanted = list(ids)
    if not wanted:
        return {}
    columns = [getattr(ItemState, name) for name in STATE_COLUMNS]
    where = _of_items(ItemState.evidence_id, wanted, span)
    query = select(ItemState.evidence_id, *columns).where(where)
    return {row[0]: tuple(row[1:]) for row in session.connection().execute(query)}


def item_states(session: Session, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, ItemState]:
    """The last verdict on each item, as rows of `retention_states` (the pages show them)."""
    wanted = list(ids)
    if not wanted:
        return {}
    found = session.scalars(select(ItemState).where(ItemState.evidence_id.in_(wanted)))
    return {state.evidence_id: state for state in found}


# --- lists: the queue, reviews due, runs, disposals, pending byte deletions ---------------------


def queue_page(session: Session, *, limit: int = 500) -> list[QueueEntry]:
    """The deletion queue, soonest disposal first."""
    query = select(QueueEntry).order_by(QueueEntry.dispose_after, QueueEntry.evidence_id)
    return list(session.scalars(query.limit(limit)))


def queue_entry(session: Session, evidence_id: uuid.UUID) -> QueueEntry | None:
    return session.get(QueueEntry, evidence_id)


def due_for_disposal(
    session: Session, now: datetime, *, limit: int, ids: Sequence[uuid.UUID] | None = None
) -> list[uuid.UUID]:
    """Queued items past their grace period, soonest first (of `ids` only, when given)."""
    query = (
        select(QueueEntry.evidence_id)
        .where(QueueEntry.dispose_after <= now)
        .order_by(QueueEntry.dispose_after, QueueEntry.evidence_id)
        .limit(limit)
    )
    if ids is not None:
        query = query.where(QueueEntry.evidence_id.in_(list(ids)))
    return list(session.scalars(query))


def reviews_due(
    session: Session, *, limit: int = 500, now: datetime | None = None
) -> list[ItemState]:
    """Items the last sweep found due for a MoPI review, longest waiting first; with `now`,
    only those still due (a decision since the sweep takes an item off the page at once)."""
    query = select(ItemState).where(ItemState.state == "review").order_by(ItemState.until)
    found = list(session.scalars(query.limit(limit)))
    if now is None or not found:
        return found
    verdicts = evaluate_ids(session, [state.evidence_id for state in found], now)
    return [s for s in found if getattr(verdicts.get(s.evidence_id), "state", None) == "review"]


def latest_run(session: Session) -> Run | None:
    return session.scalar(select(Run).order_by(Run.started_at.desc()).limit(1))


def find_run(session: Session, run_id: uuid.UUID | str) -> Run | None:
    try:
        return session.get(Run, uuid.UUID(str(run_id)))
    except ValueError:
        return None


def disposals_of_run(session: Session, run_id: uuid.UUID) -> list[Disposal]:
    query = select(Disposal).where(Disposal.run_id == run_id).order_by(Disposal.evidence_id)
    return list(session.scalars(query))


def pending_byte_deletions(
    session: Session, *, limit: int = 1000, after: tuple[datetime, uuid.UUID] | None = None
) -> list[ByteDeletion]:
    """Byte deletions not yet done, oldest first; `after` (created_at, id) for the next page."""
    query = (
        select(ByteDeletion)
        .where(ByteDeletion.done_at.is_(None))
        .order_by(ByteDeletion.created_at, ByteDeletion.id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(tuple_(ByteDeletion.created_at, ByteDeletion.id) > after)
    return list(session.scalars(query))


@dataclass(frozen=True)
class ForecastRow:
    borough: str | None
    category: str | None
    days: int
    items: int
    bytes: int


def forecast(
    session: Session, now: datetime, horizons: Sequence[int] = (7, 30, 90)
) -> list[ForecastRow]:
    """Items and bytes leaving within each horizon, per borough and category (from the last
    sweep's dates: kept until a date, or queued)."""
    found = []
    for days in horizons:
        query = (
            select(
                ItemState.borough,
                ItemState.category,
                func.count(),
                func.coalesce(func.sum(ItemState.size_bytes), 0),
            )
            .where(
                ItemState.disposes.is_(True),
                ItemState.until < now + timedelta(days=days),
            )
            .group_by(ItemState.borough, ItemState.category)
            .order_by(ItemState.borough, ItemState.category)
        )
        found += [
            ForecastRow(b, c, days, int(n), int(size)) for b, c, n, size in session.execute(query)
        ]
    return found


MONTH_DAYS = 30  # a "month" of the growth figure: 30 days, so rates compare across windows


@dataclass(frozen=True)
class Growth:
    """Storage growth per month, from the ingest measured over the last `window_days`, net of
    what the rules take out over the next month (the last sweep's dates)."""

    window_days: int
    items_in: int  # arrived in the window
    bytes_in: int
    items_per_month: int  # the measured ingest rate, per 30 days
    bytes_per_month: int
    items_leaving: int  # leaving within the next 30 days
    bytes_leaving: int
    net_items_per_month: int
    net_bytes_per_month: int


def storage_growth(
    session: Session, now: datetime, windows: Sequence[int] = (30, 90)
) -> list[Growth]:
    """The programme board's figure: how fast storage grows a month at the measured ingest
    rate, less what leaves (one row per measuring window)."""
    leaving = select(func.count(), func.coalesce(func.sum(ItemState.size_bytes), 0)).where(
        ItemState.disposes.is_(True), ItemState.until < now + timedelta(days=MONTH_DAYS)
    )
    out_items, out_bytes = (int(v) for v in session.execute(leaving).one())
    found = []
    for window in windows:
        items_in, bytes_in = evidence_facts.ingested_between(
            session, now - timedelta(days=window), now
        )
        items_month = round(items_in * MONTH_DAYS / window)
        bytes_month = round(bytes_in * MONTH_DAYS / window)
        found.append(
            Growth(
                window_days=window,
                items_in=items_in,
                bytes_in=bytes_in,
                items_per_month=items_month,
                bytes_per_month=bytes_month,
                items_leaving=out_items,
                bytes_leaving=out_bytes,
                net_items_per_month=items_month - out_items,
                net_bytes_per_month=bytes_month - out_bytes,
            )
        )
    return found


# --- warnings: uncategorised footage about to go --------------------------------------------


@dataclass(frozen=True)
class Warning:
    evidence_id: uuid.UUID
    until: datetime
    reason: str


def warnings_for(
    session: Session,
    principal: Principal,
    now: datetime,
    *,
    team: bool = False,
    settings: Settings | None = None,
) -> list[Warning]:
    """The person's (or team's) uncategorised items that will be disposed of within the warning
    period unless categorised, soonest first."""
    rules_now = policy(session, settings)
    horizon = now + timedelta(days=rules_now.warning_days)
    recorded_before = horizon - timedelta(days=rules_now.non_evidential_days)
    ids = uncategorised_before(session, principal, recorded_before, team=team)
    found = [
        Warning(item_id, verdict.until, verdict.reasons[0])
        for item_id, verdict in evaluate_ids(session, ids, now, settings).items()
        if verdict.disposes and verdict.until is not None and verdict.until <= horizon
    ]
    return sorted(found, key=lambda warning: (warning.until, warning.evidence_id))
