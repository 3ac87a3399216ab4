"""The sharing domain's contribution: what shares give, told to the access policy; the sharing
and evidence-package APIs, the disclosure officer's and recipient's pages, the share-link pages;
the `share` commands (packages included)."""

from __future__ import annotations

from openbwv.access.policy.queries import register_share_reach
from openbwv.platform import Platform
from openbwv.sharing import api, cli, models, queries, views
from openbwv.sharing.links import views as link_views
from openbwv.sharing.packages import api as packages_api
from openbwv.sharing.packages import cli as packages_cli

__all__ = ["install", "models"]  # the tables, for migrations


def install(platform: Platform) -> None:
    register_share_reach(queries.reach)
    platform.add_routers(api.router, views.router, link_views.router, packages_api.router)
    cli.share_app.command("package")(packages_cli.package_command)
    platform.add_command_group("share", cli.share_app)
