"""`make run` serves where it is told (issue 9, item 20): `make run PORT=8080 HOST=0.0.0.0`, and
its console says where and how far processing has got, with the details in log files."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from openbwv.cli.progress import describe
from tests.support.stack import free_port
from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parents[1]
SERVE = [sys.executable, "-m", "openbwv.composition", "serve"]


def test_make_run_takes_the_port_and_address() -> None:
    make = shutil.which("make")
    assert make is not None, "make is one of the two things the README asks for"
    planned = subprocess.run(
        [make, "-n", "run", "PORT=8080", "HOST=0.0.0.0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert planned.returncode == 0, planned.stderr
    assert "bwv serve --host 0.0.0.0 --port 8080 --quiet" in planned.stdout
    default = subprocess.run(
        [make, "-n", "run"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert "bwv serve --host 127.0.0.1 --port 8000 --quiet" in default.stdout


def test_the_quiet_console_shows_the_address_and_progress_and_logs_to_files(
    tmp_path: Path,
) -> None:
    """`make run` serves with `--quiet`: the address, the sign-in page and a progress line on the
    console; uvicorn's lines, the access log and the platform's own logs in DATA_DIR/logs."""
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("BWV_")}
    env["BWV_DATA_DIR"] = str(tmp_path / "data")
    console = (tmp_path / "console.txt").open("wb")
    process = subprocess.Popen(
        [*SERVE, "--quiet", "--no-worker", "--workers", "1", "--port", str(port)],
        env=env,
        stdout=console,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    shown = tmp_path / "console.txt"
    try:
        wait_until(lambda: "Processing:" in shown.read_text(), timeout=90, what="the progress line")
        assert httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=10).status_code == 200
        api_log = tmp_path / "data" / "logs" / "api.log"
        wait_until(
            lambda: api_log.exists() and "GET /api/v1/health" in api_log.read_text(),
            timeout=30,
            what="the access line in api.log",
        )
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
        console.close()
    lines = shown.read_text().splitlines()
    address = f"http://127.0.0.1:{port}"
    assert lines[0] == f"openbwv is running at {address}/ (sign in at {address}/sign-in)"
    assert "Processing: no jobs yet" in lines
    assert len(lines) <= 4, lines  # no banner, no INFO lines, no access log
    assert not any("INFO" in line or "Uvicorn" in line for line in lines)


def test_the_progress_line_counts_jobs() -> None:
    assert describe({}) == "Processing: no jobs yet"
    busy = {"done": 12, "running": 2, "pending": 26, "failed": 1}
    assert describe(busy) == (
        "Processing: 12 of 41 jobs done, 2 running, 26 waiting, 1 failed (see the worker log)"
    )
    assert describe({"done": 40}) == "Processing: all 40 jobs finished"
