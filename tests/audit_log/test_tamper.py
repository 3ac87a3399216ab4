"""Tampering with the audit log directly in the database is detected by `bwv audit verify`,
which names the first bad leaf index (or checkpoint); the integrator refuses to sign on top.

Each test works on its own copy of a 40-event log with checkpoints at 8, 16, 24, 32 and 40.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import insert, select, text
from typer.testing import CliRunner

from openbwv.audit.models import AuditEvent, AuditLeaf
from openbwv.audit.note import Signer, format_checkpoint, generate_signer, sign_note
from openbwv.audit.service import AuditIntegrityError
from openbwv.composition import cli
from tests.audit_log.conftest import ORIGIN, ScratchLog

FAILED = 1


def at_leaf(index: int) -> str:
    """SQL: the event row numbered `index` (its number is a row of `audit_leaves`)."""
    return f"id = (SELECT event_row FROM audit_leaves WHERE leaf_index = {index})"


def delete_from(log: ScratchLog, index: int) -> None:
    """Drop every event from leaf `index` on, and their numbers: a truncated tail."""
    log.sql(
        "DELETE FROM audit_events WHERE id IN "
        f"(SELECT event_row FROM audit_leaves WHERE leaf_index >= {index})"
    )
    log.sql(f"DELETE FROM audit_leaves WHERE leaf_index >= {index}")


def assert_first_bad(log: ScratchLog, index: int, words: str, *args: str) -> str:
    result = log.verify(*args)
    assert result.exit_code == FAILED, result.output
    assert f"FAILED: first bad index {index}: " in result.output, result.output
    assert words in result.output, result.output
    return result.output


def test_untouched_copy_verifies(scratch: ScratchLog) -> None:
    result = scratch.verify()
    assert result.exit_code == 0, result.output
    assert "40 events (tree size 40)" in result.output
    assert "5 checkpoints (latest 40)" in result.output
    assert "OK:" in result.output


def test_one_byte_of_an_entry_changed(scratch: ScratchLog) -> None:
    entry = scratch.scalar(f"SELECT entry FROM audit_events WHERE {at_leaf(17)}")
    forged = entry.replace("success", "suctess", 1)  # one byte
    assert len(forged) == len(entry) and forged != entry
    scratch.sql(f"UPDATE audit_events SET entry = :e WHERE {at_leaf(17)}", e=forged)
    output = assert_first_bad(scratch, 17, "result differs")
    assert "index 17: the stored leaf hash does not match" in output
    assert "index 17, checkpoint 24: the events up to 24 no longer hash" in output


def test_a_column_changed_without_its_entry(scratch: ScratchLog) -> None:
    scratch.sql(f"UPDATE audit_events SET actor_name = 'someone else' WHERE {at_leaf(5)}")
    assert_first_bad(scratch, 5, "actor.name differs")


def test_one_event_deleted(scratch: ScratchLog) -> None:
    scratch.sql(f"DELETE FROM audit_events WHERE {at_leaf(22)}")
    output = assert_first_bad(scratch, 22, "event 22 is missing")
    assert "index 23" not in output  # what follows is judged on its own: still fine


def test_two_events_reordered(scratch: ScratchLog) -> None:
    scratch.sql("UPDATE audit_leaves SET leaf_index = -1 WHERE leaf_index = 9")
    scratch.sql("UPDATE audit_leaves SET leaf_index = 9 WHERE leaf_index = 30")
    scratch.sql("UPDATE audit_leaves SET leaf_index = 30 WHERE leaf_index = -1")
    output = assert_first_bad(scratch, 9, "the stored leaf hash does not match the event's entry")
    assert "index 30: the stored leaf hash does not match" in output


def test_tail_truncated(scratch: ScratchLog) -> None:
    delete_from(scratch, 35)
    assert_first_bad(scratch, 35, "events 35..39 are missing (checkpoint 40 covers them)")
    with pytest.raises(AuditIntegrityError, match="highest leaf index is 34"):
        scratch.integrate()


def test_latest_checkpoint_deleted(scratch: ScratchLog) -> None:
    scratch.sql("DELETE FROM audit_checkpoints WHERE tree_size = 40")
    assert_first_bad(scratch, 32, "events lie beyond the latest signed checkpoint")


def test_a_pending_event_taken_off_the_queue(scratch: ScratchLog) -> None:
    scratch.record(2)
    hidden = scratch.scalar("SELECT min(seq) FROM audit_pending")
    event_id = scratch.scalar(f"SELECT event_id FROM audit_pending WHERE seq = {hidden}")
    scratch.sql(f"DELETE FROM audit_pending WHERE seq = {hidden}")
    result = scratch.verify()
    assert result.exit_code == FAILED, result.output
    assert "is not in the integrator's queue: it would never be numbered" in result.output
    assert f"pending event {uuid.UUID(str(event_id))} is not" in result.output


def test_a_numbered_event_queued_again_stops_the_integrator(scratch: ScratchLog) -> None:
    event_id = scratch.scalar(f"SELECT event_id FROM audit_events WHERE {at_leaf(7)}")
    scratch.sql("INSERT INTO audit_pending (event_id) VALUES (:e)", e=event_id)
    with pytest.raises(AuditIntegrityError, match="already has leaf 7"):
        scratch.integrate()
    assert scratch.scalar("SELECT max(tree_size) FROM audit_checkpoints") == 40  # nothing signed


def test_an_event_inserted_beyond_the_log(scratch: ScratchLog) -> None:
    table = AuditEvent.__table__
    with scratch.engine.begin() as connection:
        row = connection.execute(select(table).where(text(at_leaf(3)))).one()._asdict()
        row.update(event_id=uuid.uuid4())
        del row["id"]
        added = connection.execute(insert(table).values(**row)).inserted_primary_key
        assert added is not None
        connection.execute(insert(AuditLeaf.__table__).values(leaf_index=40, event_row=added[0]))
    assert_first_bad(scratch, 40, "beyond the latest signed checkpoint")


def forged_note(size: int) -> str:
    attacker = Signer.from_key(generate_signer(ORIGIN)[0])  # same name, different key
    return sign_note(format_checkpoint(ORIGIN, size, bytes(32)), attacker)


def test_checkpoint_replaced_by_a_forgery(scratch: ScratchLog) -> None:
    scratch.sql(
        "UPDATE audit_checkpoints SET note = :n, root_hash = :r WHERE tree_size = 24",
        n=forged_note(24),
        r=bytes(32),
    )
    result = scratch.verify()
    assert result.exit_code == FAILED
    assert "FAILED: first bad checkpoint: tree size 24: the checkpoint does not verify" in (
        result.output
    )


def test_latest_checkpoint_forged_stops_the_integrator(scratch: ScratchLog) -> None:
    scratch.sql("UPDATE audit_checkpoints SET note = :n WHERE tree_size = 40", n=forged_note(40))
    scratch.record(3)
    with pytest.raises(AuditIntegrityError, match=r"latest checkpoint \(40\) does not verify"):
        scratch.integrate()
    assert scratch.scalar("SELECT max(tree_size) FROM audit_checkpoints") == 40  # nothing signed


def test_a_stored_node_corrupted(scratch: ScratchLog) -> None:
    scratch.sql('UPDATE audit_nodes SET hash = :h WHERE level = 1 AND "index" = 6', h=b"\x07" * 32)
    assert_first_bad(scratch, 12, "the stored hash of leaves 12..13 (level 1) is wrong")


def test_a_node_on_the_right_edge_corrupted_stops_the_integrator(scratch: ScratchLog) -> None:
    scratch.sql('UPDATE audit_nodes SET hash = :h WHERE level = 3 AND "index" = 4', h=b"\x01" * 32)
    scratch.record(2)
    with pytest.raises(AuditIntegrityError, match="do not reproduce the root of checkpoint 40"):
        scratch.integrate()


def test_saved_checkpoint_detects_a_rewritten_history(scratch: ScratchLog, tmp_path: Path) -> None:
    saved = tmp_path / "checkpoint-40.txt"
    saved.write_text(scratch.scalar("SELECT note FROM audit_checkpoints WHERE tree_size = 40"))
    older = tmp_path / "checkpoint-16.txt"
    older.write_text(scratch.scalar("SELECT note FROM audit_checkpoints WHERE tree_size = 16"))
    scratch.record(5)
    scratch.integrate()
    assert scratch.verify("--checkpoint", str(older)).exit_code == 0  # the log grew honestly
    assert scratch.verify("--checkpoint", str(saved)).exit_code == 0

    # Someone with database access drops everything after event 23 without a trace (events,
    # subtrees, checkpoints) and lets the log carry on with other events.
    scratch.sql('DELETE FROM audit_nodes WHERE ("index" + 1) * (1 << level) > 24')
    scratch.sql("DELETE FROM audit_checkpoints WHERE tree_size > 24")
    delete_from(scratch, 24)
    scratch.record(20, "audit.entries")
    assert scratch.integrate().tree_size == 44

    clean = scratch.verify()
    assert clean.exit_code == 0, clean.output  # internally consistent: the rewrite is seamless
    result = scratch.verify("--checkpoint", str(saved))
    assert result.exit_code == FAILED, result.output
    assert "FAILED: first bad checkpoint: tree size 40: " in result.output
    assert "its history was rewritten" in result.output
    assert scratch.verify("--checkpoint", str(older)).exit_code == 0  # from before the rewrite


def test_bad_inputs_are_refused_clearly(scratch: ScratchLog, tmp_path: Path) -> None:
    junk = tmp_path / "junk.txt"
    junk.write_text("not a checkpoint\n")
    result = scratch.verify("--checkpoint", str(junk))
    assert result.exit_code == 2
    assert "is not a checkpoint signed by a trusted key" in result.output
    missing = scratch.verify("--checkpoint", str(tmp_path / "nope.txt"))
    assert missing.exit_code == 2 and "cannot read" in missing.output
    other_key = generate_signer(ORIGIN)[1]
    saved = tmp_path / "cp.txt"
    saved.write_text(scratch.scalar("SELECT note FROM audit_checkpoints WHERE tree_size = 8"))
    wrong_key = CliRunner().invoke(
        cli(),
        ["audit", "verify", "--database-url", scratch.url, "--public-key", other_key],
    )
    assert wrong_key.exit_code == FAILED  # every checkpoint fails under the wrong key
    assert "first bad checkpoint: tree size 8: the checkpoint does not verify" in wrong_key.output
    bad_key = CliRunner().invoke(cli(), ["audit", "verify", "--public-key", "nonsense"])
    assert bad_key.exit_code == 2 and "--public-key" in bad_key.output


def test_the_installed_command_exits_non_zero(scratch: ScratchLog) -> None:
    scratch.sql(f"UPDATE audit_events SET target_id = 'moved' WHERE {at_leaf(0)}")
    scratch.engine.dispose()
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "openbwv.composition",
            "audit",
            "verify",
            "--database-url",
            scratch.url,
            "--public-key",
            scratch.public_key,
        ],
        capture_output=True,
        text=True,
        env={**os.environ},
        timeout=120,
        check=False,
    )
    assert completed.returncode == FAILED, completed.stdout + completed.stderr
    assert "FAILED: first bad index 0: the entry does not match the event's columns (target.id" in (
        completed.stdout
    )
