"""A search form validated into criteria: the officer a typed reference names, the case a crime
reference finds (among those the person can see), and the areas a drawn outline, a borough or a
place becomes; errors by field, said plainly."""

from __future__ import annotations

import uuid

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from openbwv import geo
from openbwv.access.models import User
from openbwv.access.principal import Principal
from openbwv.cases.queries import find_by_reference
from openbwv.evidence.search import places
from openbwv.evidence.search.schemas import Criteria, SearchForm, london_to_utc
from openbwv.organisation import queries as organisation

MAX_TEXT = 200


def _officer_ids(session: Session, reference: str) -> list[uuid.UUID]:
    """People a typed officer reference may name: username, warrant or shoulder number."""
    matches = or_(
        func.lower(User.username) == reference.lower(),
        User.warrant_number == reference,
        User.shoulder_number == reference,
    )
    return list(session.scalars(select(User.id).where(matches).limit(20)))


def validate(
    session: Session, principal: Principal, form: SearchForm
) -> tuple[Criteria, dict[str, str]]:
    """The criteria, and errors by field name (British English, said plainly)."""
    errors: dict[str, str] = {}
    crit = Criteria()
    if form.text:
        if len(form.text) > MAX_TEXT:
            errors["text"] = f"Search text is at most {MAX_TEXT} characters"
        crit.text = form.text[:MAX_TEXT]
    if form.officer:
        crit.officer = form.officer[:64]
        crit.officer_ids = _officer_ids(session, crit.officer)
    crit.camera = form.camera[:64] or None
    crit.borough = form.borough[:9] or None
    for name in ("start", "end"):
        raw = getattr(form, name)
        if raw:
            try:
                setattr(crit, name, london_to_utc(raw))
            except ValueError:
                errors[name] = "Enter a date and time such as 24/11/2026 14:30"
    if crit.start and crit.end and crit.end <= crit.start:
        errors["end"] = "The end must be after the start"
    crit.category = form.category[:64] or None
    crit.tag = form.tag.lower()[:40] or None
    crit.has_notes = bool(form.has_notes)
    crit.has_markers = bool(form.has_markers)
    if form.case:
        case = find_by_reference(session, principal, form.case)
        if case is None:
            errors["case"] = f"No case you can see has the crime reference {form.case[:32]}"
        crit.case_id = case.id if case else None
    _validate_where(session, form, crit, errors)
    return crit, errors


def place_list(session: Session) -> list[places.Place]:
    """What an area search can name (see `places`): boroughs, BCUs, inner and outer London and
    the force's stations."""
    boroughs = [
        places.BoroughRef(b.gss_code, b.name, b.inner_london, b.bcu)
        for b in organisation.boroughs(session)
    ]
    return places.place_list(boroughs, organisation.station_boroughs(session))


def _validate_where(
    session: Session, form: SearchForm, crit: Criteria, errors: dict[str, str]
) -> None:
    """The drawn area, the borough and the place, each becoming an area the track must enter."""
    if form.area:
        try:
            crit.areas.append(geo.Area("drawn area", (tuple(geo.parse_area(form.area)),)))
        except geo.AreaError as exc:
            errors["area"] = str(exc).capitalize()
    if not (form.area_borough or form.place):
        return
    known = place_list(session)
    if form.area_borough:
        found = organisation.find_borough(session, form.area_borough[:64])  # a GSS code
        by_name = found.name if found else form.area_borough[:64]
        place = places.find((p for p in known if p.kind == "borough"), by_name)
        if place is None:
            errors["area_borough"] = f"There is no borough called {form.area_borough[:64]!r}"
        else:
            crit.areas.append(places.area_of(place))
    if form.place:
        place = places.find(known, form.place[:120])
        if place is None:
            errors["place"] = (
                f"{form.place[:64]!r} is not in the place list: choose a borough, BCU, "
                "inner or outer London, or a station"
            )
        else:
            crit.areas.append(places.area_of(place))
