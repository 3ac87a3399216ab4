"""The access domain's contribution: sign-in, sessions and tokens, administration, reports,
the refusal handler, built-in roles and the `bwv user` / `bwv token` commands."""

from __future__ import annotations

from openbwv.access import http as access_http
from openbwv.access.admin import api as admin_api
from openbwv.access.admin import category_views, role_views, token_views
from openbwv.access.admin import cli as admin_cli
from openbwv.access.admin import views as admin_views
from openbwv.access.policy.service import ensure_builtin_roles
from openbwv.access.reports import api as reports_api
from openbwv.access.reports import views as reports_views
from openbwv.access.signin import api as signin_api
from openbwv.access.signin import views as signin_views
from openbwv.platform import Platform


def install(platform: Platform) -> None:
    platform.on_app(access_http.install)
    platform.add_routers(
        signin_api.router,
        signin_views.oidc_router,
        admin_api.router,
        reports_api.router,
        signin_views.router,
        admin_views.router,
        role_views.router,
        category_views.router,
        token_views.router,
        reports_views.router,
    )
    platform.add_reference_data(ensure_builtin_roles)
    platform.add_command_group("user", admin_cli.user_app)
    platform.add_command_group("token", admin_cli.token_app)
