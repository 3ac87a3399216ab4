"""The evaluation's built-in measures and where each comes from (other domains add theirs
through `analytics.registry.register_measure` from their install)."""

from __future__ import annotations

from openbwv.analytics.evaluation import queries
from openbwv.analytics.registry import Measure

STRENGTH = "officer strength (monthly counts, measure 'officers': CSV import or the simulator)"
BUILT_IN = (
    Measure(
        "allegations",
        "Allegations per 1,000 officers",
        "rate",
        "%",
        f"complaints recorded in openbwv (each allegation type counts once), over {STRENGTH}",
        queries.allegation_cells,
    ),
    Measure(
        "use_of_force",
        "Use-of-force incidents per 1,000 officers",
        "rate",
        "%",
        f"monthly counts 'use_of_force' (the force's use of force forms), over {STRENGTH}",
        queries.rate_reader("use_of_force"),
    ),
    Measure(
        "stop_search",
        "Stops and searches per 1,000 officers",
        "rate",
        "%",
        f"monthly counts 'stop_search' (the force's stop and search records), over {STRENGTH}",
        queries.rate_reader("stop_search"),
    ),
    Measure(
        "stop_search_arrest_rate",
        "Stop and search arrest rate",
        "share",
        "points",
        "monthly counts 'stop_search_arrests' over 'stop_search'",
        queries.arrest_cells,
    ),
    Measure(
        "early_guilty_plea_share",
        "Early guilty plea share",
        "share",
        "points",
        "cases' outcomes in openbwv: early guilty pleas among cases with a court result "
        "(early plea, plea at trial, convicted after trial, acquitted) decided that month",
        queries.early_plea_cells,
    ),
    Measure(
        "da_charge_rate",
        "Domestic abuse charge rate",
        "share",
        "points",
        "cases flagged domestic abuse in openbwv: charged (any outcome recorded) among those "
        "with a charging decision that month (an outcome, or no further action)",
        queries.da_charge_cells,
    ),
)
