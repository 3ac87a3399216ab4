"""The audit domain's contribution: the log's API and pages, integration on every worker,
`bwv audit`."""

from __future__ import annotations

from openbwv.audit import api, cli, tasks, views
from openbwv.platform import Platform


def install(platform: Platform) -> None:
    platform.add_routers(api.router, views.router)
    platform.add_maintenance(tasks.integrate_audit_events)
    platform.add_command_group("audit", cli.audit_app)
