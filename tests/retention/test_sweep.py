"""The sweep against the real database and stores of each deployment: queue, grace, disposal
to a tombstone, restore, holds of every scope (and on arrival), MoPI reviews, races with a
second session, a crash between commit and byte deletion, shared bytes, Object Lock, and the
disposal certificate checked with the independent verifier of docs/audit.md."""

from __future__ import annotations

import base64
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from openbwv.access.principal import SYSTEM
from openbwv.audit.models import AuditEvent
from openbwv.cases.models import Case
from openbwv.composition import cli
from openbwv.config import Settings, reset_settings
from openbwv.db.session import unit_of_work
from openbwv.evidence.service import Arrival, NewOriginal, fsck, record_original
from openbwv.retention import certificate, queries, service, tasks
from openbwv.retention.cli import OPERATOR
from openbwv.retention.models import ByteDeletion, QueueEntry
from openbwv.storage.factory import derivatives, originals
from openbwv.storage.s3 import S3Store
from tests.retention.helpers import (
    independent_verifier,
    now,
    old_item,
    share_derivative,
    status_of,
    sweep,
)
from tests.support import factories
from tests.support.s3server import s3_settings_kwargs
from tests.support.stack import Stack


class Crash(BaseException):
    """The process dies here (nothing after it runs)."""


def _hold(scope: str, **fields: Any) -> uuid.UUID:
    request = service.HoldRequest(
        type=fields.pop("type", "complaint"),
        reference=fields.pop("reference", f"CO/2026/{uuid.uuid4().hex[:4]}"),
        reason="Complaint about this incident",
        scope=scope,
        **fields,
    )
    with unit_of_work() as session:
        return service.place_hold(session, OPERATOR, request).id


def _retention(item_id: uuid.UUID, at: Any) -> Any:
    with unit_of_work() as session:
        return queries.item_retention(session, item_id, at)


def _original_gone(sha256: str) -> bool:
    return not originals().exists(sha256)


def test_queue_grace_disposal_restore_and_certificate(stack: Stack, tmp_path: Path) -> None:
    officer = factories.officer()
    gone, restored, kept = (
        old_item(officer, 40),
        old_item(officer, 40),
        old_item(officer, 40, "arrest"),
    )
    start = now()
    first = sweep(start, gone, restored, kept)
    assert (first.newly_queued, first.kept, first.disposed) == (2, 1, 0)
    assert _retention(gone, start).state == "queued"
    until = None
    with unit_of_work() as session:
        until = service.restore(session, OPERATOR, restored, "Needed for a complaint", now=start)
    assert until == start + timedelta(days=31)
    later = start + timedelta(days=8)
    second = sweep(later, gone, restored, kept)
    assert second.disposed == 1
    assert [status_of(i) for i in (gone, restored, kept)] == ["disposed", "ready", "ready"]
    verdict = _retention(gone, later)
    assert verdict.state == "disposed" and "non_evidential" in verdict.reasons[0]
    with unit_of_work() as session:
        sha = session.get(factories.EvidenceItem, gone).sha256
        pending = session.scalars(
            select(ByteDeletion).where(ByteDeletion.evidence_id == gone)
        ).all()
    if stack.scaled:  # originals are under Object Lock on S3: the deletion waits, the run goes on
        assert second.bytes_pending >= 1 and not _original_gone(sha)
    else:
        assert _original_gone(sha) and all(row.done_at for row in pending)
    # The certificate: each item's audit leaf, proven against a signed checkpoint.
    assert second.run_id is not None
    document = certificate.gather(str(second.run_id))
    assert [entry["evidence_id"] for entry in document["items"]] == [str(gone)]
    check = independent_verifier()
    origin, size, root = check["open_checkpoint"](document["checkpoint"], document["public_key"])
    assert origin == stack.settings().audit_origin
    assert size == document["tree_size"]
    for entry in document["items"]:
        audit = entry["audit"]
        proof = [base64.b64decode(p) for p in audit["inclusion_proof"]]
        leaf = base64.b64decode(audit["entry"])
        assert check["included"](leaf, audit["leaf_index"], size, proof, root)
        assert not check["included"](leaf + b" ", audit["leaf_index"], size, proof, root)
        assert b'"retention.dispose"' in leaf
    assert certificate.to_pdf(document).startswith(b"%PDF")
    checked = fsck()  # the tombstone is known: its original is not "missing"
    assert checked.disposed >= 1 and str(gone) not in {item for item, _ in checked.missing}
    written = CliRunner().invoke(
        cli(), ["retention", "certificate", str(second.run_id), "--out", str(tmp_path)]
    )
    assert written.exit_code == 0 and "1 items certified" in written.output, written.output
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".json", ".pdf"]
    result = CliRunner().invoke(cli(), ["audit", "verify"])
    assert result.exit_code == 0, result.output


