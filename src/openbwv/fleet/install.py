"""The fleet domain's contribution: boroughs (reference data), the fleet API and pages,
`bwv fleet`."""

from __future__ import annotations

from openbwv.fleet import api, cli, import_views, service, views
from openbwv.platform import Platform


def install(platform: Platform) -> None:
    platform.add_reference_data(service.ensure_boroughs)
    platform.add_routers(api.router, views.router, import_views.router)
    platform.add_command_group("fleet", cli.fleet_app)
