"""`make run` serves where it is told (issue 9, item 20): `make run PORT=8080 HOST=0.0.0.0`."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


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
    assert "bwv serve --host 0.0.0.0 --port 8080" in planned.stdout
    default = subprocess.run(
        [make, "-n", "run"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert "bwv serve --host 127.0.0.1 --port 8000" in default.stdout
