"""The simulator's contribution: `bwv simulate` and `bwv demo`."""

from __future__ import annotations

from openbwv.platform import Platform
from openbwv.simulate import cli


def install(platform: Platform) -> None:
    platform.add_command("simulate", cli.simulate_command)
    platform.add_command("demo", cli.demo_command)
