"""The factory picks an adapter from BWV_STORAGE_URL and keeps one store per configuration."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from openbwv.config import Settings
from openbwv.storage.base import StorageError
from openbwv.storage.factory import clear_store_cache, derivatives, open_store, originals
from openbwv.storage.local import LocalStore
from openbwv.storage.s3 import S3Store

try:
    from tests.support.s3server import s3_settings_kwargs, unique_bucket
except ModuleNotFoundError:  # pytest put tests/ itself on sys.path (tests/ is not a package)
    from support.s3server import s3_settings_kwargs, unique_bucket


def test_local_url(tmp_path: Path) -> None:
    settings = Settings(storage_url=(tmp_path / "objects").as_uri())
    store = originals(settings)
    assert isinstance(store, LocalStore)
    assert store.root == tmp_path / "objects" / "originals"
    assert store.write_once
    assert originals(Settings(storage_url=(tmp_path / "objects").as_uri())) is store  # cached
    other = derivatives(settings)
    assert isinstance(other, LocalStore) and not other.write_once and other is not store
    clear_store_cache()
    assert originals(settings) is not store


def test_s3_url() -> None:
    bucket = unique_bucket("bwv-factory")
    settings = Settings(storage_url=f"s3://{bucket}/site-a/", **s3_settings_kwargs())
    store = open_store("originals", settings)
    assert isinstance(store, S3Store)
    assert (store.bucket, store.base, store.write_once) == (bucket, "site-a/originals", True)
    assert open_store("originals", settings) is store
    changed = settings.model_copy(update={"s3_region": "eu-west-1"})
    assert open_store("originals", changed) is not store


def test_unsupported_url() -> None:
    with pytest.raises(StorageError, match="unsupported storage URL"):
        open_store("originals", Settings(storage_url="ftp://example.org/x"))


def test_a_lock_longer_than_the_shortest_retention_is_warned_about(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # COMPLIANCE locks cannot be shortened: disposal would have to wait for them, past the policy.
    base = {"storage_url": f"s3://{unique_bucket('bwv-days')}", **s3_settings_kwargs()}
    with caplog.at_level(logging.WARNING, logger="openbwv.storage.s3"):
        open_store("originals", Settings(**base, s3_object_lock_days=31))
        open_store("derivatives", Settings(**base, s3_object_lock_days=40))  # never locked
        assert caplog.records == []
        open_store("originals", Settings(**base, s3_object_lock_days=40))
    assert [r.getMessage() for r in caplog.records] == [
        "BWV_S3_OBJECT_LOCK_DAYS=40 is longer than the shortest retention "
        "(BWV_RETENTION_NON_EVIDENTIAL_DAYS=31): footage due for disposal stays locked in the "
        "bucket until its lock ends; set the lock to at most the shortest retention"
    ]
