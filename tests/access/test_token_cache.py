"""Verified bearer tokens are kept for token_cache.SECONDS: a revocation, a disabled user or a
changed role takes effect at once in the process that commits it, and within SECONDS in any
other (simulated here by changing the rows behind the ORM's back, as another process does)."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import text

from openbwv.access.admin.service import disable_user, revoke_token
from openbwv.access.deps import _from_token
from openbwv.access.models import User
from openbwv.access.principal import Principal
from openbwv.access.signin.service import authenticate
from openbwv.access.signin.token_cache import SECONDS, VERIFIED, VerifiedTokens
from openbwv.access.signin.tokens import hash_token
from openbwv.db.session import unit_of_work
from openbwv.timeutil import utcnow
from tests.support.stack import Stack

PRINCIPAL = Principal(id=uuid.uuid4(), name="token:t")


def _principal_id(secret: str) -> uuid.UUID:
    with unit_of_work() as session:
        principal = authenticate(session, secret)
    assert principal is not None
    return principal.id


def test_a_token_revoked_in_this_process_is_refused_at_once(stack: Stack, live_server: str) -> None:
    secret = stack.token("officer", name="revoked-here")
    with httpx.Client(base_url=live_server, headers={"Authorization": f"Bearer {secret}"}) as api:
        for _ in range(2):  # the first use is written (its last use), the second kept
            assert api.get("/api/v1/evidence").status_code == 200
        assert VERIFIED.get(hash_token(secret)) is not None
        with unit_of_work() as session:
            revoke_token(session, _principal_id(secret))
        assert api.get("/api/v1/evidence").status_code == 401


def test_a_disabled_users_token_loses_its_rights_at_once(stack: Stack) -> None:
    user = stack.user("officer")
    secret = stack.user_token(user)
    _from_token(secret)  # the first use is written (its last use), the second kept
    before = _from_token(secret)
    assert before is not None and before.permissions  # verified: now kept
    with unit_of_work() as session:
        found = session.get(User, user.id)
        assert found is not None
        disable_user(session, found)
    after = _from_token(secret)
    assert after is not None and after.permissions == frozenset()  # access.policy: nothing


def test_a_token_revoked_elsewhere_is_refused_within_the_bound(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = stack.token("officer", name="revoked-elsewhere")
    assert _from_token(secret) is not None and _from_token(secret) is not None  # now kept
    with unit_of_work() as session:  # another process's change: no event reaches this cache
        session.execute(
            text("UPDATE api_tokens SET revoked_at = :now WHERE token_hash = :hash"),
            {"now": utcnow(), "hash": hash_token(secret)},
        )
    assert _from_token(secret) is not None  # still kept: within the bound
    later = time.monotonic() + SECONDS
    monkeypatch.setattr(VERIFIED, "clock", lambda: later)
    assert _from_token(secret) is None


def test_an_entry_never_outlives_its_token() -> None:
    now = [100.0]
    cache = VerifiedTokens(clock=lambda: now[0])
    cache.put("a", PRINCIPAL, utcnow() + timedelta(seconds=SECONDS / 4), cache.generation)
    cache.put("b", PRINCIPAL, None, cache.generation)
    now[0] += SECONDS / 2
    assert cache.get("a") is None and cache.get("b") == PRINCIPAL
    now[0] += SECONDS / 2
    assert cache.get("b") is None


def test_a_lookup_that_predates_a_change_is_not_kept() -> None:
    cache = VerifiedTokens()
    before = cache.generation
    cache.forget_all()  # a change committed while the lookup was under way
    cache.put("a", PRINCIPAL, None, before)
    assert cache.get("a") is None
    cache.put("a", PRINCIPAL, None, cache.generation)
    assert cache.get("a") == PRINCIPAL


def test_unknown_tokens_are_never_kept(stack: Stack) -> None:
    assert _from_token("bwv_" + "x" * 40) is None
    assert VERIFIED.get(hash_token("bwv_" + "x" * 40)) is None
