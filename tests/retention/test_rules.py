"""The retention rules as a pure function (no database): every rule, longest wins, each CPIA
stage and outcome, holds over everything, MoPI review decisions, notices never undercut."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from openbwv.cases.queries import CaseFacts
from openbwv.evidence.facts import ItemFacts
from openbwv.retention.evaluation import (
    CategoryRule,
    DecisionFacts,
    HoldFacts,
    ItemRetention,
    Policy,
    add_months,
    evaluate,
    warning_text,
)

RECORDED = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
POLICY = Policy(
    non_evidential_days=31,
    grace_days=7,
    warning_days=7,
    mopi_review_years=6,
    convicted_min_months=6,
    categories={
        "non_evidential": CategoryRule("Non-evidential", False, 31),
        "traffic_short": CategoryRule("Traffic (short)", False, 90),
        "stop_and_search": CategoryRule("Stop and search", True, 365),
        "arrest": CategoryRule("Arrest", True, None),
    },
)


def item(*categories: str) -> ItemFacts:
    return ItemFacts(
        id=uuid.uuid4(),
        sha256="0" * 64,
        size_bytes=10,
        media_type="video/mp4",
        status="ready",
        recorded_start=RECORDED,
        recorded_end=RECORDED + timedelta(minutes=3),
        occurred_at=RECORDED,
        camera_serial="CAM-1",
        officer="W1",
        officer_user_id=None,
        borough="E09000033",
        categories=categories,
    )


def case(stage: str, at: datetime | None = None, release: datetime | None = None) -> CaseFacts:
    return CaseFacts(uuid.uuid4(), "01/123456/26", stage, at, release)


def test_uncategorised_footage_goes_31_days_after_recording() -> None:
    facts = ItemRetention(item())
    kept = evaluate(facts, POLICY, RECORDED + timedelta(days=30))
    assert (kept.state, kept.until) == ("kept", RECORDED + timedelta(days=31))
    assert kept.reasons[0] == "Non-evidential, 31 days from recording"
    assert kept.summary == "Kept until 2 Jan 2027 — Non-evidential, 31 days from recording"
    due = evaluate(facts, POLICY, RECORDED + timedelta(days=31))
    assert (due.state, due.due, due.until) == ("queued", True, RECORDED + timedelta(days=38))
    queued = evaluate(replace(facts, queued_until=RECORDED + timedelta(days=35)), POLICY, RECORDED)
    assert queued.state == "kept"  # a rule still keeps it: the queue entry does not count


def test_the_longest_rule_wins() -> None:
    both = evaluate(ItemRetention(item("non_evidential", "traffic_short")), POLICY, RECORDED)
    assert both.until == RECORDED + timedelta(days=90)
    assert both.reasons == [
        "Traffic (short), 90 days from recording",
        "Non-evidential, 31 days from recording",
    ]
    evidential = evaluate(ItemRetention(item("stop_and_search", "arrest")), POLICY, RECORDED)
    assert evidential.until == RECORDED.replace(year=2032)  # MoPI review beats 365 days
    assert evidential.reasons[0] == "Evidential (Arrest): MoPI review due 2 Dec 2032"
    assert not evidential.disposes
    at_review = evaluate(ItemRetention(item("arrest")), POLICY, RECORDED.replace(year=2033))
    assert at_review.state == "review"  # never deleted without a reviewer's decision


@pytest.mark.parametrize("stage", ["under_investigation", "charged", "appeal_pending"])
def test_an_undecided_case_keeps_its_material_indefinitely(stage: str) -> None:
    facts = ItemRetention(item(), cases=[case(stage, RECORDED)])
    verdict = evaluate(facts, POLICY, RECORDED.replace(year=2040))
    assert (verdict.state, verdict.until) == ("kept", None)
    text = stage.replace("_", " ")
    assert verdict.summary == f"Kept: linked to case 01/123456/26 ({text})"


@pytest.mark.parametrize("stage", ["no_further_action", "acquitted", "discontinued"])
def test_a_decision_ends_the_cpia_period_then_mopi_review(stage: str) -> None:
    decided = RECORDED + timedelta(days=100)
    facts = ItemRetention(item(), cases=[case(stage, decided)])
    verdict = evaluate(facts, POLICY, decided + timedelta(days=1))
    assert (verdict.state, verdict.until) == ("kept", RECORDED.replace(year=2032))
    assert "CPIA period ended 12 Mar 2027" in verdict.reasons[0]
    assert evaluate(facts, POLICY, RECORDED.replace(year=2033)).state == "review"
    # A decision later than six years after recording: the review waits for the decision.
    late = ItemRetention(item(), cases=[case(stage, RECORDED.replace(year=2034))])
    assert evaluate(late, POLICY, RECORDED).until == RECORDED.replace(year=2034)


def test_a_conviction_keeps_until_release_or_six_months_whichever_is_later() -> None:
    convicted = RECORDED.replace(year=2030)
    short = ItemRetention(item(), cases=[case("convicted", convicted)])
    assert add_months(convicted, 6) < RECORDED.replace(year=2032)
    assert evaluate(short, POLICY, RECORDED).until == RECORDED.replace(year=2032)  # MoPI floor
    release = RECORDED.replace(year=2038)
    long = ItemRetention(item(), cases=[case("convicted", convicted, release)])
    verdict = evaluate(long, POLICY, RECORDED)
    assert verdict.until == release
    assert "CPIA period ended 2 Dec 2038" in verdict.reasons[0]
    late = ItemRetention(item(), cases=[case("convicted", RECORDED.replace(year=2032))])
    assert evaluate(late, POLICY, RECORDED).until == add_months(RECORDED.replace(year=2032), 6)


def test_holds_win_over_everything() -> None:
    hold = HoldFacts(uuid.uuid4(), "complaint", "CO/2026/0042", RECORDED + timedelta(days=2))
    facts = ItemRetention(item(), holds=[hold], queued_until=RECORDED + timedelta(days=38))
    verdict = evaluate(facts, POLICY, RECORDED.replace(year=2040))
    assert (verdict.state, verdict.until, verdict.due) == ("held", None, False)
    assert verdict.reasons[0] == "Held: complaint CO/2026/0042 (since 4 Dec 2026)"
    assert verdict.reasons[1] == "Non-evidential, 31 days from recording"


def test_a_notice_given_is_never_undercut() -> None:
    promised = RECORDED + timedelta(days=40)
    facts = ItemRetention(item(), notice_until=promised)
    verdict = evaluate(facts, POLICY, RECORDED + timedelta(days=35))
    assert (verdict.state, verdict.until) == ("kept", promised)


def test_mopi_review_keep_then_dispose() -> None:
    review_due = RECORDED.replace(year=2032)
    now = review_due + timedelta(days=3)
    facts = ItemRetention(item("arrest"))
    assert evaluate(facts, POLICY, now).state == "review"
    keep = DecisionFacts("keep", RECORDED.replace(year=2035), "Still relevant", "rev", now)
    kept = evaluate(replace(facts, decision=keep), POLICY, now)
    assert (kept.state, kept.until) == ("kept", RECORDED.replace(year=2035))
    assert kept.reasons[0] == "MoPI review by rev on 5 Dec 2032: keep, next review 2 Dec 2035"
    dispose = DecisionFacts("dispose", None, "No longer needed", "rev", now)
    gone = evaluate(replace(facts, decision=dispose), POLICY, now)
    assert (gone.state, gone.due) == ("queued", True)
    assert gone.reasons[0] == "MoPI review by rev on 5 Dec 2032: dispose — No longer needed"
    # A case linked after the decision still wins.
    linked = replace(facts, decision=dispose, cases=[case("charged", now)])
    assert evaluate(linked, POLICY, now).state == "kept"


def test_a_restore_sets_a_fresh_date() -> None:
    now = RECORDED + timedelta(days=40)
    restore = DecisionFacts("restore", now + timedelta(days=31), "Wanted by PSD", "psd", now)
    verdict = evaluate(ItemRetention(item(), decision=restore), POLICY, now)
    assert (verdict.state, verdict.until) == ("kept", now + timedelta(days=31))
    assert verdict.reasons[0].startswith("Restored from the deletion queue by psd on 11 Jan 2027")


def test_disposed_items_say_so() -> None:
    gone = replace(
        item(),
        status="disposed",
        disposed_at=RECORDED + timedelta(days=38),
        disposal={"rule": "non_evidential"},
    )
    verdict = evaluate(ItemRetention(gone), POLICY, RECORDED.replace(year=2030))
    assert verdict.state == "disposed"
    assert verdict.reasons == ["Disposed of on 9 Jan 2027 under rule non_evidential"]


def test_warning_text() -> None:
    now = datetime(2026, 12, 7, 10, tzinfo=UTC)  # a Monday
    friday = datetime(2026, 12, 11, 9, tzinfo=UTC)
    assert (
        warning_text([friday] * 12, now)
        == "12 recordings will be deleted on Friday unless categorised"
    )
    assert warning_text([], now) is None
