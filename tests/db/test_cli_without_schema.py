"""A command run before `bwv db upgrade` says so, exits 2, shows no traceback and no SQL, and
leaves no empty database behind (issue 9, item 18). Run as the installed entry point is, in a
fresh data directory of its own: a subprocess, because the test process's settings and engines
belong to the platform under test."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from openbwv.composition import cli

COMMANDS = [
    ["token", "create", "--name", "ci", "--role", "officer"],
    ["user", "create", "pc1", "--name", "PC One", "--role", "officer"],
    ["fsck"],
]


def _bwv(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("BWV_") or key == "BWV_LOG_LEVEL"
    }
    env["BWV_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-m", "openbwv.composition", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_a_command_before_the_schema_says_run_db_upgrade(
    tmp_path: Path, command: list[str]
) -> None:
    result = _bwv(tmp_path, *command)
    assert result.returncode == 2, result.stderr
    assert "the database is not initialised: run `bwv db upgrade`" in result.stderr
    output = result.stdout + result.stderr
    assert "Traceback" not in output and "SQL" not in output and "parameters" not in output
    assert not list(tmp_path.rglob("*.db")), "an empty database was left behind"


def test_debug_shows_the_traceback_but_never_the_parameters(tmp_path: Path) -> None:
    result = _bwv(tmp_path, "--debug", "token", "create", "--name", "ci", "--role", "officer")
    assert result.returncode != 0
    assert "Traceback" in result.stderr
    assert "no such table" in result.stderr
    assert "[parameters:" not in result.stderr  # the token's hash was among them


def test_help_names_only_what_exists() -> None:
    """`bwv audit --help` once promised an `export` command; `worker` showed "[default: 0]".
    (Help and option checks read no settings: the command line in this process will do.)"""
    runner = CliRunner()
    audit = runner.invoke(cli(), ["audit", "--help"], terminal_width=200)
    assert audit.exit_code == 0 and "export" not in audit.stdout
    worker = runner.invoke(cli(), ["worker", "--help"], terminal_width=200)
    assert worker.exit_code == 0
    assert "default: 0" not in worker.stdout and "BWV_WORKER_CONCURRENCY" in worker.stdout
    refused = runner.invoke(cli(), ["worker", "--concurrency", "0"])
    assert refused.exit_code == 2 and "Traceback" not in refused.output
