"""The OpenAPI description, made true about errors: every operation documents its problem
answers (`application/problem+json`, the `Problem` schema) — 401 and 403 where it
authenticates, 404 where its path names something, 422 where it takes input, the specific ones
its router declares (`problems.documented`), and any other status as the `default` problem — and
names how it authenticates (a bearer token or the signed-in browser's session cookie)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from openbwv.access.deps import optional_principal, require_principal
from openbwv.access.signin.sessions import COOKIE
from openbwv.api.problems import DESCRIPTIONS, PROBLEM_SCHEMA, problem_content

SECURITY_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer", "description": "an API token"},
    "session": {
        "type": "apiKey",
        "in": "cookie",
        "name": COOKIE,
        "description": "a signed-in browser (changes also need the X-CSRF-Token header)",
    },
}
SIGNED_IN: list[dict[str, list[str]]] = [{"bearer": []}, {"session": []}]
UNUSED = ("HTTPValidationError", "ValidationError")


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for dependency in dependant.dependencies:
        if dependency.call is not None:
            yield dependency.call
        yield from _calls(dependency)


def _authentication(route: APIRoute) -> str | None:
    """ "required", "optional" (public, but a presented credential is checked) or None."""
    calls = set(_calls(route.dependant))
    if require_principal in calls:
        return "required"
    if optional_principal in calls:
        return "optional"
    return None


def _problem(status: int) -> dict[str, Any]:
    return {"description": DESCRIPTIONS.get(status, "Error"), "content": problem_content()}


def _describe(operation: dict[str, Any], route: APIRoute) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    auth = _authentication(route)
    wanted: list[int] = []
    if auth is not None:
        wanted.append(401)
        operation["security"] = SIGNED_IN if auth == "required" else [{}, *SIGNED_IN]
    if auth == "required":
        wanted.append(403)
    if route.dependant.path_params:
        wanted.append(404)
    takes_input = bool(
        route.dependant.query_params
        or route.dependant.header_params
        or route.dependant.cookie_params
        or route.dependant.path_params
        or route.dependant.body_params
        or operation.get("parameters")
        or operation.get("requestBody")
    )
    if takes_input:
        wanted.append(422)
    for wanted_status in wanted:
        responses.setdefault(str(wanted_status), _problem(wanted_status))
    head = "HEAD" in (route.methods or ())  # a HEAD answer never has a body
    for status, entry in responses.items():
        if status[:1] not in "45":
            continue
        if head:
            entry.pop("content", None)
        elif entry.get("content") != {}:  # `content: {}` declares an empty body
            entry["content"] = problem_content()  # FastAPI's 422 (HTTPValidationError) is not ours
    responses["default"] = {"description": "Any other error, as problem details"}
    if not head:
        responses["default"]["content"] = problem_content()


def describe(schema: dict[str, Any], routes: Iterable[APIRoute]) -> dict[str, Any]:
    components = schema.setdefault("components", {})
    components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    components["securitySchemes"] = SECURITY_SCHEMES
    paths = schema.get("paths", {})
    for route in routes:
        if not route.include_in_schema:
            continue
        for method in route.methods or ():
            operation = paths.get(route.path_format, {}).get(method.lower())
            if operation is not None:
                _describe(operation, route)
    for name in UNUSED:
        unused = components["schemas"].pop(name, None)
        if unused is not None and f'/{name}"' in json.dumps(schema):
            components["schemas"][name] = unused  # still referenced: keep it
    return schema


def install(app: FastAPI, routes: Iterable[APIRoute]) -> None:
    """`routes`: every API route the routers hold (`app.routes` holds included routers, not
    their routes)."""
    unique = list({id(route): route for route in routes}.values())

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                openapi_version=app.openapi_version,
                summary=app.summary,
                description=app.description,
                routes=app.routes,
            )
            app.openapi_schema = describe(schema, unique)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
