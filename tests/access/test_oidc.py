"""OpenID Connect sign-in (authorisation code + PKCE) against a real provider over HTTP."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.support.oidc_provider import FakeProvider
from tests.support.stack import Stack


@pytest.fixture(scope="module")
def provider(stack: Stack) -> Iterator[FakeProvider]:
    from openbwv.config import reset_settings

    started = FakeProvider().start()
    settings = {
        "BWV_OIDC_ISSUER": started.issuer,
        "BWV_OIDC_CLIENT_ID": started.client_id,
        "BWV_OIDC_ROLE_MAP": json.dumps(
            {"bwv-investigators": "investigator", "bwv-officers": "officer"}
        ),
    }
    os.environ.update(settings)
    reset_settings()
    yield started
    for key in settings:
        os.environ.pop(key)
    reset_settings()
    started.stop()


def _sign_in(live_server: str, next_path: str = "/cases") -> tuple[httpx.Client, httpx.Response]:
    client = httpx.Client(base_url=live_server, follow_redirects=False, timeout=30)
    start = client.get("/auth/oidc/login", params={"next": next_path})
    assert start.status_code == 302
    at_provider = httpx.get(start.headers["location"], follow_redirects=False)
    assert at_provider.status_code == 302, at_provider.text
    callback = client.get(at_provider.headers["location"])
    return client, callback


def test_sign_in_maps_claims_to_roles_and_borough(provider: FakeProvider, live_server: str) -> None:
    subject = f"sub-{uuid.uuid4().hex[:8]}"
    provider.identity = {
        "sub": subject,
        "preferred_username": f"oidc.{subject}",
        "name": "DC Ada Lovelace",
        "roles": ["bwv-investigators", "other"],
        "borough": "Camden",
    }
    client, callback = _sign_in(live_server)
    assert callback.status_code == 303 and callback.headers["location"] == "/cases"
    me = client.get("/api/v1/auth/me").json()
    assert me["roles"] == ["investigator"] and me["borough"] == "E09000007"
    provider.identity["roles"] = ["bwv-officers"]  # the provider decides, at every sign-in
    again, _ = _sign_in(live_server)
    assert again.get("/api/v1/auth/me").json()["roles"] == ["officer"]


def test_open_redirects_are_refused(provider: FakeProvider, live_server: str) -> None:
    provider.identity = {"sub": f"s{uuid.uuid4().hex[:8]}", "roles": []}
    _client, callback = _sign_in(live_server, next_path="//evil.example/phish")
    assert callback.headers["location"] == "/"


def test_forged_state_and_tampered_cookie_are_refused(
    provider: FakeProvider, live_server: str
) -> None:
    provider.identity = {"sub": f"s{uuid.uuid4().hex[:8]}", "roles": []}
    client = httpx.Client(base_url=live_server, follow_redirects=False)
    start = client.get("/auth/oidc/login")
    at_provider = httpx.get(start.headers["location"], follow_redirects=False)
    forged = at_provider.headers["location"].replace("state=", "state=x")
    assert client.get(forged).status_code == 401
    cookie = client.cookies.get("bwv_oidc") or ""
    client.cookies.set("bwv_oidc", "A" + cookie[1:], path="/auth/oidc/")
    assert client.get(at_provider.headers["location"]).status_code == 401
    stranger = httpx.Client(base_url=live_server, follow_redirects=False)  # no pending cookie
    assert stranger.get(at_provider.headers["location"]).status_code == 401


def test_replayed_codes_and_bad_tokens_are_refused(
    provider: FakeProvider, live_server: str
) -> None:
    provider.identity = {"sub": f"s{uuid.uuid4().hex[:8]}", "roles": ["bwv-officers"]}
    client = httpx.Client(base_url=live_server, follow_redirects=False)
    start = client.get("/auth/oidc/login")
    callback_url = httpx.get(start.headers["location"], follow_redirects=False).headers["location"]
    assert client.get(callback_url).status_code == 303
    assert client.get(callback_url).status_code == 401  # the code was single use
    for tamper in (
        {"nonce": "replayed"},
        {"aud": "another-client"},
        {"exp": 1000},
        {"iss": "https://impostor.example"},
    ):
        provider.tamper = tamper
        _client, callback = _sign_in(live_server)
        assert callback.status_code == 401, tamper
    provider.tamper = {}


def test_provider_errors_are_reported(provider: FakeProvider, live_server: str) -> None:
    response = httpx.get(
        f"{live_server}/auth/oidc/callback", params={"error": "access_denied", "state": "x"}
    )
    assert response.status_code == 400 and "access_denied" in response.json()["detail"]
