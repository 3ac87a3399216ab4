"""The connection file a body worn manager loads: from the CLI and from the API."""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select
from typer.testing import CliRunner

from openbwv.access.models import ApiToken
from openbwv.access.signin.tokens import hash_token
from openbwv.composition import cli
from openbwv.db.session import unit_of_work
from openbwv.ingest.axis.client import AxisClient
from openbwv.ingest.axis.crypto import encrypt_for, key_id_for, load_keyring, parse_key_file
from openbwv.ingest.axis.settings import default_key_file, reset_axis_settings
from tests.axis.helpers import unique
from tests.support.stack import Stack

FIELDS = {
    "ConnectionFileVersion": str,
    "SiteName": str,
    "ApplicationName": str,
    "ApplicationVersion": str,
    "ContentDestinationAsNTPServer": bool,
    "AuthenticationTokenURI": list,
    "BlobAPIKey": str,
    "BlobAPIUserName": str,
    "ContainerType": str,
    "FullStoreAndReadSupport": bool,
    "WantEncryption": bool,
}
LENGTHS = {"SiteName": 64, "ApplicationName": 256, "ApplicationVersion": 128, "BlobAPIKey": 64}
LENGTHS |= {"BlobAPIUserName": 64, "PublicKey": 2048, "PublicKeyId": 128}


def _check_document(doc: dict[str, Any], live_server: str) -> None:
    for name, kind in FIELDS.items():
        assert isinstance(doc[name], kind), name
    for name, limit in LENGTHS.items():
        if name in doc:
            assert len(doc[name]) <= limit, name
    assert doc["ConnectionFileVersion"] == "1.0"
    assert doc["AuthenticationTokenURI"] == [f"{live_server}/auth/v1.0"]
    assert doc["ContainerType"] in ("mkv", "mp4")
    assert len(json.dumps(doc).encode()) <= 64 * 1024


def _cli(stack: Stack, *args: str) -> Any:
    return CliRunner().invoke(cli(), ["axis", *args], env=stack.env)


def test_cli_writes_a_private_connection_file_whose_credential_works(
    stack: Stack, live_server: str, tmp_path: Path
) -> None:
    name = unique("axis-cli-")
    output = tmp_path / "connection.json"
    result = _cli(
        stack, "connection-file", "--url", live_server, "--output", str(output), "--name", name
    )
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(output.stat().st_mode) == 0o600
    doc = json.loads(output.read_text())
    _check_document(doc, live_server)
    assert doc["BlobAPIUserName"] == name and doc["WantEncryption"] is True
    assert doc["BlobAPIKey"] not in result.output, "the secret is only in the file"
    with unit_of_work() as session:
        token = session.scalar(select(ApiToken).where(ApiToken.name == name))
        assert token is not None and token.role == "device"
        assert token.token_hash == hash_token(doc["BlobAPIKey"])
    public = serialization.load_pem_public_key(base64.b64decode(doc["PublicKey"]))
    assert isinstance(public, rsa.RSAPublicKey) and public.key_size >= 2048
    assert doc["PublicKeyId"] == key_id_for(public)
    # What a device wraps with the published key, the destination unwraps.
    _cipher, key_file = encrypt_for(public, doc["PublicKeyId"], b"clip")
    assert load_keyring().unwrap(parse_key_file(key_file)).key_id == doc["PublicKeyId"]
    key_path = default_key_file()
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert str(key_path).startswith(str(stack.data_dir))
    with AxisClient.from_connection_file(doc) as client:
        assert client.capabilities()["StoreAndRead"]["StoreReadSystemID"] is True
    again = _cli(stack, "connection-file", "--url", live_server, "--output", str(output))
    assert again.exit_code == 2 and "exists" in again.output


def test_cli_without_encryption_or_output(stack: Stack, live_server: str) -> None:
    name = unique("axis-plain-")
    result = _cli(
        stack,
        "connection-file",
        "--url",
        live_server,
        "--name",
        name,
        "--no-encryption",
        "--container-type",
        "mp4",
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    _check_document(doc, live_server)
    assert doc["WantEncryption"] is False and doc["ContainerType"] == "mp4"
    assert "PublicKey" not in doc and "PublicKeyId" not in doc
    bad = _cli(stack, "connection-file", "--url", "ftp://example", "--name", unique("x"))
    assert bad.exit_code == 2 and "http(s)" in bad.output


def test_a_configured_private_key_is_the_one_published(
    stack: Stack, live_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path / "force.pem"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    os.chmod(path, 0o600)
    monkeypatch.setenv("BWV_AXIS_PRIVATE_KEY_FILE", f"{path}:{default_key_file()}")
    reset_axis_settings()
    try:
        result = _cli(
            stack, "connection-file", "--url", live_server, "--name", unique("axis-own-key-")
        )
        doc = json.loads(result.stdout)
        assert doc["PublicKeyId"] == key_id_for(key.public_key())
        ring = load_keyring()
        assert ring.current_id == doc["PublicKeyId"]
        assert len(ring.keys) == 2, "earlier keys still unwrap what was sent to them"
    finally:
        monkeypatch.delenv("BWV_AXIS_PRIVATE_KEY_FILE")
        reset_axis_settings()


def test_administrators_get_the_connection_file_from_the_api(
    stack: Stack, live_server: str
) -> None:
    from openbwv.audit.models import AuditEvent

    admin = stack.user_token(stack.user("administrator"))
    officer = stack.user_token(stack.user("officer", borough="E09000033"))
    url = f"{live_server}/api/v1/axis/connection-file"
    body = {"urls": [live_server], "name": unique("axis-api-"), "site_name": "Met Police"}
    assert httpx.post(url, json=body).status_code == 401
    assert (
        httpx.post(url, json=body, headers={"Authorization": f"Bearer {officer}"}).status_code
        == 403
    )
    invalid = httpx.post(
        url, json={"urls": ["not a url"]}, headers={"Authorization": f"Bearer {admin}"}
    )
    assert invalid.status_code == 422
    response = httpx.post(url, json=body, headers={"Authorization": f"Bearer {admin}"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    doc = response.json()
    _check_document(doc, live_server)
    assert doc["SiteName"] == "Met Police" and doc["BlobAPIUserName"] == body["name"]
    with AxisClient.from_connection_file(doc) as client:
        assert client.categories()
    with unit_of_work() as session:
        event = session.scalar(
            select(AuditEvent)
            .where(AuditEvent.action == "axis.connection_file.create")
            .order_by(AuditEvent.id.desc())
            .limit(1)
        )
        assert event is not None and event.details["name"] == body["name"]
        assert doc["BlobAPIKey"] not in event.entry
