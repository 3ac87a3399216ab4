"""Web sessions: random tokens in HttpOnly cookies, stored hashed, with a CSRF token each.

A session is created fresh at every successful sign-in step (never reused from before), so a
session id planted before sign-in is worthless (no fixation). Starting, finding and ending one
are in `signin.service`; this module names the cookies and stages and hashes the tokens.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from openbwv.access.models import WebSession

COOKIE = "bwv_session"
CSRF_COOKIE = "bwv_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
STAGE_FULL = "full"
STAGE_SECOND_FACTOR = "password_ok"
# Signed in with a temporary password: nothing but setting a new one.
STAGE_CHANGE_PASSWORD = "change_password"  # noqa: S105 - a stage name, not a secret
# An external account (CPS, defence) without a second factor: nothing but enrolling one.
STAGE_ENROL_TOTP = "enrol_totp"
SEEN_RESOLUTION = timedelta(minutes=1)
MAX_COOKIE_LENGTH = 100  # longer values are not ours: refused without a query


def hash_session_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class NewSession:
    token: str
    csrf_token: str
    record: WebSession
