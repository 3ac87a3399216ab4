"""The cases domain's contribution: the cases API and pages."""

from __future__ import annotations

from openbwv.cases import api, views
from openbwv.platform import Platform


def install(platform: Platform) -> None:
    platform.add_routers(api.router, views.router)
