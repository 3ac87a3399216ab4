"""The Axis destination's actions that are not the Swift protocol itself: each authorises,
changes, records its audit event in the caller's unit of work, and never commits.

`create_connection_file` is the one way a connection file is made — by the API, the
administration page, `bwv axis connection-file` and the simulator alike.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from openbwv.access.policy import roles
from openbwv.access.policy.queries import require
from openbwv.access.principal import Principal
from openbwv.audit.events import record
from openbwv.ingest.axis.connection import (
    CONTAINER_TYPES,
    Connection,
    ConnectionError_,
    create_connection,
)
from openbwv.ingest.axis.crypto import NoPrivateKey

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
