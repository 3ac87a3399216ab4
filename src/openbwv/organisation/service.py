"""Changing the force's structure: the boroughs (reference data), new stations and teams."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from sqlalchemy.orm import Session

from openbwv.organisation import queries
from openbwv.organisation.models import Borough, Station, Team

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
    """The shipped borough outlines (GeoJSON features with their properties)."""
    data = resources.files("openbwv.organisation").joinpath("data/london_boroughs.geojson")
    features: list[dict[str, Any]] = json.loads(data.read_text())["features"]
    return features


def ensure_boroughs(session: Session) -> None:
    """London's boroughs from the shipped outlines (reference data; idempotent)."""
    existing_boroughs = queries.borough_codes(session)
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


def ensure_team(session: Session, borough: str, name: str) -> Team:
    """The borough's team of that name, created on first use."""
    team = queries.team_named(session, borough, name)
    if team is None:
        team = Team(borough=borough, name=name)
        session.add(team)
        session.flush()
    return team


def add_station(session: Session, borough: str, name: str) -> Station:
    station = Station(name=name, borough=borough)
    session.add(station)
    session.flush()
    return station
