"""The fleet domain's contribution: the fleet API and pages, `bwv fleet`."""

from __future__ import annotations

from openbwv.fleet import cli
from openbwv.fleet.cameras import api as cameras_api
from openbwv.fleet.cameras import views as camera_views
from openbwv.fleet.csvfiles import api as csv_api
from openbwv.fleet.csvfiles import views as csv_views
from openbwv.fleet.dashboard import views as dashboard_views
from openbwv.fleet.firmware import api as firmware_api
from openbwv.fleet.firmware import views as firmware_views
from openbwv.fleet.http import router
from openbwv.fleet.rollout import api as rollout_api
from openbwv.platform import Platform

# Each `api` module adds its endpoints to the one fleet router when imported, in this order.
API_MODULES = (firmware_api, rollout_api, csv_api, cameras_api)


def install(platform: Platform) -> None:
    platform.add_routers(
        router,
        dashboard_views.router,
        csv_views.router,
        camera_views.router,
        firmware_views.router,
    )
    platform.add_command_group("fleet", cli.fleet_app)
