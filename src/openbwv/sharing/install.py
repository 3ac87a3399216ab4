"""The sharing domain's contribution: the evidence package API and the `share` commands."""

from __future__ import annotations

from openbwv.platform import Platform
from openbwv.sharing.packages import api as packages_api
from openbwv.sharing.packages import cli as packages_cli


def install(platform: Platform) -> None:
    platform.add_routers(packages_api.router)
    platform.add_command_group("share", packages_cli.share_app)
