"""Reference data every deployment starts with (idempotent; an administrator may change it)."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from openbwv.access.models import Role
from openbwv.access.roles import DEFAULT_ROLE_SPECS
from openbwv.evidence.models import Category
from openbwv.fleet.models import Borough

# name, label, restricted, evidential, retention days (None: MoPI review, never automatic)
DEFAULT_CATEGORIES = (
    ("non_evidential", "Non-evidential", False, False, 31),
    ("arrest", "Arrest", False, True, None),
    ("stop_and_search", "Stop and search", False, True, None),
    ("use_of_force", "Use of force", False, True, None),
    ("domestic_abuse", "Domestic abuse", True, True, None),
    ("public_order", "Public order", False, True, None),
    ("traffic", "Road traffic", False, True, None),
    ("complaint", "Complaint", False, True, None),
    ("professional_standards", "Professional standards", True, True, None),
)

# The Met's Basic Command Units.
BCUS = {
    "Central West": ("Westminster", "Kensington and Chelsea", "Hammersmith and Fulham"),
    "Central North": ("Camden", "Islington"),
    "Central South": ("Lambeth", "Southwark"),
    "Central East": ("Hackney", "Tower Hamlets"),
    "North": ("Enfield", "Haringey"),
    "North East": ("Newham", "Waltham Forest"),
    "East": ("Barking and Dagenham", "Havering", "Redbridge"),
    "North West": ("Barnet", "Brent", "Harrow"),
    "West": ("Ealing", "Hillingdon", "Hounslow"),
    "South West": ("Kingston upon Thames", "Merton", "Richmond upon Thames", "Wandsworth"),
    "South": ("Bromley", "Croydon", "Sutton"),
    "South East": ("Bexley", "Greenwich", "Lewisham"),
}


def borough_features() -> list[dict[str, Any]]:
    text = resources.files("openbwv.fleet").joinpath("data/london_boroughs.geojson").read_text()
    features: list[dict[str, Any]] = json.loads(text)["features"]
    return features


def ensure_reference_data(session: Session) -> None:
    existing_roles = set(session.scalars(select(Role.name)))
    for spec in DEFAULT_ROLE_SPECS:
        if spec.name not in existing_roles:
            session.add(
                Role(
                    name=spec.name,
                    description=spec.description,
                    scope=spec.scope,
                    permissions=list(spec.permissions),
                    builtin=True,
                )
            )
    existing_categories = set(session.scalars(select(Category.name)))
    for name, label, restricted, evidential, days in DEFAULT_CATEGORIES:
        if name not in existing_categories:
            session.add(
                Category(
                    name=name,
                    label=label,
                    restricted=restricted,
                    evidential=evidential,
                    retention_days=days,
                    builtin=True,
                )
            )
    existing_boroughs = set(session.scalars(select(Borough.gss_code)))
    bcu_of = {borough: bcu for bcu, boroughs in BCUS.items() for borough in boroughs}
    for feature in borough_features():
        props = feature["properties"]
        if props["gss_code"] not in existing_boroughs:
            session.add(
                Borough(
                    gss_code=props["gss_code"],
                    name=props["name"],
                    inner_london=props["inner_london"],
                    met_policed=props["met_policed"],
                    bcu=bcu_of.get(props["name"]),
                )
            )
