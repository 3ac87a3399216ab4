"""API token secrets: random, shown once, stored as SHA-256 (high-entropy, unlike passwords).
Tokens are made and revoked by `admin.service`, and authenticated by `signin.service`."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

LAST_USED_RESOLUTION = timedelta(minutes=5)
TOKEN_PREFIX = "bwv_"  # noqa: S105 - a public prefix, not a secret
MAX_TOKEN_LENGTH = 200  # longer values are not ours: refused without a query
PREFIX_SHOWN = 10  # characters of the secret kept to tell tokens apart in lists


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_secret() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def looks_like_token(secret: str) -> bool:
    return secret.startswith(TOKEN_PREFIX) and len(secret) <= MAX_TOKEN_LENGTH
