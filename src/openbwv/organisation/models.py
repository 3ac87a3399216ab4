"""The force's structure: London's boroughs, the stations in them and the teams officers belong to.

The tables were the fleet's before they had a home of their own; their names and columns are
unchanged (no migration).
"""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from openbwv.db.base import Base, IdMixin, TimestampMixin


class Borough(Base):
    """One of the London boroughs (GSS code E09…); `met_policed` is False for the City of London."""

    __tablename__ = "boroughs"

    gss_code: Mapped[str] = mapped_column(String(9), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    inner_london: Mapped[bool] = mapped_column(default=False)
    met_policed: Mapped[bool] = mapped_column(default=True)
    bcu: Mapped[str | None] = mapped_column(String(64))  # Basic Command Unit grouping


class Station(IdMixin, TimestampMixin, Base):
    __tablename__ = "stations"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    borough: Mapped[str] = mapped_column(ForeignKey("boroughs.gss_code"))
    address: Mapped[str | None] = mapped_column(String(255))


class Team(IdMixin, TimestampMixin, Base):
    """A response or neighbourhood team: the unit a supervisor oversees."""

    __tablename__ = "teams"

    name: Mapped[str] = mapped_column(String(100))
    borough: Mapped[str] = mapped_column(ForeignKey("boroughs.gss_code"))
    station_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("stations.id"))

    __table_args__ = (UniqueConstraint("borough", "name"),)
