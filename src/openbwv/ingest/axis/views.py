"""HEAD and GET: what a body worn system (or a Swift client) may read back.

System objects (its system id, Capabilities.json, Categories.json), Users/ and Devices/ objects
are served with their metadata and MD5 ETag. Objects of recordings can be inspected with HEAD
(metadata, size, ETag: enough to see that an upload landed) but not read: device credentials
cannot take evidence back out (GET is 403).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response

from openbwv.access.http import client_ip
from openbwv.db.session import unit_of_work
from openbwv.ingest.axis import errors, queries, registry, service
from openbwv.ingest.axis import meta as metadata
from openbwv.ingest.axis.auth import Device
from openbwv.ingest.axis.models import AxisContainer, ContainerKind
from openbwv.ingest.axis.names import SYSTEM, WELL_KNOWN
from openbwv.ingest.axis.recordings import object_stats
from openbwv.ingest.axis.registry import Served
from openbwv.ingest.axis.responses import empty, listing, serve, timestamp
from openbwv.timeutil import utcnow


def _read(session: Any, device: Device, request: Request) -> None:
    service.record_read(session, device, request.url.path, request.method, client_ip(request))


def account_view(request: Request, device: Device) -> Response:
    with unit_of_work() as session:
        names = queries.container_names(session, device.account)
        _read(session, device, request)
    names = sorted(set(names) | set(WELL_KNOWN))
    headers = {"X-Account-Container-Count": str(len(names)), "X-Timestamp": timestamp(utcnow())}
    if request.method == "HEAD":
        return empty(204, headers)
    response = listing(request, [{"name": n} for n in names])
    response.headers.update(headers)
    return response


def _rows(session: Any, device: Device, name: str, container: AxisContainer | None) -> list[Any]:
    if name in WELL_KNOWN:
        rows = [
            {"name": e.name, "bytes": len(e.body), "hash": e.md5}
            for e in queries.entities(session, device.account, name)
        ]
        if name == SYSTEM:
            for published in registry.PUBLISHED:
                served = registry.published(session, published)
                assert served is not None
                rows.append({"name": published, "bytes": len(served.body), "hash": served.md5})
        return sorted(rows, key=lambda r: r["name"])
    assert container is not None
    latest: dict[str, Any] = {}
    for obj in queries.objects(session, container.id):
        latest[obj.name] = {"name": obj.name, "bytes": obj.size_bytes, "hash": obj.md5}
    return [latest[k] for k in sorted(latest)]


def container_view(request: Request, device: Device, name: str) -> Response:
    with unit_of_work() as session:
        container = queries.find_container(session, device.account, name)
        if container is None and name not in WELL_KNOWN:
            raise errors.not_found(f"no container {name!r}")
        rows = _rows(session, device, name, container)
        meta = dict(container.meta) if container else {}
        if container is not None and container.kind in (
            ContainerKind.RECORDING,
            ContainerKind.REJECTED,
        ):
            count, used = object_stats(session, container)
        else:
            count, used = len(rows), sum(int(r["bytes"]) for r in rows)
        _read(session, device, request)
    headers = {
        "X-Container-Object-Count": str(count),
        "X-Container-Bytes-Used": str(used),
        "X-Timestamp": timestamp(container.created_at if container else utcnow()),
        **metadata.render(meta, metadata.CONTAINER_PREFIX),
    }
    if request.method == "HEAD":
        return empty(204, headers)
    response = listing(request, rows)
    response.headers.update(headers)
    return response


def _entity(session: Any, device: Device, container: str, name: str) -> Served:
    if container == SYSTEM:
        published = registry.published(session, name)
        if published is not None:
            return published
    served = registry.served_entity(session, device.account, container, name)
    if served is None:
        raise errors.not_found(f"no object {container}/{name}")
    return served


def _inspected(session: Any, device: Device, container: str, name: str) -> tuple[Served, int]:
    """An object of a recording, without its bytes: (metadata and ETag, size)."""
    found = queries.find_container(session, device.account, container)
    objects = queries.versions(session, found.id, name) if found is not None else []
    if not objects:
        raise errors.not_found(f"no object {name!r} in {container!r}")
    latest = objects[-1]
    served = Served(b"", latest.content_type, dict(latest.meta), latest.md5, latest.created_at)
    return served, latest.size_bytes


def object_view(request: Request, device: Device, container: str, name: str) -> Response:
    if container not in WELL_KNOWN and request.method == "GET":
        raise errors.forbidden("recordings are evidence: device credentials cannot read them")
    with unit_of_work() as session:
        if container in WELL_KNOWN:
            served, size = _entity(session, device, container, name), None
        else:
            served, size = _inspected(session, device, container, name)
        _read(session, device, request)
    if size is None:
        return serve(request, served)
    response = serve(request, served)
    response.headers["Content-Length"] = str(size)
    return response
