"""The analytics domain's contribution: complaints (API, pages), the roll-out evaluation (API,
pages, PDF and CSV report), the built-in measures and the incident-footage finder by CAD
number on cases (other domains register more through `analytics.registry`), and `bwv
analytics`."""

from __future__ import annotations

from openbwv.analytics import cli, models, registry
from openbwv.analytics.complaints import api as complaints_api
from openbwv.analytics.complaints import views as complaints_views
from openbwv.analytics.evaluation import api as evaluation_api
from openbwv.analytics.evaluation import views as evaluation_views
from openbwv.analytics.evaluation.measures import BUILT_IN
from openbwv.cases.queries import visible_item_ids_by_cad
from openbwv.platform import Platform

TABLES = models.Complaint  # imported so migrations see the tables


def install(platform: Platform) -> None:
    platform.add_routers(
        complaints_api.router,
        evaluation_api.router,
        complaints_views.router,
        evaluation_views.router,
    )
    platform.add_command_group("analytics", cli.analytics_app)
    for measure in BUILT_IN:
        registry.register_measure(measure)
    registry.register_incident_footage(visible_item_ids_by_cad)
