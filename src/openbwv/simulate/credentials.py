"""The simulator's credentials when none are given: made on the fly on the machine that runs the
platform, exactly as an administrator would make them — connection files through the same
service as `bwv axis connection-file` (a plain one and, for end-to-end encryption, one carrying
the force's public key), a fleet_manager token to read who holds which camera, and a
professional_standards token to verify what arrived.

They are kept in `<data dir>/simulator/credentials.json` (mode 0600, like the connection files
the CLI writes) and reused while their tokens are valid, so repeated runs do not pile up tokens.
"""

from __future__ import annotations

import getpass
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openbwv.access.admin.service import create_token
from openbwv.access.policy.roles import TOKENS_MANAGE
from openbwv.access.principal import Principal
from openbwv.access.signin.service import authenticate
from openbwv.audit.events import record
from openbwv.config import get_settings
from openbwv.db.migrate import upgrade
from openbwv.db.session import unit_of_work
from openbwv.ingest.axis.service import create_connection_file
from openbwv.simulate.config import SimConfig

ACCOUNTS = {"plain": ("simulator", False), "e2e": ("simulator-e2e", True)}
TOKENS = {"fleet_token": "fleet_manager", "verify_token": "professional_standards"}


@dataclass
class Credentials:
    connections: dict[str, dict[str, Any]]  # "plain" / "e2e" → connection document
    fleet_token: str
    verify_token: str | None = None


def _actor() -> Principal:
    return Principal(
        id=uuid.UUID(int=1),
        name=f"cli:{getpass.getuser()}",
        kind="system",
        permissions=frozenset({TOKENS_MANAGE}),
    )


def _path() -> Path:
    return get_settings().resolved_data_dir / "simulator" / "credentials.json"


def _load() -> dict[str, Any]:
    try:
        return dict(json.loads(_path().read_text()))
    except (OSError, ValueError):
        return {}


def _save(stored: dict[str, Any]) -> None:
    path = _path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(stored, handle, indent=2)


def _valid(secret: object) -> bool:
    if not isinstance(secret, str):
        return False
    with unit_of_work() as session:
        return authenticate(session, secret) is not None


def wanted_accounts(config: SimConfig) -> list[str]:
    return {"some": ["plain", "e2e"], "all": ["e2e"], "none": ["plain"]}[config.encryption]


def local_credentials(config: SimConfig) -> Credentials:
    """Credentials for the platform configured on this machine (BWV_* settings)."""
    upgrade()
    stored = _load()
    connections = dict(stored.get("connections") or {})
    for kind in wanted_accounts(config):
        document = connections.get(kind)
        if document is None or not _valid(document.get("BlobAPIKey")):
            connections[kind] = _connection(config.url, kind)
        else:  # the credential does not depend on the URL: point the file at this platform
            document["AuthenticationTokenURI"] = [config.url.rstrip("/") + "/auth/v1.0"]
    stored["connections"] = connections
    for field_name, role in TOKENS.items():
        if not _valid(stored.get(field_name)):
            stored[field_name] = _token(f"simulator-{role}", role)
    _save(stored)
    return Credentials(
        {k: connections[k] for k in wanted_accounts(config)},
        stored["fleet_token"],
        stored["verify_token"],
    )


def _connection(url: str, kind: str) -> dict[str, Any]:
    name, encryption = ACCOUNTS[kind]
    with unit_of_work() as session:
        connection = create_connection_file(
            session, _actor(), urls=[url], name=name, encryption=encryption
        )
    return dict(json.loads(connection.to_json()))


def _token(name: str, role: str) -> str:
    with unit_of_work() as session:
        secret, token = create_token(session, name=name, role=role)
        record(
            session,
            _actor(),
            "token.create",
            target_type="api_token",
            target_id=str(token.id),
            details={"name": name, "role": role, "by": "simulator"},
        )
    return secret


def from_files(paths: list[Path]) -> dict[str, dict[str, Any]]:
    """Connection files given on the command line, keyed plain/e2e by what they ask for."""
    found: dict[str, dict[str, Any]] = {}
    for path in paths:
        document = json.loads(path.read_text())
        if not isinstance(document, dict) or "BlobAPIKey" not in document:
            raise ValueError(f"{path} is not an Axis connection file")
        found["e2e" if document.get("WantEncryption") else "plain"] = document
    return found
