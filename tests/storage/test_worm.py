"""Write-once originals, proved where Object Lock is really enforced: Ceph's RADOS Gateway.

moto does not enforce every Object Lock rule (it lets COMPLIANCE retention be shortened, for one),
so the claims the platform makes about WORM storage rest on these tests, which run against the
gateway `scripts/ceph-rgw.sh` starts (`BWV_TEST_RGW_URL`; `.ci/run` always sets it). Without it
they are not collected, like the other tests of a service that is not there.

- The store's `delete` of a locked original is refused, as `ObjectLocked` carrying the retain-until
  date, and nothing is removed.
- COMPLIANCE retention cannot be shortened, removed or bypassed (the governance bypass header).
- After the retain-until date the same `delete` removes the object, every version. The test locks
  an original for two seconds (S3 takes a date, which Ceph keeps to the second) rather than the
  store's whole days, waits on the clock for that date to pass (polling, not a fixed sleep), then
  deletes.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError

from openbwv.config import Settings
from openbwv.storage.base import ObjectLocked
from openbwv.storage.s3 import S3Store

try:
    from tests.support.s3server import RGW_URL, rgw_settings_kwargs, unique_bucket
    from tests.support.waiting import wait_until
except ModuleNotFoundError:  # pytest put tests/ itself on sys.path (tests/ is not a package)
    from support.s3server import RGW_URL, rgw_settings_kwargs, unique_bucket
    from support.waiting import wait_until

LOCK_DAYS = 1


def _denied(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = exc.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


if RGW_URL:

    @pytest.fixture(scope="module")
    def rgw_bucket() -> str:
        bucket = unique_bucket("bwv-worm")
        settings = Settings(**rgw_settings_kwargs())
        S3Store.from_settings(bucket, "", "originals", True, settings).ensure_bucket(
            object_lock=True
        )
        return bucket

    @pytest.fixture
    def originals(rgw_bucket: str) -> S3Store:
        settings = Settings(**rgw_settings_kwargs(), s3_object_lock_days=LOCK_DAYS)
        prefix = f"t-{uuid.uuid4().hex[:12]}"
        return S3Store.from_settings(rgw_bucket, prefix, "originals", True, settings)

    def test_deleting_a_locked_original_is_refused(originals: S3Store) -> None:
        before = datetime.now(UTC)
        key = originals.put_bytes(b"evidential footage").key
        with pytest.raises(ObjectLocked) as locked:
            originals.delete(key)
        assert locked.value.key == key
        until = locked.value.retain_until
        assert until is not None
        assert abs(until - (before + timedelta(days=LOCK_DAYS))) < timedelta(minutes=2)
        assert originals.read_all(key) == b"evidential footage"  # nothing was removed

        client, object_key = originals.client, originals.object_key(key)
        version = client.head_object(Bucket=originals.bucket, Key=object_key)["VersionId"]
        with pytest.raises(ClientError) as raw:
            client.delete_object(Bucket=originals.bucket, Key=object_key, VersionId=version)
        assert _denied(raw) == ("AccessDenied", 403)

    def test_compliance_retention_cannot_be_shortened_or_bypassed(originals: S3Store) -> None:
        key = originals.put_bytes(b"cannot be shortened").key
        client, bucket, object_key = originals.client, originals.bucket, originals.object_key(key)
        head = client.head_object(Bucket=bucket, Key=object_key)
        version, until = head["VersionId"], head["ObjectLockRetainUntilDate"]
        assert head["ObjectLockMode"] == "COMPLIANCE"

        for retention in (
            {"Mode": "COMPLIANCE", "RetainUntilDate": until - timedelta(hours=1)},
            {"Mode": "GOVERNANCE", "RetainUntilDate": until},
        ):
            with pytest.raises(ClientError) as shortened:
                client.put_object_retention(
                    Bucket=bucket,
                    Key=object_key,
                    VersionId=version,
                    Retention=retention,  # type: ignore[typeddict-item]
                    BypassGovernanceRetention=True,
                )
            assert _denied(shortened) == ("AccessDenied", 403)
        with pytest.raises(ClientError) as bypassed:
            client.delete_object(
                Bucket=bucket, Key=object_key, VersionId=version, BypassGovernanceRetention=True
            )
        assert _denied(bypassed) == ("AccessDenied", 403)
        after = client.get_object_retention(Bucket=bucket, Key=object_key, VersionId=version)
        assert after["Retention"] == {"Mode": "COMPLIANCE", "RetainUntilDate": until}

    def test_deletion_succeeds_after_the_retain_until_date(originals: S3Store) -> None:
        # An original as the store writes it, but locked for two seconds rather than a day.
        data = b"due for disposal"
        key = hashlib.sha256(data).hexdigest()
        client, bucket, object_key = originals.client, originals.bucket, originals.object_key(key)
        soon = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)
        client.put_object(
            Bucket=bucket,
            Key=object_key,
            Body=data,
            Metadata={"sha256": key},
            ObjectLockMode="COMPLIANCE",
            ObjectLockRetainUntilDate=soon,
        )
        with pytest.raises(ObjectLocked) as locked:
            originals.delete(key)
        assert locked.value.retain_until == soon
        assert originals.read_all(key) == data

        # Disposal retries after the date: here once the clock has passed it (no blind sleep).
        wait_until(lambda: datetime.now(UTC) > soon, timeout=10, what="the retain-until date")
        originals.delete(key)
        assert not originals.exists(key)
        listing = client.list_object_versions(Bucket=bucket, Prefix=object_key)
        assert listing.get("Versions", []) == listing.get("DeleteMarkers", []) == []
