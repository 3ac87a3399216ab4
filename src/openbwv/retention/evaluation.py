"""The retention rules as one pure function: an item's facts in, its state, date and reasons out.

Longest wins; holds win over everything; a case still open under the CPIA keeps its material
indefinitely; after the CPIA period the item waits for a MoPI review (never deleted without a
person's decision); a disposal notice already given is never undercut. Nothing here reads the
database: `queries.facts_for` builds the input in bulk, and the sweep, the API and the pages all
ask this same function.
"""

from __future__ import annotations

import calendar
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from openbwv.cases.queries import CaseFacts
from openbwv.evidence.facts import ItemFacts

KEPT, HELD, QUEUED, REVIEW, DISPOSED = "kept", "held", "queued", "review", "disposed"
STATES = (KEPT, HELD, QUEUED, REVIEW, DISPOSED)
STAGE_TEXT = {
    "under_investigation": "under investigation",
    "no_further_action": "no further action",
    "charged": "charged",
    "convicted": "convicted",
    "acquitted": "acquitted",
    "discontinued": "discontinued",
    "appeal_pending": "appeal pending",
}
OPEN_STAGES = ("under_investigation", "charged", "appeal_pending")  # CPIA: kept until decided
HOLD_TEXT = {
    "complaint": "complaint",
    "death_or_serious_injury": "death or serious injury",
    "subject_access_request": "subject access request",
    "civil_claim": "civil claim",
    "appeal_or_ccrc": "appeal or CCRC request",
    "litigation": "litigation",
    "manual": "manual hold",
}


@dataclass(frozen=True)
class CategoryRule:
    label: str
    evidential: bool
    retention_days: int | None  # None: evidential → MoPI review; non-evidential → the default


@dataclass(frozen=True)
class Policy:
    non_evidential_days: int
    grace_days: int
    warning_days: int
    mopi_review_years: int
    convicted_min_months: int
    categories: Mapping[str, CategoryRule] = field(default_factory=dict)


@dataclass(frozen=True)
class HoldFacts:
    id: uuid.UUID
    type: str
    reference: str
    placed_at: datetime


@dataclass(frozen=True)
class DecisionFacts:
    kind: str  # restore | keep | dispose
    until: datetime | None
    reason: str
    decided_by: str
    decided_at: datetime


@dataclass(frozen=True)
class ItemRetention:
    """Everything the rules look at for one item."""

    item: ItemFacts
    cases: Sequence[CaseFacts] = ()
    holds: Sequence[HoldFacts] = ()
    decision: DecisionFacts | None = None
    queued_until: datetime | None = None  # in the deletion queue: disposed after this
    notice_until: datetime | None = None  # a warning promised it until this date


@dataclass(frozen=True)
class Evaluation:
    state: str
    until: datetime | None
    reasons: list[str]
    rule: str  # the rule that decided (the tombstone records it)
    due: bool = False  # its time has come: it belongs in the deletion queue
    disposes: bool = False  # `until` is when it goes by itself (not a review, not a hold)

    @property
    def summary(self) -> str:
        """One line for a page: "Kept until 2 Jan 2027 — Non-evidential, 31 days from recording"."""
        first = self.reasons[0] if self.reasons else ""
        if self.state == KEPT and self.until is not None:
            return f"Kept until {day(self.until)} — {first}"
        if self.state == KEPT:
            return f"Kept: {first[0].lower() + first[1:]}" if first else "Kept"
        if self.state == QUEUED and self.until is not None:
            return f"Due for disposal on {day(self.until)} — {first}"
        return first


@dataclass(frozen=True)
class _Rule:
    until: datetime | None  # None: indefinitely
    kind: str  # dispose | review | indefinite
    text: str
    key: str


def day(moment: datetime) -> str:
    """2 Jan 2027 (UTC date: retention dates are days)."""
    return f"{moment.day} {moment:%b %Y}"


def add_months(moment: datetime, months: int) -> datetime:
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    if moment.day <= 28:  # every month has the day: no calendar needed (the sweep's common case)
        return moment.replace(year=year, month=month)
    last = calendar.monthrange(year, month)[1]
    return moment.replace(year=year, month=month, day=min(moment.day, last))


def add_years(moment: datetime, years: int) -> datetime:
    return add_months(moment, 12 * years)


def cpia_end(case: CaseFacts, policy: Policy) -> datetime | None:
    """When the CPIA duty to retain ends for a case's material (None: not yet decided).

    No further action, acquittal, discontinuance: the decision. Convicted: release from custody
    or `convicted_min_months` after conviction, whichever is later. Under investigation,
    charged, appeal pending: not yet (an appeal extends it)."""
    if case.stage in OPEN_STAGES or case.stage_at is None:
        return None
    if case.stage == "convicted":
        floor = add_months(case.stage_at, policy.convicted_min_months)
        release = case.expected_release_at
        return max(floor, release) if release else floor
    return case.stage_at


def _category_rules(facts: ItemRetention, policy: Policy, start: datetime) -> list[_Rule]:
    rules = []
    review_at = add_years(start, policy.mopi_review_years)
    for name in facts.item.categories:
        category = policy.categories.get(name)
        label = category.label if category else name
        if category is not None and not category.evidential:
            days = category.retention_days or policy.non_evidential_days
            text = f"{label}, {days} days from recording"
            rules.append(_Rule(start + timedelta(days=days), "dispose", text, f"category:{name}"))
        elif category is not None and category.retention_days:
            days = category.retention_days
            text = f"Evidential ({label}), {days} days from recording"
            rules.append(_Rule(start + timedelta(days=days), "dispose", text, f"category:{name}"))
        else:
            text = f"Evidential ({label}): MoPI review due {day(review_at)}"
            rules.append(_Rule(review_at, "review", text, f"category:{name}"))
    return rules


