"""Evidence pages: an item (player, strip, markers, notes, categories, map, details, cases, audit
trail) and "My footage", and what the item pages change (notes, markers, categories, tags, the
title and case links). Every page goes through the access policy and records what it showed.

Each change is a form that works without script (post, then back to the page) and, with htmx,
swaps in the updated section. Every change is authorised by the policy and audited by its
service; a cookie-signed-in browser must send the CSRF token.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from openbwv.access.errors import AccessDenied
from openbwv.access.http import record_refusal
from openbwv.access.policy import roles
from openbwv.access.policy.queries import authorize_item, can_on_item
from openbwv.access.principal import Principal
from openbwv.api.context import Client
from openbwv.api.problems import Problem
from openbwv.audit.queries import latest_for_item
from openbwv.cases import queries as cases
from openbwv.cases import service as case_service
from openbwv.db.session import unit_of_work
from openbwv.errors import DomainError
from openbwv.evidence import presenters, queries, service
from openbwv.evidence.annotations import queries as annotation_queries
from openbwv.evidence.annotations import service as annotate
from openbwv.evidence.errors import AlreadyVisible, NoSuchCase
from openbwv.evidence.models import DerivativeKind, EvidenceItem
from openbwv.evidence.recordings import queries as recording_queries
from openbwv.evidence.schemas import REASON_MAX, REASON_MIN, BreakGlassIn
from openbwv.retention import queries as retention
from openbwv.retention import service as retention_service
from openbwv.retention.evaluation import warning_text
from openbwv.timeutil import utcnow
from openbwv.web.auth import Viewer
from openbwv.web.mapview import tile_layer, track_map
from openbwv.web.render import add_template_dir, render

router = APIRouter(include_in_schema=False)
add_template_dir(Path(__file__).parent / "templates")
TRAIL_ROWS = 50
SPEEDS = (0.25, 0.5, 1.0, 1.5, 2.0, 4.0)
Change = Callable[[Session, EvidenceItem], Any]
LONG_TEXT = 20_000  # generous at the form layer; the service says what the real limit is


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def section_context(session: Session, principal: Principal, item: EvidenceItem) -> dict[str, Any]:
    """Everything the item page's sections need (the htmx partials re-render from this)."""
    catalogue = queries.category_catalogue(session)
    card = queries.cards(session, [item], catalogue)[0]
    return {
        "item": item,
        "card": card,
        "can": presenters.abilities(principal),
        "notes": annotation_queries.notes_for(session, item.id),
        "markers": presenters.marker_rows(item, annotation_queries.markers_for(session, item.id)),
        "catalogue": list(catalogue.values()),
        "current_categories": {c.name for c in card.categories},
        "cases": cases.cases_of_item(session, principal, item.id),
    }


def _officer(session: Session, item: EvidenceItem) -> str:
    if not item.officer_user_id:
        return item.officer or "Unknown officer"
    owner = queries.people(session, {item.officer_user_id})
    return presenters.person_label(owner.get(item.officer_user_id), item.officer)


@router.get("/evidence/{evidence_id}")
def evidence_page(
    evidence_id: str, request: Request, client: Client, principal: Viewer
) -> Response:
    if principal.external:
        # A recipient (CPS, defence) gets the shared item's own page: never the internal trail,
        # notes or navigation of this one (docs/sharing.md).
        return RedirectResponse(f"/shared/items/{quote(evidence_id, safe='')}", status_code=303)
    try:
        with unit_of_work() as session:
            item = service.open_item(
                session, principal, evidence_id, client.ip, details={"page": "evidence"}
            )
            context = _item_context(session, principal, item)
        if context["track"] is not None:
            context["tiles"] = tile_layer(request, context["track"].view_box)
    except AccessDenied as exc:
        if not _offers_break_glass(principal, exc, evidence_id):
            raise
        record_refusal(request, principal, exc)  # recorded as the refusal's handler does
        return _break_glass_form(request, evidence_id, status_code=404)
    return render(request, "evidence.html", context)


