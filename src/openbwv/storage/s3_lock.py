"""Object Lock for the S3 store: COMPLIANCE retention on write-once originals, and bucket set-up.

Write-once: with `write_once` and `s3_object_lock_days > 0`, originals are written under Object Lock
in COMPLIANCE mode until now + days. Object Lock protects object *versions*: S3 refuses to delete a
locked version, but a new version can still be put at the same key, and a DeleteObject without a
version id only adds a delete marker. Hence `bwv fsck` rehashes, and `S3Store.delete` removes every
version explicitly, which is what S3 refuses while retention applies.

The lock arguments go on every write of a digest key (`_lock_args`); `_ensure_retention` then checks
that the server kept them. The bucket's Object Lock configuration is checked once, before the first
locked write (`_require_lock`), so that originals are never stored unlocked by mistake.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from openbwv.storage.base import StorageError
from openbwv.storage.s3_client import (
    LOCK_NOT_CONFIGURED,
    NO_BUCKET,
    NOT_FOUND,
    S3Bucket,
    error_code,
    log,
)


def warn_if_lock_outlasts_retention(lock_days: int, shortest_retention_days: int) -> bool:
    """Log a warning (True) when originals would stay locked longer than the shortest retention.

    Object Lock in COMPLIANCE mode cannot be shortened, by anyone: footage due for disposal would
    stay in the bucket until its lock ends, longer than the force's policy allows (a disposal that
    meets a lock waits and retries). Not an error, so that the platform still starts and the
    setting can be corrected; the lock on originals already written stays as it was.
    """
    if lock_days <= shortest_retention_days:
        return False
    log.warning(
        "BWV_S3_OBJECT_LOCK_DAYS=%d is longer than the shortest retention "
        "(BWV_RETENTION_NON_EVIDENTIAL_DAYS=%d): footage due for disposal stays locked in the "
        "bucket until its lock ends; set the lock to at most the shortest retention",
        lock_days,
        shortest_retention_days,
    )
    return True


class ObjectLockBucket(S3Bucket):
    """A bucket whose write-once originals are kept under COMPLIANCE retention for `lock_days`
    (0: no Object Lock). `S3Store` sets the attributes."""

    namespace: str
    lock_days: int
    _lock_checked: bool

    def _retain_until(self) -> datetime | None:
        return datetime.now(UTC) + timedelta(days=self.lock_days) if self.lock_days else None

    @staticmethod
    def _lock_args(until: datetime | None) -> dict[str, Any]:
        if until is None:
            return {}
        return {"ObjectLockMode": "COMPLIANCE", "ObjectLockRetainUntilDate": until}

    def _ensure_retention(self, object_key: str, version_id: str | None, until: datetime) -> None:
        """Check that the version just written is under COMPLIANCE retention; set it if not.

        Some S3-compatible servers drop the Object Lock headers of CreateMultipartUpload (moto
        does): rather than keep an unlocked original, set the retention with PutObjectRetention,
        and fail loudly if even that does not hold.
        """
        version: dict[str, Any] = {"VersionId": version_id} if version_id else {}
        for attempt in range(2):
            try:
                head = self.client.head_object(Bucket=self.bucket, Key=object_key, **version)
            except (ClientError, BotoCoreError) as exc:
                raise self._error(exc, "HeadObject", object_key) from exc
            retained = head.get("ObjectLockRetainUntilDate")
            if (
                head.get("ObjectLockMode") == "COMPLIANCE"
                and retained is not None
                and retained >= until - timedelta(seconds=1)
            ):
                return
            if attempt:
                break
            log.warning(
                "%s was stored without its Object Lock retention; setting it now",
                self._where(object_key),
            )
            try:
                self.client.put_object_retention(
                    Bucket=self.bucket,
                    Key=object_key,
                    Retention={"Mode": "COMPLIANCE", "RetainUntilDate": until},
                    **version,
                )
            except (ClientError, BotoCoreError) as exc:
                raise self._error(exc, "PutObjectRetention on", object_key) from exc
        raise StorageError(
            f"{self._where(object_key)} was stored but is NOT under Object Lock retention: "
            "the server ignored both the upload's lock headers and PutObjectRetention"
        )

    def _check_object_lock(self, *, missing_ok: bool = False) -> None:
        try:
            response = self.client.get_object_lock_configuration(Bucket=self.bucket)
        except ClientError as exc:
            if missing_ok and error_code(exc) in NO_BUCKET:
                return
            if error_code(exc) != LOCK_NOT_CONFIGURED:
                raise self._error(exc, "reading the Object Lock configuration of") from exc
            enabled = False
        except BotoCoreError as exc:
            raise self._error(exc, "reading the Object Lock configuration of") from exc
        else:
            config = response.get("ObjectLockConfiguration", {})
            enabled = config.get("ObjectLockEnabled") == "Enabled"
        if not enabled:
            why = (
                f": write-once {self.namespace} require COMPLIANCE retention "
                f"(BWV_S3_OBJECT_LOCK_DAYS={self.lock_days}). Use a bucket created with Object "
                "Lock enabled, or set BWV_S3_OBJECT_LOCK_DAYS=0 to store originals without it"
                if self.lock_days
                else ""
            )
            raise StorageError(f"S3 bucket {self.bucket!r} does not have Object Lock enabled{why}")
        self._lock_checked = True

    def _require_lock(self) -> None:
        if self.lock_days and not self._lock_checked:
            self._check_object_lock()

    def ensure_bucket(self, object_lock: bool) -> None:
        """Create the bucket if needed (with Object Lock, hence versioning, when asked).

        An existing bucket is left as it is; asking for Object Lock on one without it is an error
        (enabling it on a live bucket is a decision for its owner, not a side effect of setup).
        """
        exists = True
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            if error_code(exc) not in NOT_FOUND | NO_BUCKET:
                raise self._error(exc, "HeadBucket") from exc
            exists = False
        except BotoCoreError as exc:
            raise self._error(exc, "HeadBucket") from exc
        if not exists:
            args: dict[str, Any] = {"Bucket": self.bucket}
            region = self.client.meta.region_name
            if region and region != "us-east-1":
                args["CreateBucketConfiguration"] = {"LocationConstraint": region}
            if object_lock:
                args["ObjectLockEnabledForBucket"] = True
            try:
                self.client.create_bucket(**args)
            except ClientError as exc:
                if error_code(exc) != "BucketAlreadyOwnedByYou":
                    raise self._error(exc, "CreateBucket") from exc
            except BotoCoreError as exc:
                raise self._error(exc, "CreateBucket") from exc
        if object_lock:
            self._check_object_lock()
