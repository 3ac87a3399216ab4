"""The search as JSON: the search page's criteria (words, officer, camera, borough, time,
category, case, tag, notes, markers) and its three kinds of area (corners drawn or typed, a
borough, a place from the place list), through the same access policy and audit record."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from openbwv.access.deps import require_principal
from openbwv.access.principal import Principal
from openbwv.api.context import Client
from openbwv.api.problems import Problem
from openbwv.db.session import read_only_unit_of_work
from openbwv.evidence.api import evidence_out, item_urls, record_search
from openbwv.evidence.recordings.queries import visible_clips
from openbwv.evidence.search import queries
from openbwv.evidence.search.criteria import queries as criteria_queries
from openbwv.evidence.search.matchers import hits_for
from openbwv.evidence.search.schemas import (
    PlaceBorough,
    PlaceOut,
    SearchForm,
    SearchPage,
    TextHitOut,
)

router = APIRouter(prefix="/api/v1/search", tags=["search"])
Authed = Annotated[Principal, Depends(require_principal)]
Text = Annotated[str, Query(max_length=4000)]
WHEN = "RFC 3339 with an offset, or London wall time without one (2026-06-15T10:30)"


@router.get("", response_model=SearchPage, summary="Search evidence, newest first")
def search(
    request: Request,
    client: Client,
    principal: Authed,
    text: Text = "",
    officer: Text = "",
    camera: Text = "",
    borough: Annotated[str, Query(max_length=9, description="owning borough (GSS code)")] = "",
    start: Annotated[str, Query(max_length=64, description=f"recorded at or after: {WHEN}")] = "",
    end: Annotated[str, Query(max_length=64, description=f"recorded before: {WHEN}")] = "",
    category: Text = "",
    case: Annotated[str, Query(max_length=64, description="crime reference")] = "",
    tag: Text = "",
    has_notes: bool = False,
    has_markers: bool = False,
    area: Annotated[
        str, Query(max_length=4000, description="polygon: 'lon,lat; lon,lat; …' (3-100 corners)")
    ] = "",
    area_borough: Annotated[
        str, Query(max_length=64, description="a borough the track passes through (name or code)")
    ] = "",
    place: Annotated[
        str, Query(max_length=120, description="a name from GET /api/v1/search/places")
    ] = "",
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> SearchPage:
    form = SearchForm.from_params(
        {
            "text": text,
            "officer": officer,
            "camera": camera,
            "borough": borough,
            "start": start,
            "end": end,
            "category": category,
            "case": case,
            "tag": tag,
            "has_notes": "1" if has_notes else "",
            "has_markers": "1" if has_markers else "",
            "area": area,
            "area_borough": area_borough,
            "place": place,
        }
    )
    with read_only_unit_of_work() as session:  # recorded before answering: `record_search`
        criteria, errors = criteria_queries.validate(session, principal, form)
        if errors:
            detail = "; ".join(f"{name}: {message}" for name, message in errors.items())
            raise Problem(422, "Invalid search", detail, errors=errors)
        results = queries.run(session, principal, criteria, cursor=cursor, limit=limit)
        keys = {item.recording_key for item in results.items if item.recording_key}
        clips = visible_clips(session, principal, keys)
        url_of = item_urls(request)
        items = [evidence_out(request, item, clips, url_of) for item in results.items]
        hits = hits_for(session, principal, [i.id for i in results.items], criteria.text)
    details = {"page": "api", "criteria": form.as_details(), "returned": len(items)}
    record_search(client, principal, details)
    return SearchPage(
        items=items,
        limit=limit,
        next_cursor=results.next_cursor,
        count=results.count,
        count_capped=results.count_capped,
        scanned_out=results.scanned_out,
        hits={
            str(item_id): [
                TextHitOut(seconds=h.seconds, snippet=h.snippet, source=h.source) for h in found
            ]
            for item_id, found in hits.items()
        },
    )


@router.get("/places", response_model=list[PlaceOut], summary="The places an area search takes")
def list_places(principal: Authed) -> list[PlaceOut]:
    with read_only_unit_of_work() as session:
        found = criteria_queries.place_list(session)
    return [
        PlaceOut(
            name=p.name,
            kind=p.kind,
            label=p.label,
            boroughs=[PlaceBorough(gss_code=b.gss_code, name=b.name) for b in p.boroughs],
        )
        for p in found
    ]