def _case_rules(facts: ItemRetention, policy: Policy, start: datetime) -> list[_Rule]:
    rules = []
    for case in facts.cases:
        stage = STAGE_TEXT.get(case.stage, case.stage)
        end = cpia_end(case, policy)
        key = f"case:{case.stage}"
        if end is None:
            text = f"Linked to case {case.crime_reference} ({stage})"
            rules.append(_Rule(None, "indefinite", text, key))
            continue
        review_at = max(end, add_years(start, policy.mopi_review_years))
        text = (
            f"Linked to case {case.crime_reference} ({stage}): CPIA period ended {day(end)}, "
            f"MoPI review due {day(review_at)}"
        )
        rules.append(_Rule(review_at, "review", text, key))
    return rules


def _apply_decision(rules: list[_Rule], decision: DecisionFacts | None) -> list[_Rule]:
    """A reviewer's keep moves every review to the next review date; a dispose settles the
    reviews that were due when it was made; a restore adds its fresh date."""
    if decision is None:
        return rules
    by = f"{decision.decided_by} on {day(decision.decided_at)}"
    if decision.kind == "restore" and decision.until is not None:
        text = f"Restored from the deletion queue by {by}: kept until {day(decision.until)}"
        return [*rules, _Rule(decision.until, "dispose", text, "restore")]
    changed = []
    for rule in rules:
        settled = rule.until is not None and rule.until <= decision.decided_at
        if rule.kind == "review" and decision.kind == "keep" and decision.until is not None:
            text = f"MoPI review by {by}: keep, next review {day(decision.until)}"
            rule = _Rule(
                max(rule.until or decision.until, decision.until), "review", text, "review"
            )
        elif rule.kind == "review" and decision.kind == "dispose" and settled:
            text = f"MoPI review by {by}: dispose — {decision.reason}"
            rule = _Rule(decision.decided_at, "dispose", text, "review:dispose")
        changed.append(rule)
    return changed


def _rules(facts: ItemRetention, policy: Policy) -> list[_Rule]:
    start = facts.item.clock_start
    rules = _category_rules(facts, policy, start) + _case_rules(facts, policy, start)
    if not facts.item.categories and not facts.cases:
        days = policy.non_evidential_days
        text = f"Non-evidential, {days} days from recording"
        rules.append(_Rule(start + timedelta(days=days), "dispose", text, "non_evidential"))
    rules = _apply_decision(rules, facts.decision)
    if facts.notice_until is not None:
        text = f"A disposal warning promised it until {day(facts.notice_until)}"
        rules.append(_Rule(facts.notice_until, "dispose", text, "notice"))
    return rules


def _ranked(rules: list[_Rule]) -> list[_Rule]:
    """Longest first: indefinite, then the latest date; a review beats a disposal on the day."""
    far = datetime.max

    def rank(rule: _Rule) -> tuple[int, datetime, int]:
        if rule.until is None:
            return (1, far, 0)
        return (0, rule.until.replace(tzinfo=None), rule.kind == "review")

    return sorted(rules, key=rank, reverse=True)


def evaluate(facts: ItemRetention, policy: Policy, now: datetime) -> Evaluation:
    """The item's retention state now, until when, and why (the reasons, winner first)."""
    item = facts.item
    if item.status == DISPOSED:
        disposal = item.disposal or {}
        when = day(item.disposed_at) if item.disposed_at else "an earlier date"
        text = f"Disposed of on {when} under rule {disposal.get('rule', 'unknown')}"
        return Evaluation(DISPOSED, None, [text], str(disposal.get("rule", "")))
    ranked = _ranked(_rules(facts, policy))
    texts = [rule.text for rule in ranked]
    if facts.holds:
        held = [
            f"Held: {HOLD_TEXT.get(h.type, h.type)} {h.reference} (since {day(h.placed_at)})"
            for h in sorted(facts.holds, key=lambda h: h.placed_at)
        ]
        return Evaluation(HELD, None, held + texts, f"hold:{facts.holds[0].type}")
    winner = ranked[0]
    if winner.until is None:
        return Evaluation(KEPT, None, texts, winner.key)
    if now < winner.until:
        disposes = winner.kind == "dispose"
        return Evaluation(KEPT, winner.until, texts, winner.key, disposes=disposes)
    if winner.kind == "review":
        return Evaluation(REVIEW, winner.until, ["MoPI review due", *texts], winner.key)
    if facts.queued_until is not None:
        return Evaluation(QUEUED, facts.queued_until, texts, winner.key, due=True, disposes=True)
    until = now + timedelta(days=policy.grace_days)
    note = "Due: it enters the deletion queue at the next retention run"
    return Evaluation(QUEUED, until, [*texts, note], winner.key, due=True, disposes=True)


def warning_text(dates: Sequence[datetime], now: datetime) -> str | None:
    """ "12 recordings will be deleted on Friday unless categorised" (the soonest date; London
    weekdays are near enough the UTC date for a warning a week ahead)."""
    if not dates:
        return None
    soonest = min(dates)
    count = len(dates)
    noun = "recording" if count == 1 else "recordings"
    verb = "will be"
    if soonest.date() <= now.date():
        when = "today"
    elif (soonest.date() - now.date()).days < 7:
        when = f"on {soonest:%A}"
    else:
        when = f"on {day(soonest)}"
    return f"{count} {noun} {verb} deleted {when} unless categorised"
