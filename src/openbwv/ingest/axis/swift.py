"""The Swift endpoints an Axis body worn system calls (the HTTP layer only).

`GET /auth/v1.0` exchanges the device credential for an X-Auth-Token; every other endpoint needs
that token (401 without), for the account it was issued for (403 otherwise). These endpoints do
not take bearer tokens: the body worn system speaks Swift, not the openbwv API.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from anyio import to_thread
from fastapi import APIRouter, Request, Response

from openbwv.access.http import client_ip
from openbwv.db.session import read_only_unit_of_work, unit_of_work
from openbwv.ingest.axis import auth, errors, registry, service
from openbwv.ingest.axis import meta as metadata
from openbwv.ingest.axis.auth import Device
from openbwv.ingest.axis.clips import store_clip
from openbwv.ingest.axis.models import ContainerKind, ObjectKind
from openbwv.ingest.axis.names import WELL_KNOWN, container_kind, object_kind
from openbwv.ingest.axis.objects import plan_upload
from openbwv.ingest.axis.receive import check_etag, check_space, receive, slots
from openbwv.ingest.axis.responses import empty, guarded
from openbwv.ingest.axis.settings import get_axis_settings
from openbwv.ingest.axis.sidecars import store_sidecar
from openbwv.ingest.axis.views import account_view, container_view, object_view
from openbwv.timeutil import utcnow

router = APIRouter(tags=["Axis content destination (Swift)"])
OBJECT_PATH = "/v1/{account}/{container}/{object_name:path}"


def _header(request: Request, *names: str) -> str:
    for name in names:
        value = request.headers.get(name)
        if value:
            return value
    return ""


def _sign_in(request: Request) -> tuple[str, str, Any] | None:
    user = _header(request, "x-auth-user", "x-storage-user")
    key = _header(request, "x-auth-key", "x-storage-pass", "auth-key")
    with unit_of_work() as session:
        signed_in = service.sign_in(session, user, key, client_ip(request))
    if signed_in is None:
        return None
    token, expires, device = signed_in
    return token, device.account, expires


@router.get(
    "/auth/v1.0",
    summary="Swift v1 auth: device credential → X-Auth-Token",
    responses={
        401: {
            "description": "Unknown device credential (an empty body, as Swift answers)",
            "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
            "content": {},
        }
    },
)
async def sign_in(request: Request) -> Response:
    result = await to_thread.run_sync(_sign_in, request)
    if result is None:
        return empty(401, {"WWW-Authenticate": 'Swift realm="openbwv"'})
    token, account, expires = result
    base = get_axis_settings().public_url or str(request.base_url)
    return empty(
        200,
        {
            "X-Auth-Token": token,
            "X-Storage-Token": token,
            "X-Storage-Url": f"{base.rstrip('/')}/v1/{auth.ACCOUNT_PREFIX}{quote(account)}",
            "X-Auth-Token-Expires": str(int((expires - utcnow()).total_seconds())),
        },
    )


def _device(request: Request, account: str) -> Device:
    # Read-only: every request resolves its token, and on SQLite a writing transaction would
    # queue for the write lock behind the uploads' (profiled: most of this step's time).
    with read_only_unit_of_work() as session:
        device = auth.resolve(session, request.headers.get("x-auth-token"))
    if device is None:
        raise errors.unauthorised("send a valid X-Auth-Token (GET /auth/v1.0 gives one)")
    if account != auth.ACCOUNT_PREFIX + device.account:
        raise errors.forbidden("the token is not valid for this account")
    request.state.principal = device.principal
    return device


async def _authed(
    request: Request,
    account: str,
    action: str,
    handler: Callable[[Device], Awaitable[Response]],
) -> Response:
    async def run() -> Response:
        device = await to_thread.run_sync(_device, request, account)
        return await handler(device)

    return await guarded(request, action, lambda: getattr(request.state, "principal", None), run)


def _meta(request: Request, prefix: str, lenient: bool) -> metadata.ParsedMeta:
    return metadata.parse(request.headers.items(), prefix, lenient=lenient)


async def account_route(account: str, request: Request) -> Response:
    async def handle(device: Device) -> Response:
        return await to_thread.run_sync(account_view, request, device)

    return await _authed(request, account, "axis.read", handle)


async def container_route(account: str, container: str, request: Request) -> Response:
    async def handle(device: Device) -> Response:
        if request.method in ("GET", "HEAD"):
            return await to_thread.run_sync(container_view, request, device, container)
        if request.method == "DELETE":
            raise errors.forbidden("nothing a device stored can be deleted")
        lenient = container_kind(container) == ContainerKind.REJECTED
        update = _meta(request, metadata.CONTAINER_PREFIX, lenient)
        return await to_thread.run_sync(_write_container, request, device, container, update)

    return await _authed(request, account, f"axis.container.{request.method.lower()}", handle)


def _write_container(
    request: Request, device: Device, name: str, update: metadata.ParsedMeta
) -> Response:
    with unit_of_work() as session:
        result = service.write_container(
            session, device, request.method, name, update, client_ip(request)
        )
    if request.method == "POST":
        return empty(204)
    return empty(201 if result.created else 202)


async def object_route(
    account: str, container: str, object_name: str, request: Request
) -> Response:
    async def handle(device: Device) -> Response:
        if request.method in ("GET", "HEAD"):
            return await to_thread.run_sync(object_view, request, device, container, object_name)
        if request.method == "DELETE":
            raise errors.forbidden("nothing a device stored can be deleted")
        if container in WELL_KNOWN:
            return await _write_entity(request, device, container, object_name)
        if request.method == "POST":
            return await to_thread.run_sync(_post_object, request, device, container, object_name)
        return await _put_object(request, device, container, object_name)

    return await _authed(request, account, f"axis.object.{request.method.lower()}", handle)


async def _write_entity(request: Request, device: Device, container: str, name: str) -> Response:
    update = _meta(request, metadata.OBJECT_PREFIX, lenient=False)
    body = None
    if request.method == "PUT":
        received = await receive(request, to_file=False, limit=registry.MAX_ENTITY_BODY)
        check_etag(request, received)
        body = received.data

    def store() -> Response:
        with unit_of_work() as session:
            entity = service.write_entity(
                session,
                device,
                request.method,
                container,
                name,
                update.values,
                body,
                client_ip(request),
            )
            md5 = entity.md5
        if request.method == "POST":
            return empty(202)
        return empty(201, {"ETag": md5})

    return await to_thread.run_sync(store)


def _post_object(request: Request, device: Device, container: str, name: str) -> Response:
    lenient = container_kind(container) == ContainerKind.REJECTED
    update = _meta(request, metadata.OBJECT_PREFIX, lenient)
    with unit_of_work() as session:
        service.update_object(session, device, container, name, update, client_ip(request))
    return empty(202)


async def _put_object(request: Request, device: Device, container: str, name: str) -> Response:
    lenient = container_kind(container) == ContainerKind.REJECTED
    update = _meta(request, metadata.OBJECT_PREFIX, lenient)
    kind = object_kind(name, update.values)
    with slots.take():
        length = request.headers.get("content-length")
        await to_thread.run_sync(check_space, int(length) if length and length.isdigit() else None)

        plan = await to_thread.run_sync(plan_upload, device, container, name, update, kind)
        received = await receive(request, to_file=plan.to_file, limit=plan.limit)
        check_etag(request, received)
        if plan.to_file:
            if plan.kind != ObjectKind.CLIP:  # rejected content of another kind: still kept
                plan.kind = ObjectKind.CLIP
            stored = await to_thread.run_sync(store_clip, plan, received)
        else:
            stored = await to_thread.run_sync(store_sidecar, plan, received)
    headers = {"ETag": stored.md5}
    if stored.evidence_id is not None:
        headers["X-Openbwv-Evidence-Id"] = str(stored.evidence_id)
    return empty(201, headers)


SWIFT_METHODS = ("GET", "HEAD", "PUT", "POST", "DELETE")
for _path, _endpoint, _methods, _what in (
    ("/v1/{account}", account_route, ("GET", "HEAD"), "account"),
    ("/v1/{account}/{container}", container_route, SWIFT_METHODS, "container"),
    (OBJECT_PATH, object_route, SWIFT_METHODS, "object"),
):
    for _method in _methods:  # one route per method: each its own OpenAPI operation
        router.add_api_route(
            _path,
            _endpoint,
            methods=[_method],
            name=f"swift_{_what}_{_method.lower()}",
            summary=f"{_method} {_what} (Swift)",
        )

__all__ = ["router"]
