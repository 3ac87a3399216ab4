"""OpenID Connect sign-in: authorisation code flow with PKCE (S256), nonce and state.

The provider's discovery document and signing keys are fetched from its issuer URL; the ID token
is checked (signature, issuer, audience, expiry, nonce) with PyJWT; claims map to roles through
`BWV_OIDC_ROLE_MAP`. The pending login (state, nonce, PKCE verifier) travels in a short-lived,
HMAC-signed, HttpOnly cookie, so API nodes need no shared store for it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt

from openbwv.config import Settings, get_settings
from openbwv.secrets_store import get_or_create

PENDING_COOKIE = "bwv_oidc"
PENDING_SECONDS = 600


class OidcError(Exception):
    """A failed OpenID Connect sign-in; the message is safe to show."""


@dataclass(frozen=True)
class Pending:
    state: str
    nonce: str
    verifier: str
    next_path: str
    expires: int


@dataclass(frozen=True)
class Identity:
    issuer: str
    subject: str
    username: str
    display_name: str
    email: str | None
    roles: list[str]
    borough: str | None


def configured(settings: Settings | None = None) -> bool:
    settings = settings or get_settings()
    return bool(settings.oidc_issuer and settings.oidc_client_id)


@lru_cache(maxsize=4)
def discovery(issuer: str) -> dict[str, Any]:
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        document: dict[str, Any] = httpx.get(url, timeout=10).raise_for_status().json()
    except (httpx.HTTPError, ValueError) as exc:
        raise OidcError(
            f"the identity provider's discovery document is unavailable: {exc}"
        ) from exc
    if document.get("issuer") != issuer:
        raise OidcError("the identity provider's discovery document names another issuer")
    return document


def _sign(payload: bytes) -> str:
    key = get_or_create("session").encode()
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def safe_next(value: str | None) -> str:
    """Only same-site paths: never an open redirect to another host."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def begin(redirect_uri: str, next_path: str | None) -> tuple[str, str]:
    """The provider URL to send the browser to, and the signed pending-login cookie value."""
    settings = get_settings()
    if not configured(settings):
        raise OidcError("OpenID Connect is not configured")
    assert settings.oidc_issuer and settings.oidc_client_id
    pending = Pending(
        secrets.token_urlsafe(24),
        secrets.token_urlsafe(24),
        secrets.token_urlsafe(48),
        safe_next(next_path),
        int(time.time()) + PENDING_SECONDS,
    )
    challenge = _b64(hashlib.sha256(pending.verifier.encode()).digest())
    query = urlencode(
        {
            "response_type": "code",
            "client_id": settings.oidc_client_id,
            "redirect_uri": redirect_uri,
            "scope": settings.oidc_scopes,
            "state": pending.state,
            "nonce": pending.nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    endpoint = discovery(settings.oidc_issuer)["authorization_endpoint"]
    payload = json.dumps(pending.__dict__).encode()
    cookie = f"{_b64(payload)}.{_sign(payload)}"
    return f"{endpoint}?{query}", cookie


def read_pending(cookie: str | None) -> Pending:
    if not cookie or "." not in cookie:
        raise OidcError("the sign-in took too long or was started elsewhere; try again")
    encoded, signature = cookie.rsplit(".", 1)
    payload = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    if not hmac.compare_digest(signature, _sign(payload)):
        raise OidcError("the sign-in state was tampered with")
    pending = Pending(**json.loads(payload))
    if pending.expires < time.time():
        raise OidcError("the sign-in took too long; try again")
    return pending


def complete(code: str, state: str, pending: Pending, redirect_uri: str) -> Identity:
    """Exchange the code (with the PKCE verifier) and check the ID token."""
    settings = get_settings()
    assert settings.oidc_issuer and settings.oidc_client_id
    if not hmac.compare_digest(state, pending.state):
        raise OidcError("the sign-in state does not match (possible forgery)")
    config = discovery(settings.oidc_issuer)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "client_id": settings.oidc_client_id,
        "code_verifier": pending.verifier,
    }
    if settings.oidc_client_secret is not None:
        form["client_secret"] = settings.oidc_client_secret.get_secret_value()
    try:
        tokens = httpx.post(config["token_endpoint"], data=form, timeout=10)
        tokens.raise_for_status()
        id_token = tokens.json()["id_token"]
    except (httpx.HTTPError, KeyError, ValueError) as exc:
        raise OidcError(f"the identity provider refused the sign-in: {exc}") from exc
    claims = _verify(id_token, config, settings)
    if claims.get("nonce") != pending.nonce:
        raise OidcError("the ID token's nonce does not match (possible replay)")
    return _identity(claims, settings)


def _verify(id_token: str, config: dict[str, Any], settings: Settings) -> dict[str, Any]:
    try:
        key = jwt.PyJWKClient(config["jwks_uri"]).get_signing_key_from_jwt(id_token)
        claims: dict[str, Any] = jwt.decode(
            id_token,
            key.key,
            algorithms=["RS256", "ES256", "PS256", "EdDSA"],
            audience=settings.oidc_client_id,
            issuer=settings.oidc_issuer,
            options={"require": ["exp", "iat", "sub", "aud", "iss"]},
        )
    except (jwt.PyJWTError, KeyError) as exc:
        raise OidcError(f"the ID token is not valid: {exc}") from exc
    return claims


def _identity(claims: dict[str, Any], settings: Settings) -> Identity:
    raw_roles = claims.get(settings.oidc_roles_claim) or []
    if isinstance(raw_roles, str):
        raw_roles = [raw_roles]
    roles = sorted({settings.oidc_role_map[r] for r in raw_roles if r in settings.oidc_role_map})
    username = str(claims.get(settings.oidc_username_claim) or claims["sub"])
    return Identity(
        issuer=str(claims["iss"]),
        subject=str(claims["sub"]),
        username=username[:64],
        display_name=str(claims.get("name") or username)[:128],
        email=claims.get("email"),
        roles=roles,
        borough=claims.get(settings.oidc_borough_claim),
    )
