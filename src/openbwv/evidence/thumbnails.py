"""Thumbnails on list pages: one audited read per page, not one audit event per picture.

A list page records `evidence.thumbnails` once (`service.record_thumbnail_batch`), naming every
item whose picture it shows, and gives each picture a URL signed for that person, that batch and
that item. The thumbnail endpoint still asks the policy for every picture; it only skips writing a
second record of a read the batch already recorded. A URL copied to another person, or altered, is
recorded per picture as before."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from functools import lru_cache

from openbwv.access.principal import Principal
from openbwv.config import get_settings
from openbwv.secrets_store import get_or_create

PURPOSE = b"openbwv thumbnail batch"


def _key() -> bytes:
    settings = get_settings()
    configured = settings.secret_key.get_secret_value() if settings.secret_key else None
    return _derived_key(str(settings.resolved_data_dir), configured)


@lru_cache(maxsize=8)
def _derived_key(data_dir: str, configured: str | None) -> bytes:
    """Derived from the session secret, so every API node (sharing BWV_SECRET_KEY) agrees; the
    arguments say which secret (a list page signs dozens of URLs: read the key file once)."""
    secret = configured or get_or_create("session")
    return hmac.new(secret.encode(), PURPOSE, hashlib.sha256).digest()


def _signature(principal: Principal, batch: str, item_id: uuid.UUID | str) -> str:
    key = _key()
    message = f"{principal.id}:{batch}:{item_id}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def signed_urls(
    principal: Principal, batch: str, item_ids: list[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """Each item's thumbnail URL, signed for this principal and batch."""
    return {
        item_id: f"/api/v1/evidence/{item_id}/thumbnail?batch={batch}"
        f"&sig={_signature(principal, batch, item_id)}"
        for item_id in item_ids
    }


def covered(principal: Principal, item_id: str, batch: str | None, sig: str | None) -> bool:
    """Whether this picture's read was already recorded in a batch, for this principal."""
    if not batch or not sig or len(batch) > 64 or len(sig) > 64:
        return False
    return hmac.compare_digest(_signature(principal, batch, item_id), sig)
