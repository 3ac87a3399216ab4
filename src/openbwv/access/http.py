"""HTTP glue for the policy: refusals become problem details and are written to the audit log."""

from __future__ import annotations

from urllib.parse import quote

from anyio import to_thread
from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from openbwv.access.deps import PasswordChangeRequired
from openbwv.access.errors import AccessDenied
from openbwv.access.principal import Principal
from openbwv.api.problems import problem_response
from openbwv.audit.events import DENIED, record
from openbwv.db.session import unit_of_work


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def install(app: FastAPI) -> None:
    @app.exception_handler(AccessDenied)
    async def _denied(request: Request, exc: AccessDenied) -> Response:
        principal: Principal | None = getattr(request.state, "principal", None)
        await to_thread.run_sync(record_refusal, request, principal, exc)
        title = "Not found" if exc.status == 404 else "Forbidden"
        return problem_response(
            exc.status, title, exc.detail, instance=request.url.path, request=request
        )

    @app.exception_handler(PasswordChangeRequired)
    async def _change_password_first(request: Request, exc: PasswordChangeRequired) -> Response:
        if request.url.path.startswith("/api/"):
            return problem_response(
                exc.status, exc.title, exc.detail, instance=request.url.path, request=request
            )
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        # The change-password page, or for an external account the second-factor enrolment.
        location = f"{exc.page}?next={quote(target, safe='/')}"
        if request.headers.get("hx-request"):
            return Response(status_code=204, headers={"HX-Redirect": location})
        return RedirectResponse(location, status_code=303)


def record_refusal(request: Request, principal: Principal | None, exc: AccessDenied) -> None:
    """A refusal in the audit log, in its own unit of work (also for pages that answer a refusal
    themselves, as the item page does when it offers break glass)."""
    with unit_of_work() as session:  # the refused action rolled back; its record must not
        record(
            session,
            principal,
            exc.action,
            evidence_id=exc.evidence_id,
            target_type="evidence" if exc.target else None,
            target_id=exc.target,
            result=DENIED,
            source_ip=client_ip(request),
            details={"path": request.url.path, "method": request.method},
        )
