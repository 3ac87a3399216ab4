"""The Axis destination's actions: each authorises (a device, by its X-Auth-Token; an
administrator, by permission), changes, records its audit event in the caller's unit of work,
and never commits. The Swift endpoints (`swift`, `views`) call these.

`create_connection_file` is the one way a connection file is made — by the API, the
administration page, `bwv axis connection-file` and the simulator alike.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from openbwv.access.policy import roles
from openbwv.access.policy.queries import require
from openbwv.access.principal import Principal
from openbwv.access.signin.tokens import hash_token
from openbwv.audit.events import DENIED, record
from openbwv.ingest.axis import auth, errors, queries, registry
from openbwv.ingest.axis import meta as metadata
from openbwv.ingest.axis.auth import Device
from openbwv.ingest.axis.connection import (
    CONTAINER_TYPES,
    Connection,
    ConnectionError_,
    create_connection,
)
from openbwv.ingest.axis.crypto import NoPrivateKey
from openbwv.ingest.axis.models import AxisAuthToken, AxisEntity
from openbwv.ingest.axis.names import SYSTEM, NameError_, check_object_name
from openbwv.ingest.axis.objects import update_object_meta
from openbwv.ingest.axis.recordings import ContainerResult, post_container, put_container
from openbwv.ingest.axis.settings import get_axis_settings
from openbwv.timeutil import utcnow

__all__ = [
    "CONTAINER_TYPES",
    "Connection",
    "ConnectionError_",
    "NoPrivateKey",
    "create_connection_file",
]


def create_connection_file(
    session: Session,
    principal: Principal,
    *,
    urls: list[str],
    name: str,
    site_name: str | None = None,
    container_type: str = "mkv",
    encryption: bool = True,
    https_certificates: list[str] | None = None,
    source_ip: str | None = None,
) -> Connection:
    """A new device credential and the connection file that carries it (its secret is in the
    file only). ConnectionError_ when it cannot be made as asked; NoPrivateKey when encryption
    is wanted and the force's key cannot be loaded."""
    require(principal, roles.TOKENS_MANAGE)
    connection = create_connection(
        session,
        urls=urls,
        name=name,
        site_name=site_name,
        container_type=container_type,
        encryption=encryption,
        https_certificates=https_certificates,
    )
    record(
        session,
        principal,
        "axis.connection_file.create",
        target_type="api_token",
        target_id=str(connection.token_id),
        source_ip=source_ip,
        details={
            "name": connection.name,
            "urls": list(urls),
            "encryption": encryption,
            "public_key_id": connection.document.get("PublicKeyId"),
        },
    )
    return connection


# --- a body worn system: signing in, and what it writes outside recordings' objects ----------


def sign_in(
    session: Session, user: str, key: str, source_ip: str | None
) -> tuple[str, datetime, Device] | None:
    """(X-Auth-Token, its expiry, the device) for a device credential; None (recorded as a
    refusal) when it is unknown, revoked, expired or not a device's."""
    device = auth.sign_in(session, user, key)
    if device is None:
        record(
            session,
            None,
            "axis.auth",
            target_type="axis_credential",
            target_id=user[:128] or None,
            result=DENIED,
            source_ip=source_ip,
        )
        return None
    token, expires = _issue(session, device, source_ip)
    record(
        session,
        device.principal,
        "axis.auth",
        target_type="axis_account",
        target_id=device.account,
        source_ip=source_ip,
    )
    return token, expires, device


def _issue(session: Session, device: Device, source_ip: str | None) -> tuple[str, datetime]:
    secret = auth.TOKEN_PREFIX + secrets.token_hex(32)
    expires = utcnow() + timedelta(seconds=get_axis_settings().token_ttl_seconds)
    session.add(
        AxisAuthToken(
            token_hash=hash_token(secret),
            api_token_id=device.api_token_id,
            account=device.account,
            expires_at=expires,
            source_ip=source_ip,
        )
    )
    return secret, expires


def write_container(
    session: Session,
    device: Device,
    method: str,
    name: str,
    update: metadata.ParsedMeta,
    source_ip: str | None,
) -> ContainerResult:
    """PUT (create or update) or POST (update) a container's metadata."""
    write = put_container if method == "PUT" else post_container
    result = write(session, device, name, update)
    record(
        session,
        device.principal,
        f"axis.container.{method.lower()}",
        target_type="axis_container",
        target_id=name[:128],
        source_ip=source_ip,
        details={
            "created": result.created,
            "completed": result.completed_now,
            "problems": result.problems,
        },
    )
    return result


def write_entity(
    session: Session,
    device: Device,
    method: str,
    container: str,
    name: str,
    meta: dict[str, str],
    body: bytes | None,
    source_ip: str | None,
) -> AxisEntity:
    """PUT (body given: replaces object and metadata) or POST (body None: replaces metadata)
    of a System/, Users/ or Devices/ object."""
    entity, created = _store_entity(session, device, container, name, meta, body)
    record(
        session,
        device.principal,
        f"axis.{container.lower()}.{method.lower()}",
        target_type="axis_entity",
        target_id=f"{container}/{name}"[:128],
        source_ip=source_ip,
        details={"created": created, "meta": dict(meta)},
    )
    return entity


def _store_entity(
    session: Session,
    device: Device,
    container: str,
    name: str,
    meta: dict[str, str],
    body: bytes | None,
) -> tuple[AxisEntity, bool]:
    try:
        check_object_name(name)
    except NameError_ as exc:
        raise errors.bad_request(str(exc)) from None
    if container == SYSTEM and name in registry.PUBLISHED:
        raise errors.forbidden(f"System/{name} is published by the content destination")
    if body is not None and len(body) > registry.MAX_ENTITY_BODY:
        raise errors.bad_request(
            f"{container} objects hold at most {registry.MAX_ENTITY_BODY} bytes"
        )
    existing = queries.entity(session, device.account, container, name)
    if existing is None and body is None:
        raise errors.not_found(f"no object {container}/{name}")
    if container == SYSTEM:
        meta = registry.check_system(existing, meta)
    entity = existing or AxisEntity(
        account=device.account,
        container=container,
        name=name,
        created_by=device.api_token_id,
        body=b"",
        md5=hashlib.md5(b"").hexdigest(),  # noqa: S324 - Swift ETag
    )
    entity.meta = dict(meta)
    if body is not None:
        entity.body = body
        entity.md5 = hashlib.md5(body).hexdigest()  # noqa: S324 - Swift ETag
    entity.updated_at = utcnow()
    registry.link(session, entity)
    if existing is None:
        session.add(entity)
    session.flush()
    return entity, existing is None


def update_object(
    session: Session,
    device: Device,
    container: str,
    name: str,
    update: metadata.ParsedMeta,
    source_ip: str | None,
) -> None:
    """POST on an object of a recording: its metadata is replaced."""
    update_object_meta(session, device, container, name, update)
    record(
        session,
        device.principal,
        "axis.object.post",
        target_type="axis_object",
        target_id=f"{container}/{name}"[-128:],
        source_ip=source_ip,
        details={"meta": dict(update.values)},
    )


def record_read(
    session: Session, device: Device, path: str, method: str, source_ip: str | None
) -> None:
    """A device read (GET or HEAD of its account, a container or an object) is audited."""
    record(
        session,
        device.principal,
        "axis.read",
        target_type="axis",
        target_id=path[-128:],
        source_ip=source_ip,
        details={"method": method},
    )
