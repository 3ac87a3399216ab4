"""Choose a store from `BWV_STORAGE_URL`: file:///path (local disk) or s3://bucket[/prefix]."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from urllib.parse import unquote, urlparse

from openbwv.config import Settings, get_settings
from openbwv.storage.base import ObjectStore, StorageError
from openbwv.storage.local import LocalStore
from openbwv.storage.s3 import S3Store

ORIGINALS = "originals"
DERIVATIVES = "derivatives"

# One store per configuration (a store holds a thread-safe client and its connection pool).
# Settings objects are not hashable, so the cache is keyed by the values that shape a store.
_stores: dict[tuple[object, ...], ObjectStore] = {}
_stores_lock = threading.Lock()


def _cache_key(url: str, namespace: str, settings: Settings) -> tuple[object, ...]:
    secret = settings.s3_secret_access_key
    secret_id = hashlib.sha256(secret.get_secret_value().encode()).hexdigest() if secret else None
    return (
        url,
        namespace,
        settings.s3_endpoint_url,
        settings.s3_region,
        settings.s3_access_key_id,
        secret_id,
        settings.s3_object_lock_days,
        settings.s3_multipart_threshold,
        settings.s3_multipart_chunk,
    )


def open_store(namespace: str, settings: Settings | None = None) -> ObjectStore:
    settings = settings or get_settings()
    url = settings.resolved_storage_url
    key = _cache_key(url, namespace, settings)
    with _stores_lock:
        store = _stores.get(key)
        if store is None:
            store = _open_store(url, namespace, settings)
            _stores[key] = store
    return store


def clear_store_cache() -> None:
    """Forget opened stores (tests and the CLI change the configuration)."""
    with _stores_lock:
        _stores.clear()


def _open_store(url: str, namespace: str, settings: Settings) -> ObjectStore:
    parsed = urlparse(url)
    write_once = namespace == ORIGINALS
    if parsed.scheme == "file":
        return LocalStore(Path(unquote(parsed.path)), namespace, write_once=write_once)
    if parsed.scheme == "s3":
        return S3Store.from_settings(
            bucket=parsed.netloc,
            prefix=parsed.path.strip("/"),
            namespace=namespace,
            write_once=write_once,
            settings=settings,
        )
    raise StorageError(f"unsupported storage URL {url!r}: use file:///path or s3://bucket/prefix")


def originals(settings: Settings | None = None) -> ObjectStore:
    return open_store(ORIGINALS, settings)


def derivatives(settings: Settings | None = None) -> ObjectStore:
    return open_store(DERIVATIVES, settings)