def test_grace_zero_disposes_at_once(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    item = old_item(factories.officer(), 32, stored=False)
    monkeypatch.setenv("BWV_RETENTION_GRACE_DAYS", "0")
    reset_settings()
    try:
        report = sweep(now(), item)
    finally:
        monkeypatch.undo()
        reset_settings()
    assert (report.newly_queued, report.disposed) == (1, 1)
    assert status_of(item) == "disposed"


def test_holds_of_every_scope_and_an_item_held_on_arrival(stack: Stack) -> None:
    officer = factories.officer(borough="E09000001")
    named, in_case, filmed_by, filmed_there = (old_item(officer, 60, stored=False) for _ in "abcd")
    start = now() - timedelta(days=61)
    _hold("items", item_ids=[named])
    case_id = factories.case(officer, [], [in_case])
    with unit_of_work() as session:
        crime_reference = session.get(Case, case_id).crime_reference
    _hold("case", case_reference=crime_reference, type="litigation")
    window = {"start": start, "end": now()}
    _hold("officer", officer=officer.warrant_number, **window, type="subject_access_request")
    area = _hold("area", borough="E09000001", **window, type="death_or_serious_injury")
    report = sweep(now(), named, in_case, filmed_by, filmed_there)
    assert (report.held, report.newly_queued) == (4, 0)
    assert _retention(in_case, now()).reasons[0].startswith("Held: litigation")
    # An item that arrives later inside the area's window is held from its first moment.
    with unit_of_work() as session:
        outcome = record_original(
            session,
            NewOriginal(
                sha256=uuid.uuid4().hex * 2,
                size_bytes=5,
                media_type="video/mp4",
                source="test",
                officer=officer.warrant_number,
                recorded_start=now() - timedelta(days=45),
                start_processing=False,
            ),
            Arrival(SYSTEM, "test", "arrival"),
        )
        arrived = outcome.item.id
        held = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.evidence_id == arrived, AuditEvent.action == "retention.hold.arrival")
        )
    assert held == 2  # the officer's hold and the area's
    with unit_of_work() as session:
        service.release_hold(session, OPERATOR, area, "Inquest concluded")
        with pytest.raises(Exception, match="released already"):
            service.release_hold(session, OPERATOR, area, "again, by mistake")
    assert _retention(filmed_there, now()).state == "held"  # still the officer's SAR hold


def test_a_hold_and_a_case_link_in_another_session_always_win(stack: Stack) -> None:
    officer = factories.officer()
    to_hold, to_link, goes = (old_item(officer, 50, stored=False) for _ in "abc")
    start = now()
    sweep(start, to_hold, to_link, goes)

    def meanwhile(ids: list[uuid.UUID]) -> None:
        # Between the evaluation that found them due and the disposal transaction.
        assert {to_hold, to_link} <= set(ids)
        _hold("items", item_ids=[to_hold])
        factories.case(officer, [], [to_link])

    report = sweep(
        start + timedelta(days=8),
        to_hold,
        to_link,
        goes,
        faults=tasks.Faults(before_dispose=meanwhile),
    )
    assert (report.disposed, report.spared) == (1, 2)
    assert [status_of(i) for i in (to_hold, to_link, goes)] == ["ready", "ready", "disposed"]
    with unit_of_work() as session:
        assert queries.queue_entry(session, to_hold) is None


