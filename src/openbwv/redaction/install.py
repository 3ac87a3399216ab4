"""The redaction domain's contribution: its API and pages, its two job kinds (detection and
tracking on `ml`, rendering on `media`) and the `bwv redact` command."""

from __future__ import annotations

from openbwv.platform import Platform
from openbwv.redaction import api, cli, tasks, views


def install(platform: Platform) -> None:
    platform.add_routers(api.router, views.router)
    platform.add_jobs(*tasks.KINDS)
    platform.add_command("redact", cli.redact)
