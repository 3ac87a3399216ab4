"""`bwv storage init` makes the S3 bucket, with Object Lock for originals when a lock is
configured, is safe to run again, and refuses (with a message, no traceback) to lock originals
into an existing bucket that has no Object Lock."""

from __future__ import annotations

import os
import uuid

import boto3
from typer.testing import CliRunner

from openbwv.composition import cli
from openbwv.config import get_settings
from openbwv.storage.factory import clear_store_cache
from tests.support.s3server import s3_settings_kwargs


def _env(bucket: str, lock_days: int) -> dict[str, str]:
    s3 = s3_settings_kwargs()
    return {
        "BWV_STORAGE_URL": f"s3://{bucket}/openbwv",
        "BWV_S3_ENDPOINT_URL": s3["s3_endpoint_url"],
        "BWV_S3_REGION": s3["s3_region"],
        "BWV_S3_ACCESS_KEY_ID": s3["s3_access_key_id"],
        "BWV_S3_SECRET_ACCESS_KEY": s3["s3_secret_access_key"],
        "BWV_S3_OBJECT_LOCK_DAYS": str(lock_days),
    }


def _init(env: dict[str, str]) -> tuple[int, str]:
    """`bwv storage init` in this process, with `env` in the process's environment before the
    cached settings are forgotten: a background thread of an earlier test (the audit integrator)
    reading settings meanwhile then caches these, never the session's."""
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    get_settings.cache_clear()
    clear_store_cache()
    try:
        result = CliRunner().invoke(cli(), ["storage", "init"])
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        get_settings.cache_clear()
        clear_store_cache()
    return result.exit_code, result.output


def test_storage_init_creates_a_locked_bucket_and_is_safe_to_repeat() -> None:
    bucket = f"init-{uuid.uuid4().hex[:12]}"
    env = _env(bucket, lock_days=1)
    code, output = _init(env)
    assert code == 0, output
    assert "originals locked for 1 days (COMPLIANCE)" in output
    s3 = s3_settings_kwargs()
    client = boto3.client(
        "s3",
        endpoint_url=s3["s3_endpoint_url"],
        region_name=s3["s3_region"],
        aws_access_key_id=s3["s3_access_key_id"],
        aws_secret_access_key=s3["s3_secret_access_key"],
    )
    lock = client.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]
    assert lock["ObjectLockEnabled"] == "Enabled"
    assert _init(env)[0] == 0  # again: the existing bucket is checked, not changed

    plain = f"plain-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=plain)
    code, output = _init(_env(plain, lock_days=1))
    assert code != 0
    assert "Object Lock" in output and "Traceback" not in output
