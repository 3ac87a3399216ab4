"""The subject access domain's contribution: its API and pages and the `sar` commands."""

from __future__ import annotations

from openbwv.platform import Platform
from openbwv.subject_access import api, cli, models, views

__all__ = ["install", "models"]  # the models imported: migrations see the tables


def install(platform: Platform) -> None:
    platform.add_routers(api.router, views.router)
    platform.add_command_group("sar", cli.sar_app)
