"""The connection file a body worn manager loads to use openbwv as its content destination.

It embeds a new device credential (`BlobAPIUserName` = the API token's name, `BlobAPIKey` = its
secret, shown only in this file) and, when encryption is wanted, the force's RSA public key
(`PublicKey`: the PEM, base64-encoded; `PublicKeyId`: its fingerprint id, which key files carry).
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy.orm import Session

from openbwv import __version__
from openbwv.access.admin.service import create_token
from openbwv.ingest.axis.auth import DEVICE_ROLE
from openbwv.ingest.axis.crypto import load_keyring, public_pem
from openbwv.ingest.axis.settings import get_axis_settings

CONNECTION_FILE_VERSION = "1.0"
MAX_FILE_BYTES = 64 * 1024
CONTAINER_TYPES = ("mkv", "mp4")
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class ConnectionError_(ValueError):  # noqa: N801 - the builtin ConnectionError is for sockets
    """A connection file that cannot be made as asked, with the reason."""


@dataclass(frozen=True)
class Connection:
    document: dict[str, Any]
    token_id: uuid.UUID
    name: str

    def to_json(self) -> bytes:
        return json.dumps(self.document, indent=2, ensure_ascii=False).encode() + b"\n"


def auth_uri(url: str) -> str:
    parsed = urlparse(url.strip())
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConnectionError_(f"{url!r} is not an http(s) URL devices can reach")
    uri = url.strip().rstrip("/") + "/auth/v1.0"
    if len(uri) > 512:
        raise ConnectionError_("the authentication URI may be at most 512 characters")
    return uri


def certificates(pem: bytes) -> list[str]:
    """HTTPSCertificate entries: each certificate of a PEM bundle, DER in base64."""
    try:
        loaded = x509.load_pem_x509_certificates(pem)
    except ValueError as exc:
        raise ConnectionError_(f"not a PEM certificate bundle: {exc}") from None
    entries = [
        base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode() for c in loaded
    ]
    if len(entries) > 10:
        raise ConnectionError_("a connection file holds at most 10 certificates")
    return entries


def create_connection(
    session: Session,
    *,
    urls: list[str],
    name: str,
    site_name: str | None = None,
    container_type: str = "mkv",
    encryption: bool = True,
    https_certificates: list[str] | None = None,
) -> Connection:
    """Create the device credential and the connection file that carries it."""
    if not NAME.match(name):
        raise ConnectionError_("the name must be 1–64 letters, digits, '.', '_' or '-'")
    if container_type not in CONTAINER_TYPES:
        raise ConnectionError_("the container type must be mkv or mp4")
    if not 1 <= len(urls) <= 10:
        raise ConnectionError_("give 1–10 URLs")
    site = (site_name or get_axis_settings().site_name).strip()
    if not site or len(site) > 64:
        raise ConnectionError_("the site name must be 1–64 characters")
    uris = [auth_uri(url) for url in urls]
    secret, token = create_token(session, name=name, role=DEVICE_ROLE)
    document: dict[str, Any] = {
        "ConnectionFileVersion": CONNECTION_FILE_VERSION,
        "SiteName": site,
        "ApplicationName": "openbwv",
        "ApplicationVersion": __version__,
        "ContentDestinationAsNTPServer": False,
        "AuthenticationTokenURI": uris,
        "BlobAPIKey": secret,
        "BlobAPIUserName": name,
        "ContainerType": container_type,
        "FullStoreAndReadSupport": False,
        "WantEncryption": encryption,
    }
    if https_certificates:
        document["HTTPSCertificate"] = https_certificates
    if encryption:
        ring = load_keyring(create=True)
        document["PublicKey"] = base64.b64encode(public_pem(ring.current_public)).decode()
        document["PublicKeyId"] = ring.current_id
    connection = Connection(document, token.id, name)
    if len(connection.to_json()) > MAX_FILE_BYTES:
        raise ConnectionError_("the connection file would exceed 64 kB")
    return connection
