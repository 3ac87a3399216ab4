"""The access domain's contribution: sign-in, sessions and tokens, administration, reports,
the refusal handler, built-in roles and the `bwv user` / `bwv token` commands."""

from __future__ import annotations

from openbwv.access import admin, admin_api, auth_api, oidc_api, reports_api, signin_views
from openbwv.access import cli as access_cli
from openbwv.access import http as access_http
from openbwv.access import views as access_views
from openbwv.platform import Platform


def install(platform: Platform) -> None:
    platform.on_app(access_http.install)
    platform.add_routers(
        auth_api.router,
        oidc_api.router,
        admin_api.router,
        reports_api.router,
        signin_views.router,
        access_views.router,
    )
    platform.add_reference_data(admin.ensure_builtin_roles)
    platform.add_command_group("user", access_cli.user_app)
    platform.add_command_group("token", access_cli.token_app)
