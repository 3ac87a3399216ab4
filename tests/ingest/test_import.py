"""`bwv import`: folders with sidecars, idempotent, clear failures; plus token and fsck commands."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from openbwv.media.synth import make_clip
from tests.support.stack import Stack


def bwv(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **stack.env}
    return subprocess.run(
        [sys.executable, "-m", "openbwv.composition", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _evidence_for(sha: str) -> list:
    from openbwv.db.session import unit_of_work
    from openbwv.evidence.models import EvidenceItem

    with unit_of_work() as session:
        return list(session.scalars(select(EvidenceItem).where(EvidenceItem.sha256 == sha)))


def test_import_folder_with_sidecars_is_idempotent(stack: Stack, tmp_path: Path, seed: int) -> None:
    folder = tmp_path / "dock-export"
    (folder / "nested").mkdir(parents=True)
    clips = [
        make_clip(folder / "a.mp4", seconds=1, seed=seed),
        make_clip(folder / "b.mkv", seconds=1, container="mkv", seed=seed + 1),
        make_clip(folder / "nested" / "c.MOV", seconds=1, container="mov", seed=seed + 2),
    ]
    (folder / "readme.txt").write_text("not imported from a folder walk")
    (folder / "a.mp4.json").write_text(
        json.dumps(
            {
                "camera_serial": "IMP-1",
                "officer": "PC-9",
                "recorded_start": "2026-11-01T10:00:00Z",
                "gps_track": [["2026-11-01T10:00:00Z", 51.5, -0.12]],
                "shift": "late",
            }
        )
    )
    (folder / "b.json").write_text(
        json.dumps({"sha256": hashlib.sha256(clips[1].read_bytes()).hexdigest()})
    )
    first = bwv(stack, "import", str(folder))
    assert first.returncode == 0, first.stderr
    assert "Imported 3 new, 0 already present, 0 failed" in first.stdout
    second = bwv(stack, "import", str(folder))
    assert second.returncode == 0, second.stderr
    assert "Imported 0 new, 3 already present, 0 failed" in second.stdout
    [item] = _evidence_for(hashlib.sha256(clips[0].read_bytes()).hexdigest())
    assert item.camera_serial == "IMP-1" and item.officer == "PC-9" and item.source == "import"
    assert item.recorded_start == datetime(2026, 11, 1, 10, tzinfo=UTC)
    assert item.gps_track == [["2026-11-01T10:00:00Z", 51.5, -0.12]]
    assert item.extra_metadata == {"shift": "late"}


def test_import_failures_are_reported_and_store_nothing(
    stack: Stack, tmp_path: Path, seed: int
) -> None:
    wrong = make_clip(tmp_path / "wrong.mp4", seconds=1, seed=seed)
    (tmp_path / "wrong.mp4.json").write_text(json.dumps({"sha256": "0" * 64}))
    broken = make_clip(tmp_path / "broken.mp4", seconds=1, seed=seed + 1)
    (tmp_path / "broken.json").write_text("{not json")
    traversal = make_clip(tmp_path / "trav.mp4", seconds=1, seed=seed + 2)
    (tmp_path / "trav.json").write_text(json.dumps({"camera_serial": "../../etc"}))
    result = bwv(stack, "import", str(wrong), str(broken), str(traversal))
    assert result.returncode == 1
    assert "0 new" in result.stdout and "3 failed" in result.stdout
    assert "not 0000" in result.stderr and "not valid JSON" in result.stderr
    assert "camera_serial" in result.stderr
    for path in (wrong, broken, traversal):
        assert _evidence_for(hashlib.sha256(path.read_bytes()).hexdigest()) == []
    missing = bwv(stack, "import", str(tmp_path / "nope"))
    assert missing.returncode == 2 and "no such file" in missing.stderr


def test_token_create_prints_once_and_revoke(stack: Stack) -> None:
    from openbwv.access.signin.service import authenticate
    from openbwv.access.signin.tokens import hash_token
    from openbwv.db.session import unit_of_work

    quiet = bwv(stack, "token", "create", "--name", "dock-7", "--role", "device", "--quiet")
    assert quiet.returncode == 0
    token = quiet.stdout.strip()
    assert token.startswith("bwv_") and "\n" not in token
    with unit_of_work() as session:
        principal = authenticate(session, token)
        assert principal is not None and principal.role == "device"
        from openbwv.access.models import ApiToken

        stored = session.get(ApiToken, principal.id)
        assert stored is not None and stored.token_hash == hash_token(token) != token
    assert bwv(stack, "token", "revoke", str(principal.id)).returncode == 0
    with unit_of_work() as session:
        assert authenticate(session, token) is None
    bad = bwv(stack, "token", "create", "--name", "x", "--role", "overlord")
    assert bad.returncode == 2 and "unknown role" in bad.stderr


@pytest.fixture
def fresh(stack: Stack, tmp_path: Path) -> Iterator[Stack]:
    """The same deployment with its own empty database and storage, so fsck's verdict is ours."""
    from openbwv.config import reset_settings
    from openbwv.db.migrate import upgrade
    from openbwv.db.session import dispose_engines
    from tests.support.stack import _postgres_database

    env = {"BWV_DATA_DIR": str(tmp_path / "fresh")}
    cleanup = None
    if stack.scaled:
        env["BWV_DATABASE_URL"], cleanup = _postgres_database(os.environ["BWV_TEST_DATABASE_URL"])
        bucket = stack.env["BWV_STORAGE_URL"].split("/")[2]
        env["BWV_STORAGE_URL"] = f"s3://{bucket}/fsck-{uuid.uuid4().hex[:8]}"
    own = Stack(stack.profile, tmp_path, {**stack.env, **env})
    own.apply_env()
    upgrade()
    yield own
    stack.apply_env()
    reset_settings()
    dispose_engines()
    if cleanup is not None:
        cleanup()


