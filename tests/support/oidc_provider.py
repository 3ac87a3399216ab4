"""A minimal OpenID Connect provider for tests: discovery, authorise (auto-approves the identity
the test chose), token (enforces PKCE S256 and single-use codes), JWKS. Real HTTP on loopback."""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import jwt
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Form, HTTPException
from fastapi.responses import RedirectResponse

from tests.support.stack import free_port
from tests.support.waiting import wait_until


@dataclass
class FakeProvider:
    client_id: str = "openbwv-test"
    port: int = field(default_factory=free_port)
    identity: dict[str, Any] = field(default_factory=dict)
    tamper: dict[str, Any] = field(default_factory=dict)  # claims to override in the next token
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = secrets.token_hex(4)
        self.app = self._build()
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeProvider:
        self.thread.start()
        wait_until(lambda: self.server.started, timeout=30, what="the test identity provider")
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def _jwk(self) -> dict[str, Any]:
        numbers = self.key.public_key().public_numbers()

        def b64(value: int) -> str:
            raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
            return base64.urlsafe_b64encode(raw).decode().rstrip("=")

        return {
            "kty": "RSA",
            "kid": self.kid,
            "use": "sig",
            "alg": "RS256",
            "n": b64(numbers.n),
            "e": b64(numbers.e),
        }

    def _build(self) -> FastAPI:
        app = FastAPI()

        @app.get("/.well-known/openid-configuration")
        def discovery() -> dict[str, Any]:
            return {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "code_challenge_methods_supported": ["S256"],
            }

        @app.get("/jwks")
        def jwks() -> dict[str, Any]:
            return {"keys": [self._jwk()]}

        @app.get("/authorize")
        def authorize(
            response_type: str,
            client_id: str,
            redirect_uri: str,
            scope: str,
            state: str,
            nonce: str,
            code_challenge: str,
            code_challenge_method: str,
        ) -> RedirectResponse:
            if client_id != self.client_id or response_type != "code" or "openid" not in scope:
                raise HTTPException(400, "bad authorisation request")
            if code_challenge_method != "S256":
                raise HTTPException(400, "PKCE S256 required")
            code = secrets.token_urlsafe(16)
            self.codes[code] = {
                "challenge": code_challenge,
                "nonce": nonce,
                "redirect_uri": redirect_uri,
                "claims": dict(self.identity),
            }
            return RedirectResponse(
                f"{redirect_uri}?{urlencode({'code': code, 'state': state})}", status_code=302
            )

        @app.post("/token")
        def token(
            grant_type: str = Form(),
            code: str = Form(),
            redirect_uri: str = Form(),
            client_id: str = Form(),
            code_verifier: str = Form(),
        ) -> dict[str, Any]:
            issued = self.codes.pop(code, None)  # single use
            if issued is None or grant_type != "authorization_code":
                raise HTTPException(400, "invalid_grant")
            digest = hashlib.sha256(code_verifier.encode()).digest()
            if base64.urlsafe_b64encode(digest).decode().rstrip("=") != issued["challenge"]:
                raise HTTPException(400, "invalid_grant: PKCE verifier does not match")
            if redirect_uri != issued["redirect_uri"] or client_id != self.client_id:
                raise HTTPException(400, "invalid_grant")
            now = int(time.time())
            claims = {
                "iss": self.issuer,
                "aud": self.client_id,
                "iat": now,
                "exp": now + 300,
                "nonce": issued["nonce"],
                **issued["claims"],
                **self.tamper,
            }
            id_token = jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})
            return {"access_token": "opaque", "token_type": "Bearer", "id_token": id_token}

        return app
