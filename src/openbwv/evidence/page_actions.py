"""What the evidence pages change: notes, markers, categories, tags, the title and case links.

Each is a form that works without script (post, then back to the page) and, with htmx, swaps in
the updated section. Every change is authorised by the policy and audited (see
`evidence.annotate`); a cookie-signed-in browser must send the CSRF token.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from openbwv.access.http import client_ip
from openbwv.access.policy import roles
from openbwv.access.policy.queries import authorize_item, can_on_item
from openbwv.access.principal import Principal
from openbwv.api.problems import Problem
from openbwv.cases import service as cases
from openbwv.cases.models import Case
from openbwv.db.session import unit_of_work
from openbwv.evidence import annotate, presenters
from openbwv.evidence.categorising import UnknownCategory
from openbwv.evidence.models import EvidenceItem
from openbwv.evidence.notes import AnnotationError, split_tags
from openbwv.evidence.views import is_htmx, section_context
from openbwv.web.auth import Viewer
from openbwv.web.render import render

router = APIRouter(include_in_schema=False)
Change = Callable[[Session, EvidenceItem], Any]
LONG_TEXT = 20_000  # generous at the form layer; the service says what the real limit is


class LinkError(ValueError):
    pass


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
    """Authorise, change, audit; answer with the section (htmx) or go back to the page."""
    error: str | None = None
    with unit_of_work() as session:
        item = authorize_item(session, principal, evidence_id, permission)
        try:
            with session.begin_nested():
                change(session, item)
        except (AnnotationError, UnknownCategory, LinkError) as exc:
            error = str(exc)
            error = error[:1].upper() + error[1:]
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
    catalogue = presenters.category_catalogue(session)
    card = presenters.cards(session, [item], catalogue)[0] if visible else None
    return render(
        request,
        "_footage_row.html",
        {
            "row": card,
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


@router.post("/evidence/{evidence_id}/notes")
def post_note(
    evidence_id: str,
    request: Request,
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
        lambda s, item: annotate.add_note(s, principal, item, text, client_ip(request)),
        "Note added",
        context,
    )


@router.post("/evidence/{evidence_id}/markers")
def post_marker(
    evidence_id: str,
    request: Request,
    principal: Viewer,
    label: Annotated[str, Form(max_length=LONG_TEXT)] = "",
    offset: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    def change(session: Session, item: EvidenceItem) -> None:
        seconds = annotate.parse_offset(offset)
        annotate.add_user_marker(session, principal, item, label, seconds, client_ip(request))

    return _apply(request, principal, evidence_id, roles.EDIT, "markers", change, "Marker added")


@router.post("/evidence/{evidence_id}/categories")
def post_categories(
    evidence_id: str,
    request: Request,
    principal: Viewer,
    categories: Annotated[list[str] | None, Form()] = None,
    context: Annotated[str, Form()] = "page",
) -> Response:
    wanted = [c for c in categories or [] if c]

    def change(session: Session, item: EvidenceItem) -> None:
        annotate.set_categories(session, principal, item, wanted, client_ip(request))

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
    principal: Viewer,
    tags: Annotated[str, Form(max_length=LONG_TEXT)] = "",
) -> Response:
    def change(session: Session, item: EvidenceItem) -> None:
        annotate.set_tags(session, principal, item, split_tags(tags), client_ip(request))

    return _apply(request, principal, evidence_id, roles.EDIT, "tags", change, "Tags saved")


@router.post("/evidence/{evidence_id}/title")
def post_title(
    evidence_id: str,
    request: Request,
    principal: Viewer,
    title: Annotated[str, Form(max_length=LONG_TEXT)] = "",
) -> Response:
    def change(session: Session, item: EvidenceItem) -> None:
        annotate.set_title(session, principal, item, title, client_ip(request))

    return _apply(request, principal, evidence_id, roles.EDIT, "title", change, "Title saved")


@router.post("/evidence/{evidence_id}/cases")
def post_case_link(
    evidence_id: str,
    request: Request,
    principal: Viewer,
    crime_reference: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    reference = crime_reference.strip()

    def change(session: Session, item: EvidenceItem) -> None:
        case = session.scalar(
            select(Case).where(Case.crime_reference == reference, cases.visible_cases(principal))
        )
        if case is None:
            raise LinkError(f"no case you can see has the crime reference {reference[:40]!r}")
        cases.link_item(session, principal, case, item.id, source_ip=client_ip(request))
        session.flush()

    return _apply(request, principal, evidence_id, roles.LINK, "cases", change, "Linked")
