"""Fleet reference data: London's boroughs and their Basic Command Units."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from openbwv.fleet.models import Borough

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


def ensure_boroughs(session: Session) -> None:
    """London's boroughs from the shipped outlines (reference data; idempotent)."""
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
