"""Disposal against real Object Lock: Ceph's RADOS Gateway (`BWV_TEST_RGW_URL`, started by
`scripts/ceph-rgw.sh`; `.ci/run` always sets it; without it this is not collected). moto does not
enforce every Object Lock rule, so the claim that a locked original waits rests here.

An item whose original is under COMPLIANCE retention is disposed of: the record becomes a
tombstone at once, the byte deletion stays pending with the store's refusal (the run does not
fail), and the first run after the retain-until date deletes the bytes, exactly once. The lock is
set two seconds ahead (S3 takes a date, kept to the second) and the test waits on the clock for
it to pass, never a fixed sleep; the retention clock is the `now` each run is given.
"""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from openbwv.audit.models import AuditEvent
from openbwv.config import Settings
from openbwv.db.session import unit_of_work
from openbwv.evidence.models import EvidenceItem
from openbwv.retention.models import ByteDeletion
from openbwv.storage.factory import derivatives
from openbwv.storage.s3 import S3Store
from tests.retention.helpers import now, old_item, status_of, sweep
from tests.support import factories
from tests.support.s3server import RGW_URL, rgw_settings_kwargs, unique_bucket
from tests.support.stack import Stack
from tests.support.waiting import wait_until


def _deletion(item_id: object) -> ByteDeletion:
    with unit_of_work() as session:
        row = session.scalar(select(ByteDeletion).where(ByteDeletion.evidence_id == item_id))
        assert row is not None
        session.expunge(row)
        return row


def _bytes_events(item_id: object) -> int:
    with unit_of_work() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.evidence_id == item_id, AuditEvent.action == "retention.bytes")
            )
            or 0
        )


if RGW_URL:

    def test_a_locked_original_waits_then_goes_exactly_once(stack: Stack) -> None:
        settings = Settings(**rgw_settings_kwargs(), s3_object_lock_days=1)
        bucket = unique_bucket("bwv-disposal")
        store = S3Store.from_settings(bucket, "", "originals", True, settings)
        store.ensure_bucket(object_lock=True)
        stores = {"originals": store, "derivatives": derivatives()}
        data = os.urandom(4096)
        key = hashlib.sha256(data).hexdigest()
        item = old_item(factories.officer(), 40, stored=False)
        with unit_of_work() as session:
            found = session.get(EvidenceItem, item)
            assert found is not None
            found.sha256 = key  # its original is the locked object (content addressed)
        start = now()
        assert sweep(start, item, stores=stores).newly_queued == 1

        # The original, locked for two seconds from now: the disposal meets the lock.
        soon = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)
        store.client.put_object(
            Bucket=store.bucket,
            Key=store.object_key(key),
            Body=data,
            Metadata={"sha256": key},
            ObjectLockMode="COMPLIANCE",
            ObjectLockRetainUntilDate=soon,
        )
        after_grace = start + timedelta(days=8)
        report = sweep(after_grace, item, stores=stores)
        assert report.disposed == 1 and report.bytes_pending >= 1
        assert status_of(item) == "disposed"  # the tombstone does not wait for the bytes
        pending = _deletion(item)
        assert pending.done_at is None and pending.attempts == 1
        assert "Object Lock" in (pending.last_error or "")
        assert store.exists(key) and _bytes_events(item) == 0

        wait_until(lambda: datetime.now(UTC) > soon, timeout=15, what="the retain-until date")
        sweep(after_grace, item, stores=stores)
        done = _deletion(item)
        assert done.done_at is not None and done.outcome == "deleted"
        assert not store.exists(key)
        listing = store.client.list_object_versions(
            Bucket=store.bucket, Prefix=store.object_key(key)
        )
        assert listing.get("Versions", []) == listing.get("DeleteMarkers", []) == []
        sweep(after_grace, item, stores=stores)  # a later run finds nothing left to do
        assert _bytes_events(item) == 1
