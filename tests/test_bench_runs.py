"""The search benchmark still runs end to end (seed, requests through the app, the database's
own time of the same SQL) at a tiny size: a refactor that moved a function it calls once went
unnoticed until the next measurement. Nothing here is timed; the figures are not checked."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_search_benchmark_runs_on_a_small_seed(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BWV_")}
    command = ["bench/search_bench.py", "--items", "3k", "--databases", "sqlite", "--requests", "2"]
    done = subprocess.run(
        [sys.executable, *command],
        cwd=ROOT,
        env={**env, "TMPDIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    for scenario in ("borough + 7-day window", "where: borough outline", "evidence page"):
        assert scenario in done.stdout, done.stdout