def test_a_crash_after_commit_is_finished_once_and_shared_bytes_stay(stack: Stack) -> None:
    officer = factories.officer()
    first, second = old_item(officer, 40), old_item(officer, 40)
    shared = share_derivative(first, second)
    start = now()
    sweep(start, first)
    sweep(start, second)

    def die(_ids: list[uuid.UUID]) -> None:
        raise Crash

    with pytest.raises(Crash):
        sweep(start + timedelta(days=8), first, faults=tasks.Faults(after_commit=die))
    assert status_of(first) == "disposed"  # committed; its bytes not yet touched
    assert derivatives().exists(shared)
    rerun = sweep(start + timedelta(days=8), first)
    assert rerun.disposed == 0 and rerun.bytes_shared >= 1
    assert derivatives().exists(shared)  # the second item still uses it
    again = sweep(start + timedelta(days=8), second)
    assert again.disposed == 1 and not derivatives().exists(shared)
    with unit_of_work() as session:
        rows = session.scalars(
            select(ByteDeletion).where(
                ByteDeletion.evidence_id.in_([first, second]), ByteDeletion.key == shared
            )
        ).all()
        done = session.scalar(
            select(func.count())
            .select_from(ByteDeletion)
            .where(ByteDeletion.evidence_id == first, ByteDeletion.done_at.is_not(None))
        )
        recorded = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.evidence_id == first, AuditEvent.action == "retention.bytes")
        )
    assert sorted(row.outcome for row in rows) == ["deleted", "shared"]
    assert all(row.done_at for row in rows)
    assert recorded == done  # each finished deletion recorded exactly once, crash or not


def test_a_locked_object_waits_and_the_run_goes_on(stack: Stack) -> None:
    """moto enforces COMPLIANCE retention on deleting a version (what this claims, no more)."""
    settings = Settings(
        storage_url=f"s3://lock-{uuid.uuid4().hex[:8]}/x",
        s3_object_lock_days=1,
        **s3_settings_kwargs(),
    )
    bucket = settings.resolved_storage_url.split("/")[2]
    locked = S3Store.from_settings(bucket, "x", "originals", True, settings)
    locked.ensure_bucket(object_lock=True)
    key = locked.put_bytes(uuid.uuid4().bytes).key
    item = old_item(factories.officer(), 1, stored=False)
    with unit_of_work() as session:
        session.add(
            ByteDeletion(evidence_id=item, namespace="originals", key=key, created_at=now())
        )
    stores = {"originals": locked, "derivatives": derivatives()}
    report = tasks.finish_byte_deletions(stack.settings(), stores)
    assert report.bytes_pending >= 1 and locked.exists(key)
    with unit_of_work() as session:
        row = session.scalar(select(ByteDeletion).where(ByteDeletion.key == key))
        assert row is not None and row.done_at is None and row.attempts == 1
        assert "Object Lock" in (row.last_error or "")
        session.delete(row)  # leave nothing for the suite's other runs to retry


def test_mopi_review_keep_and_dispose(stack: Stack) -> None:
    officer = factories.officer()
    keep, dispose = (
        old_item(officer, 7 * 366, "arrest", stored=False),
        old_item(officer, 7 * 366, "arrest", stored=False),
    )
    start = now()
    report = sweep(start, keep, dispose)
    assert report.review == 2
    with unit_of_work() as session:
        due = {state.evidence_id for state in queries.reviews_due(session)}
        assert {keep, dispose} <= due
        service.decide_review(
            session,
            OPERATOR,
            keep,
            "keep",
            "Linked intelligence",
            next_review=start + timedelta(days=365),
            now=start,
        )
        service.decide_review(
            session, OPERATOR, dispose, "dispose", "No policing purpose", now=start
        )
    sweep(start, keep, dispose)
    assert _retention(keep, start).until == start + timedelta(days=365)
    with unit_of_work() as session:
        entry = session.get(QueueEntry, dispose)
        assert entry is not None and entry.authorised_by == f"{OPERATOR.name} (MoPI review)"
    sweep(start + timedelta(days=8), keep, dispose)
    assert [status_of(keep), status_of(dispose)] == ["ready", "disposed"]
