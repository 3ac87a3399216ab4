"""The search page and saved searches. Results and counts come only from what the access policy
lets the person view; every search is recorded as "evidence.search" with its criteria."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from openbwv.access.policy import roles
from openbwv.access.principal import Principal
from openbwv.api.context import Client
from openbwv.api.problems import Problem
from openbwv.cases.queries import find_visible, item_ids
from openbwv.db.session import unit_of_work
from openbwv.evidence import presenters
from openbwv.evidence import queries as evidence
from openbwv.evidence import service as evidence_service
from openbwv.evidence.errors import BadCursor
from openbwv.evidence.models import DerivativeKind
from openbwv.evidence.presenters import CategoryView
from openbwv.evidence.search import queries, service
from openbwv.evidence.search.criteria import queries as criteria_queries
from openbwv.evidence.search.errors import SavedSearchError
from openbwv.evidence.search.matchers import hits_for
from openbwv.evidence.search.schemas import Results, SearchForm
from openbwv.evidence.views import is_htmx
from openbwv.web.auth import Viewer
from openbwv.web.mapview import area_map, tile_layer
from openbwv.web.render import render

if TYPE_CHECKING:
    from openbwv.cases.models import Case

router = APIRouter(include_in_schema=False)


def _add_to_case(session: Session, principal: Principal, case_id: str | None) -> Case | None:
    """The case results can be added to (`?add_to=`), when the person may link to it."""
    if not case_id or not principal.can(roles.LINK):
        return None
    return find_visible(session, principal, case_id)


def _form_context(
    request: Request,
    session: Session,
    principal: Principal,
    catalogue: dict[str, CategoryView] | None = None,
) -> dict[str, Any]:
    catalogue = catalogue if catalogue is not None else evidence.category_catalogue(session)
    return {
        "boroughs": sorted(evidence.borough_names(session).items(), key=lambda pair: pair[1]),
        "catalogue": list(catalogue.values()),
        "saved": queries.saved_for(session, principal.user_id) if principal.user_id else [],
        "map": area_map(),
        "tiles": tile_layer(request),
        "places": criteria_queries.place_list(session),
    }


@router.get("/search")
def search_page(
    request: Request,
    client: Client,
    principal: Viewer,
    cursor: str | None = None,
    add_to: str | None = None,
) -> HTMLResponse:
    form = SearchForm.from_params(request.query_params)
    results: Results | None = None
    with unit_of_work() as session:
        criteria, errors = criteria_queries.validate(session, principal, form)
        if not errors:
            try:
                # The page draws no tracks: not loaded (the evidence page draws its map).
                results = queries.run(
                    session, principal, criteria, cursor=cursor, with_tracks=False
                )
            except BadCursor:
                errors["cursor"] = "That page link is not valid any more: search again"
        catalogue = evidence.category_catalogue(session)
        rows = evidence.cards(session, results.items, catalogue) if results else []
        groups = presenters.group_cards(results.recordings, rows) if results else []
        details = {
            "page": "search",
            "criteria": form.as_details(),
            "returned": len(rows),
            "recordings": len(groups),
            "next_page": bool(cursor),
            "refused": sorted(errors),
        }
        evidence_service.record_search(session, principal, client.ip, details)
        pictured = [r.id for r in rows if r.item.derivative(DerivativeKind.POSTER)]
        pictures = evidence_service.record_thumbnail_batch(
            session, principal, pictured, client.ip, "search"
        )
        hits = hits_for(session, principal, [r.id for r in rows], criteria.text) if rows else {}
        context = _form_context(request, session, principal, catalogue)
        case = _add_to_case(session, principal, add_to)
        context.update(
            title="Search",
            form=form,
            errors=errors,
            results=results,
            rows=rows,
            groups=groups,
            pictures=pictures,
            cursor=cursor,
            add_to=case,
            linked=set(item_ids(session, case)) if case else set(),
            uncategorised=queries.UNCATEGORISED,
            count_cap=queries.COUNT_CAP,
            hits=hits,
        )
    return render(request, "search.html", context, status_code=422 if errors else 200)


def _saved_list(request: Request, principal: Principal, error: str | None = None) -> Response:
    with unit_of_work() as session:
        searches = queries.saved_for(session, principal.user_id) if principal.user_id else []
    return render(
        request,
        "_saved_searches.html",
        {"saved": searches, "saved_error": error, "form": SearchForm()},
    )


def _clean_query(query: str) -> str:
    """Keep only the search form's own fields (never a cursor or anything else)."""
    form = SearchForm.from_params(dict(parse_qsl(query[: service.MAX_QUERY])))
    return form.query_string()


@router.post("/search/saved")
def save_search(
    request: Request,
    client: Client,
    principal: Viewer,
    name: Annotated[str, Form(max_length=1000)] = "",
    query: Annotated[str, Form(max_length=10_000)] = "",
) -> Response:
    if principal.user_id is None:
        raise Problem(403, "Not available", "saved searches belong to people, not tokens")
    cleaned = _clean_query(query)
    error = None
    with unit_of_work() as session:
        try:
            with session.begin_nested():
                service.save_search(session, principal, principal.user_id, name, cleaned, client.ip)
        except SavedSearchError as exc:
            error = exc.detail.capitalize()
    if not is_htmx(request):
        if error:
            raise Problem(422, "Not saved", error)
        return RedirectResponse(f"/search?{cleaned}", status_code=303)
    return _saved_list(request, principal, error)


@router.post("/search/saved/{saved_id}/delete")
def delete_search(saved_id: str, request: Request, client: Client, principal: Viewer) -> Response:
    if principal.user_id is None:
        raise Problem(403, "Not available", "saved searches belong to people, not tokens")
    with unit_of_work() as session:
        service.delete_search(session, principal, principal.user_id, saved_id, client.ip)
    if not is_htmx(request):
        return RedirectResponse("/search", status_code=303)
    return _saved_list(request, principal)
