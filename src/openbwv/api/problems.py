"""Errors as RFC 9457 problem details (`application/problem+json`)."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from openbwv.errors import DomainError
from openbwv.logging import get_logger

log = get_logger(__name__)
PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://openbwv.org/problems/"


class Problem(Exception):
    """Raise anywhere in a request to answer with problem details."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        *,
        type_: str | None = None,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.type = type_ or "about:blank"
        self.headers = headers or {}
        self.extensions = extensions


# Pages (outside /api/ and /auth/) get an HTML error page from the web layer when it is installed.
html_renderer: Callable[[Request, int, str, str | None], Response] | None = None


def _wants_html(request: Request | None) -> bool:
    if request is None or html_renderer is None:
        return False
    path = request.url.path
    api = path.startswith(("/api/", "/auth/", "/v1/", "/static/"))
    return not api and "text/html" in request.headers.get("accept", "")


def problem_response(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    type_: str = "about:blank",
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    request: Request | None = None,
    **extensions: Any,
) -> Response:
    if _wants_html(request) and html_renderer is not None and request is not None:
        page = html_renderer(request, status, title, detail)
        for name, value in (headers or {}).items():
            page.headers[name] = value
        return page
    body: dict[str, Any] = {"type": type_, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    body.update(extensions)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> Response:
        return problem_response(
            exc.status,
            exc.title,
            exc.detail,
            type_=exc.type,
            instance=request.url.path,
            request=request,
            headers=exc.headers,
            **exc.extensions,
        )

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        return problem_response(
            exc.status,
            exc.title,
            exc.detail,
            instance=request.url.path,
            request=request,
            headers=exc.headers or None,
            **exc.extensions,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        try:
            title = HTTPStatus(exc.status_code).phrase
        except ValueError:
            title = "Error"
        detail = exc.detail if isinstance(exc.detail, str) and exc.detail != title else None
        return problem_response(
            exc.status_code,
            title,
            detail,
            instance=request.url.path,
            request=request,
            headers=dict(exc.headers) if exc.headers else None,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error", path=request.url.path)
        return problem_response(
            500,
            "Internal Server Error",
            "the server failed; the error is logged",
            instance=request.url.path,
            request=request,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {"loc": [str(part) for part in error.get("loc", ())], "msg": error.get("msg", "")}
            for error in exc.errors()
        ]
        return problem_response(
            422,
            "Invalid request",
            "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors),
            instance=request.url.path,
            request=request,
            errors=errors,
        )


# --- how problem answers are declared in OpenAPI (the app builder's hook, api/openapi.py, adds
# the common ones to every operation; routers name their specific ones with `documented`) ---

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details; extensions (e.g. `errors`) may follow.",
    "type": "object",
    "properties": {
        "type": {"type": "string", "description": "a URI naming the problem type"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string", "description": "the request path"},
    },
    "required": ["type", "title", "status"],
    "additionalProperties": True,
}
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
ALLOW_HEADER = {
    "description": "the methods this URL answers",
    "schema": {"type": "string"},
}
DESCRIPTIONS = {
    400: "Bad request: a header or value the protocol refuses",
    401: "Authentication required, or the token is unknown, revoked or expired",
    403: "Not allowed for this principal (a recorded refusal), or the CSRF check failed",
    404: "Not found, or not visible to this principal",
    405: "Method not allowed",
    409: "Conflict with the current state",
    410: "Gone",
    412: "Precondition failed (e.g. an unsupported Tus-Resumable version)",
    413: "Too large",
    415: "Unsupported media type",
    422: "Invalid request (the `errors` extension lists each problem)",
    423: "Locked: another request is working on it",
    429: "Too many attempts",
    460: "Checksum mismatch (tus checksum extension)",
}


def problem_content() -> dict[str, Any]:
    return {PROBLEM_JSON: {"schema": PROBLEM_REF}}


def documented(*statuses: int, **extra_headers: dict[str, Any]) -> dict[int | str, Any]:
    """`responses=` entries for an operation's specific problem answers, e.g.
    `responses=documented(409)`; a 405 carries `Allow`."""
    table: dict[int | str, Any] = {}
    for status in statuses:
        entry: dict[str, Any] = {
            "description": DESCRIPTIONS.get(status, "Error"),
            "content": problem_content(),
        }
        headers = dict(extra_headers)
        if status == 405:
            headers["Allow"] = ALLOW_HEADER
        if headers:
            entry["headers"] = headers
        table[status] = entry
    return table
