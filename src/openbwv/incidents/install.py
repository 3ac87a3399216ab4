"""The incidents domain's contribution: its API and pages, the `bwv cad` commands, the matcher's
arrival hook and job (a late upload is matched within seconds of arriving), its maintenance hook
(recordings whose times came with processing), and what it gives the roll-out evaluation
(activation coverage) and complaints (an incident's footage)."""

from __future__ import annotations

from openbwv.analytics.registry import Measure, register_incident_footage, register_measure
from openbwv.evidence.disposal.service import on_arrival
from openbwv.incidents import api, cli, models, queries, service, tasks, views
from openbwv.incidents.compliance import api as compliance_api
from openbwv.incidents.compliance import views as compliance_views
from openbwv.platform import Platform

TABLES = models.__all__  # the install imports the models, so migrations see the tables


def install(platform: Platform) -> None:
    platform.add_routers(api.router, compliance_api.router, views.router, compliance_views.router)
    platform.add_command_group("cad", cli.cad_app)
    platform.add_jobs(*tasks.KINDS)
    platform.add_maintenance(tasks.match_unseen)
    on_arrival(service.match_on_arrival)
    # The roll-out evaluation measures activation coverage, and a complaint naming an incident
    # finds its linked recordings, through the analytics registry.
    register_measure(
        Measure(
            "activation_coverage",
            "Activation coverage",
            "share",
            "points",
            "CAD incidents attended, and the attending officers' recordings (incidents domain)",
            queries.coverage_cells,
        )
    )
    register_incident_footage(queries.incident_footage)