def _item_context(session: Session, principal: Principal, item: EvidenceItem) -> dict[str, Any]:
    context = section_context(session, principal, item)
    context.update(
        title=context["card"].heading,
        officer=_officer(session, item),
        team_name=queries.team_name(session, item.team_id),
        technical=presenters.technical(item),
        flags=[(flag, presenters.FLAG_TEXT.get(flag, flag)) for flag in item.flags],
        playable=presenters.playable(item),
        strip=presenters.strip_tiles(item),
        track=track_map(item.gps_track, item.recorded_start),
        frame_rate=float((item.probe or {}).get("frame_rate") or 25),
        speeds=SPEEDS,
        trail=latest_for_item(session, item.id, TRAIL_ROWS),
        siblings=_siblings(session, principal, item),
        # Why it is kept and until when: the same evaluation as the API and the sweep.
        retention=retention.item_retention(session, item.id, utcnow()),
    )
    return context


# --- break glass: an item outside the person's scope, opened with a reason ---------------------


def _offers_break_glass(principal: Principal, exc: AccessDenied, evidence_id: str) -> bool:
    """A refused view of a well-formed id, by someone who may break glass. The form is offered
    for every such 404 alike, so the page tells no more than the API whether the item exists."""
    if exc.status != 404 or not principal.can(roles.BREAK_GLASS) or principal.user_id is None:
        return False
    return _well_formed(evidence_id)


def _well_formed(evidence_id: str) -> bool:
    try:
        uuid.UUID(evidence_id)
    except ValueError:
        return False
    return True


def _break_glass_form(
    request: Request,
    evidence_id: str,
    *,
    reason: str = "",
    error: str | None = None,
    status_code: int,
) -> HTMLResponse:
    return render(
        request,
        "break_glass.html",
        {
            "title": "Not found or outside your scope",
            "evidence_id": str(uuid.UUID(evidence_id)),
            "reason": reason,
            "error": error,
            "hours": service.BREAK_GLASS_HOURS,
            "reason_min": REASON_MIN,
            "reason_max": REASON_MAX,
        },
        status_code=status_code,
    )


@router.post("/evidence/{evidence_id}/break-glass")
def post_break_glass(
    evidence_id: str,
    request: Request,
    client: Client,
    principal: Viewer,
    reason: Annotated[str, Form(max_length=LONG_TEXT)] = "",
) -> Response:
    """The API's break glass (`service.break_glass`: its rules, its audit), from the item page's
    form; then the item. No right to break glass answers as the API does (403, recorded)."""
    reason = reason.strip()
    if principal.can(roles.BREAK_GLASS) and _well_formed(evidence_id):
        try:
            BreakGlassIn(reason=reason)
        except ValidationError:
            error = (
                f"Give the reason you need this item, in {REASON_MIN} to {REASON_MAX} "
                f"characters (you gave {len(reason)})."
            )
            return _break_glass_form(
                request, evidence_id, reason=reason[:REASON_MAX], error=error, status_code=422
            )
    try:
        with unit_of_work() as session:
            opened = service.break_glass(session, principal, evidence_id, reason, client.ip)
            target = opened.evidence_id
    except AlreadyVisible:
        target = uuid.UUID(evidence_id)  # nothing to open: the person can see it already
    except AccessDenied as exc:
        if not _offers_break_glass(principal, exc, evidence_id):
            raise
        record_refusal(request, principal, exc)
        error = "There is no evidence item with this id. Check the id and try again."
        return _break_glass_form(request, evidence_id, reason=reason, error=error, status_code=404)
    return RedirectResponse(f"/evidence/{target}", status_code=303)


FOOTAGE_PAGES = {
    False: {
        "path": "/footage",
        "title": "My footage",
        "lead": "Your recordings, the ones that still need a category first. Set a category "
        "and add a note here, or open a recording to watch it.",
        "empty": "No recordings of yours yet. Footage appears here once your camera has docked "
        "and uploaded.",
    },
    True: {
        "path": "/team",
        "title": "Your team's footage",
        "lead": "Your team's recordings, the ones that still need a category first.",
        "empty": "No recordings from your team yet. They appear here once the team's cameras "
        "have docked and uploaded.",
    },
}


