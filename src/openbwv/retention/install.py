"""The retention domain's contribution: its API and pages, the default rules (reference data),
the sweep (a maintenance hook), the hold-on-arrival hook and the `retention` and `hold` commands."""

from __future__ import annotations

from openbwv.evidence.disposal.service import on_arrival
from openbwv.platform import Platform
from openbwv.retention import api, cli, service, tasks, views


def install(platform: Platform) -> None:
    platform.add_routers(api.router, views.router)
    platform.add_reference_data(service.ensure_rules)
    platform.add_maintenance(tasks.periodic_sweep)
    platform.add_command_group("retention", cli.retention_app)
    platform.add_command_group("hold", cli.hold_app)
    on_arrival(service.hold_on_arrival)
