"""`bwv redact ITEM_ID [--faces] [--plates] [--out FILE.mp4]`: detects, tracks, redacts every
track, renders, waits and writes the copy with its log; clear errors and exit codes."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from openbwv.composition import cli
from openbwv.media.redaction import video
from tests.redaction.helpers import detail, scene_clip
from tests.support import factories
from tests.support.stack import Stack


def _bwv(stack: Stack, *args: str) -> Any:
    return CliRunner().invoke(cli(), list(args), env=stack.env)


def test_redact_writes_a_copy_with_every_face_hidden(stack: Stack, tmp_path: Path) -> None:
    officer = stack.user("officer", borough="E09000033")
    scene, path = scene_clip(tmp_path / "scene.mp4", seconds=1.0)
    item = factories.item(officer, stored=True, content=path.read_bytes(), duration=1.0)
    out = tmp_path / "out" / "copy.mp4"
    out.parent.mkdir()
    done = _bwv(stack, "redact", str(item), "--faces", "--out", str(out))
    assert done.exit_code == 0, done.output
    assert "Wrote" in done.output and out.exists()
    log = json.loads(out.with_suffix(".redaction-log.json").read_text())
    assert [t["kind"] for t in log["tracks"]] == ["face"]
    assert all(t["decision"] == "redact" and t["reason"] == "third_party" for t in log["tracks"])
    assert log["detection"]["settings"]["plates"] is False
    for index, (was, now) in enumerate(zip(video.frames(path), video.frames(out), strict=True)):
        face = scene.faces[0][index]
        assert detail(now, face) < 0.15 * detail(was, face), f"frame {index}"


def test_redact_refuses_clearly(stack: Stack, tmp_path: Path) -> None:
    wrong = _bwv(stack, "redact", str(uuid.uuid4()), "--out", str(tmp_path / "x.avi"))
    assert wrong.exit_code == 2 and "--out must name an .mp4 file" in wrong.output
    missing = _bwv(stack, "redact", str(uuid.uuid4()))
    assert missing.exit_code == 1 and "no such evidence item" in missing.output
    assert "Traceback" not in missing.output
    reason = _bwv(stack, "redact", str(uuid.uuid4()), "--reason", "because")
    assert reason.exit_code == 2 and "--reason must be one of" in reason.output