def _footage(
    request: Request, client: Client, principal: Principal, cursor: str | None, team: bool
) -> HTMLResponse:
    if principal.user_id is None:
        raise Problem(403, "Not available", "my footage is for people, not tokens")
    if team and principal.team_id is None:
        raise Problem(404, "No team", "you are not in a team: ask an administrator to add you")
    with unit_of_work() as session:
        found, next_cursor = queries.footage_recordings(session, principal, cursor, team=team)
        uncategorised = queries.uncategorised_count(session, principal, team=team)
        catalogue = queries.category_catalogue(session)
        clips = [clip for recording in found for clip in recording.clips]
        items = queries.cards(session, clips, catalogue)
        groups = presenters.group_cards(
            [(r.key, [clip.id for clip in r.clips]) for r in found], items
        )
        page = "team" if team else "footage"
        details = {
            "page": page,
            "returned": len(items),
            "recordings": len(groups),
            "more": bool(next_cursor),
        }
        service.record_search(session, principal, client.ip, details)
        pictured = [row.id for row in items if row.item.derivative(DerivativeKind.POSTER)]
        pictures = service.record_thumbnail_batch(session, principal, pictured, client.ip, page)
        now = utcnow()
        warned = retention.warnings_for(session, principal, now, team=team)
        retention_service.record_notices(session, principal, warned, now)
    return render(
        request,
        "footage.html",
        {
            **FOOTAGE_PAGES[team],
            "groups": groups,
            "pictures": pictures,
            "uncategorised": uncategorised,
            "retention_warning": warning_text([w.until for w in warned], now),
            "next_cursor": next_cursor,
            "first_page": cursor is None,
            "catalogue": list(catalogue.values()),
            "can": presenters.abilities(principal),
        },
    )


@router.get("/footage")
def footage_page(
    request: Request, client: Client, principal: Viewer, cursor: str | None = None
) -> HTMLResponse:
    return _footage(request, client, principal, cursor, team=False)


@router.get("/team")
def team_footage_page(
    request: Request, client: Client, principal: Viewer, cursor: str | None = None
) -> HTMLResponse:
    """A supervisor's start: the team's recent footage, and how much still needs a category."""
    return _footage(request, client, principal, cursor, team=True)


# --- what the item pages change -----------------------------------------------------------------


def _apply(
    request: Request,
    principal: Principal,
    evidence_id: str,
    permission: str,
    section: str,
    change: Change,
    saved: str,
    context: str = "page",
) -> Response:
    """Authorise, change (the service audits); answer with the section (htmx) or go back to the
    page. A refused change answers with its reason in the section (htmx) or an error page."""
    error: str | None = None
    with unit_of_work() as session:
        item = authorize_item(session, principal, evidence_id, permission)
        try:
            with session.begin_nested():
                change(session, item)
        except DomainError as exc:
            error = exc.detail[:1].upper() + exc.detail[1:]
        if not is_htmx(request):
            if error:
                raise Problem(422, "Not saved", error)
            target = "/footage" if context == "row" else f"/evidence/{item.id}#{section}"
            return RedirectResponse(target, status_code=303)
        if context == "row":
            return _row(request, session, principal, item, error, saved)
        values = section_context(session, principal, item)
    values.update(error=error, status=None if error else saved)
    return render(request, f"_{section}.html", values)


def _row(
    request: Request,
    session: Session,
    principal: Principal,
    item: EvidenceItem,
    error: str | None,
    saved: str,
) -> Response:
    """A row of My footage, after a quick change (it may have left the person's view)."""
    visible = can_on_item(session, principal, item.id, roles.VIEW)
    catalogue = queries.category_catalogue(session)
    card = queries.cards(session, [item], catalogue)[0] if visible else None
    pictured = [item.id] if card and item.derivative(DerivativeKind.POSTER) else []
    pictures = service.record_thumbnail_batch(session, principal, pictured, None, "footage row")
    return render(
        request,
        "_footage_row.html",
        {
            "row": card,
            "clip_label": _clip_label(session, principal, item) if card else None,
            "pictures": pictures,
            "gone_id": item.id,
            "catalogue": list(catalogue.values()),
            "can": {
                "edit": principal.can(roles.EDIT),
                "categorise": principal.can(roles.CATEGORISE),
            },
            "error": error,
            "status": None if error else saved,
        },
    )


