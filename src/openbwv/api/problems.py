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