def test_fsck_finds_changed_bytes_and_orphans(fresh: Stack, tmp_path: Path, seed: int) -> None:
    path = make_clip(tmp_path / "victim.mp4", seconds=1, seed=seed)
    assert bwv(fresh, "import", str(path)).returncode == 0
    clean = bwv(fresh, "fsck")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "Checked 1 originals" in clean.stdout
    assert "0 mismatched, 0 missing, 0 orphans" in clean.stdout
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    _tamper(fresh, sha, path.read_bytes())
    from openbwv.storage.factory import originals

    orphan = originals().put_bytes(os.urandom(64)).key
    report = bwv(fresh, "fsck")
    assert report.returncode == 1
    assert f"MISMATCH evidence {_evidence_for(sha)[0].id}" in report.stdout
    assert f"ORPHAN   originals/{orphan}" in report.stdout
    assert "1 mismatched, 0 missing, 1 orphans" in report.stdout


def _tamper(stack: Stack, sha: str, data: bytes) -> None:
    """Change stored bytes behind the platform's back, as an attacker with disk access would."""
    from openbwv.storage.factory import originals

    store = originals()
    changed = bytearray(data)
    changed[len(changed) // 2] ^= 0xFF
    if stack.scaled:  # a new object version at the same key (Object Lock protects old versions)
        s3 = store.client  # type: ignore[attr-defined]
        s3.put_object(Bucket=store.bucket, Key=store.object_key(sha), Body=bytes(changed))  # type: ignore[attr-defined]
    else:
        target = store.path_for(sha)  # type: ignore[attr-defined]
        target.chmod(stat.S_IWUSR | stat.S_IRUSR)
        target.write_bytes(bytes(changed))


@pytest.mark.parametrize("clips", [2])
def test_demo_generates_and_imports_clips(stack: Stack, clips: int) -> None:
    result = bwv(stack, "demo", "--clips", str(clips))
    assert result.returncode == 0, result.stderr
    assert f"Demo loaded: {clips} clips" in result.stdout
    assert "already loaded" in bwv(stack, "demo", "--if-empty").stdout