def _clip_label(session: Session, principal: Principal, item: EvidenceItem) -> str | None:
    """ "Clip 2 of 3" for a clip of a recording the person sees more of, as its group shows it."""
    clips = [clip.id for clip in _siblings(session, principal, item)]
    if len(clips) < 2 or item.id not in clips:
        return None
    return f"Clip {clips.index(item.id) + 1} of {len(clips)}"


def _siblings(
    session: Session, principal: Principal, item: EvidenceItem
) -> list[recording_queries.ClipRef]:
    """The clips of the item's recording the person may see (itself among them), in order."""
    if not item.recording_key:
        return []
    found = recording_queries.visible_clips(session, principal, [item.recording_key])
    return found.get(item.recording_key, [])


@router.post("/evidence/{evidence_id}/notes")
def post_note(
    evidence_id: str,
    request: Request,
    client: Client,
    principal: Viewer,
    text: Annotated[str, Form(max_length=LONG_TEXT)] = "",
    context: Annotated[str, Form()] = "page",
) -> Response:
    return _apply(
        request,
        principal,
        evidence_id,
        roles.EDIT,
        "notes",
        lambda s, item: annotate.add_note(s, principal, item, text, client.ip),
        "Note added",
        context,
    )


@router.post("/evidence/{evidence_id}/markers")
def post_marker(
    evidence_id: str,
    request: Request,
    client: Client,
    principal: Viewer,
    label: Annotated[str, Form(max_length=LONG_TEXT)] = "",
    offset: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    def change(session: Session, item: EvidenceItem) -> None:
        seconds = annotate.parse_offset(offset)
        annotate.add_user_marker(session, principal, item, label, seconds, client.ip)

    return _apply(request, principal, evidence_id, roles.EDIT, "markers", change, "Marker added")


@router.post("/evidence/{evidence_id}/categories")
def post_categories(
    evidence_id: str,
    request: Request,
    client: Client,
    principal: Viewer,
    categories: Annotated[list[str] | None, Form()] = None,
    context: Annotated[str, Form()] = "page",
) -> Response:
    wanted = [c for c in categories or [] if c]

    def change(session: Session, item: EvidenceItem) -> None:
        service.categorise(session, principal, item, wanted, client.ip)

    return _apply(
        request,
        principal,
        evidence_id,
        roles.CATEGORISE,
        "categories",
        change,
        "Categories saved",
        context,
    )


@router.post("/evidence/{evidence_id}/tags")
def post_tags(
    evidence_id: str,
    request: Request,
    client: Client,
    principal: Viewer,
    tags: Annotated[str, Form(max_length=LONG_TEXT)] = "",
) -> Response:
    def change(session: Session, item: EvidenceItem) -> None:
        annotate.set_tags(session, principal, item, annotate.split_tags(tags), client.ip)

    return _apply(request, principal, evidence_id, roles.EDIT, "tags", change, "Tags saved")


@router.post("/evidence/{evidence_id}/title")
def post_title(
    evidence_id: str,
    request: Request,
    client: Client,
    principal: Viewer,
    title: Annotated[str, Form(max_length=LONG_TEXT)] = "",
) -> Response:
    def change(session: Session, item: EvidenceItem) -> None:
        annotate.set_title(session, principal, item, title, client.ip)

    return _apply(request, principal, evidence_id, roles.EDIT, "title", change, "Title saved")


@router.post("/evidence/{evidence_id}/cases")
def post_case_link(
    evidence_id: str,
    request: Request,
    client: Client,
    principal: Viewer,
    crime_reference: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    reference = crime_reference.strip()

    def change(session: Session, item: EvidenceItem) -> None:
        case = cases.find_by_reference(session, principal, reference)
        if case is None:
            raise NoSuchCase(f"no case you can see has the crime reference {reference[:40]!r}")
        case_service.link_item(session, principal, case, item.id, source_ip=client.ip)
        session.flush()

    return _apply(request, principal, evidence_id, roles.LINK, "cases", change, "Linked")
