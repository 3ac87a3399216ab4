"""Reading the force's structure: boroughs by GSS code or name, stations and teams."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from openbwv.organisation.errors import UnknownBorough
from openbwv.organisation.models import Borough, Station, Team


def find_borough(session: Session, value: str) -> Borough | None:
    """The borough a GSS code or a name refers to."""
    return session.get(Borough, value) or session.scalar(
        select(Borough).where(Borough.name == value)
    )


def resolve_borough(session: Session, value: str) -> Borough:
    borough = find_borough(session, value)
    if borough is None:
        raise UnknownBorough(
            f"unknown borough {value!r} (use a GSS code such as E09000033 or a name)"
        )
    return borough


def borough(session: Session, gss_code: str) -> Borough | None:
    return session.get(Borough, gss_code)


def boroughs(session: Session) -> list[Borough]:
    """Every borough, by name."""
    return list(session.scalars(select(Borough).order_by(Borough.name)))


def borough_codes(session: Session) -> set[str]:
    return set(session.scalars(select(Borough.gss_code)))


def station_named(session: Session, name: str) -> Station | None:
    return session.scalar(select(Station).where(Station.name == name))


def station_boroughs(session: Session) -> list[tuple[str, str]]:
    """(name, borough GSS code) of every station, by name."""
    query = select(Station.name, Station.borough).order_by(Station.name)
    return [(name, code) for name, code in session.execute(query)]


def station_names(session: Session, ids: Iterable[uuid.UUID] | None = None) -> dict[uuid.UUID, str]:
    """Station names by id: of `ids`, or of every station when None."""
    query = select(Station.id, Station.name)
    if ids is not None:
        wanted = set(ids)
        if not wanted:
            return {}
        query = query.where(Station.id.in_(wanted))
    return dict(session.execute(query).all())


def team(session: Session, team_id: uuid.UUID) -> Team | None:
    return session.get(Team, team_id)


def team_named(session: Session, borough_code: str, name: str) -> Team | None:
    return session.scalar(select(Team).where(Team.borough == borough_code, Team.name == name))


def team_names(
    session: Session, ids: Iterable[uuid.UUID | None] | None = None, *, borough: str | None = None
) -> dict[uuid.UUID, str]:
    """Team names by id: of `ids` (None ids are ignored), of a borough's teams, or of all."""
    query = select(Team.id, Team.name)
    if ids is not None:
        wanted = {i for i in ids if i is not None}
        if not wanted:
            return {}
        query = query.where(Team.id.in_(wanted))
    if borough is not None:
        query = query.where(Team.borough == borough)
    return dict(session.execute(query).all())
