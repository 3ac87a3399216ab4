"""The sharing domain's contribution: what shares give, told to the access policy; the sharing
API, the disclosure officer's and recipient's pages, the share-link pages; the `share` commands."""

from __future__ import annotations

from openbwv.access.policy.queries import register_share_reach
from openbwv.platform import Platform
from openbwv.sharing import api, cli, models, queries, views
from openbwv.sharing.links import views as link_views

__all__ = ["install", "models"]  # the tables, for migrations


def install(platform: Platform) -> None:
    register_share_reach(queries.reach)
    platform.add_routers(api.router, views.router, link_views.router)
    platform.add_command_group("share", cli.share_app)
