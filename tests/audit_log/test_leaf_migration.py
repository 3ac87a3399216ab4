"""Migration 0020 moves the log's numbering out of the event rows and back, losing nothing: the
same leaves, the same queue of pending events, a log that verifies and keeps integrating."""

from __future__ import annotations

from pathlib import Path

from alembic import command

from openbwv.audit.verification.queries import verify_log
from openbwv.config import Settings
from openbwv.db.migrate import alembic_config
from tests.audit_log.conftest import ScratchDatabases, scratch_identity


def test_numbers_and_the_pending_queue_survive_a_downgrade_and_an_upgrade(
    scratch_dbs: ScratchDatabases, tmp_path: Path
) -> None:
    identity = scratch_identity()
    url = scratch_dbs.empty()
    config = alembic_config(Settings(database_url=url, data_dir=tmp_path))
    command.upgrade(config, "head")
    log = scratch_dbs.open(url, identity)
    log.record(12, "audit.entries", who="Zoë")
    assert log.integrate(batch_size=5).tree_size == 12
    log.record(3, "audit.checkpoint")  # pending: queued, not numbered
    before = log.sql(
        "SELECT l.leaf_index, e.event_id FROM audit_leaves l "
        "JOIN audit_events e ON e.id = l.event_row ORDER BY l.leaf_index"
    ).all()
    log.engine.dispose()

    command.downgrade(config, "0019")
    assert log.sql("SELECT leaf_index, event_id FROM audit_events ORDER BY id").all()[:12] == before
    assert log.scalar("SELECT count(*) FROM audit_events WHERE leaf_index IS NULL") == 3
    log.engine.dispose()

    command.upgrade(config, "head")
    assert log.scalar("SELECT count(*) FROM audit_pending") == 3
    after = log.sql(
        "SELECT l.leaf_index, e.event_id FROM audit_leaves l "
        "JOIN audit_events e ON e.id = l.event_row ORDER BY l.leaf_index"
    ).all()
    assert after == before
    assert log.integrate().tree_size == 15
    report = verify_log(log.engine, identity.verifiers, identity.origin)
    assert report.ok, [finding.describe() for finding in report.findings]
    assert (report.events, report.pending) == (15, 0)
    log.engine.dispose()
