"""Password hashing (Argon2id) and TOTP second factors (RFC 6238)."""

from __future__ import annotations

import time
from functools import cache

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from openbwv.access.errors import WeakPassword

_hasher = PasswordHasher()  # Argon2id with the library's current recommended parameters
MIN_PASSWORD_LENGTH = 12


@cache
def _dummy_hash() -> str:
    """A constant hash to verify against for unknown users, so timing does not reveal who exists
    (made on first use: an Argon2 hash at import cost every `bwv` process ~0.1–1.5 s)."""
    return _hasher.hash("not a real password, only for constant-time refusal")


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"passwords need at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, username: str, issuer: str = "openbwv") -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def verify_totp(secret: str, code: str, last_step: int | None) -> int | None:
    """The time step the code belongs to if valid (±1 step) and not used before; else None."""
    code = code.strip().replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now_step = int(time.time()) // totp.interval
    for step in (now_step, now_step - 1, now_step + 1):
        if totp.at(step * totp.interval) == code:
            if last_step is not None and step <= last_step:
                return None  # replay of a code already used
            return step
    return None
