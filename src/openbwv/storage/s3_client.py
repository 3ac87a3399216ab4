"""What every S3 operation of the store shares: the boto3 client, S3's limits and error codes,
checksum encoding, and `S3Bucket`, which turns botocore errors into StorageError."""

from __future__ import annotations

import base64
import logging
import threading
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from openbwv.storage.base import ObjectNotFound, StorageError

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client

    from openbwv.config import Settings

# One logger for all the S3 modules, named as it was before they were split out of s3.py, so that
# logging configuration aimed at `openbwv.storage.s3` still applies to everything they log.
log = logging.getLogger("openbwv.storage.s3")

MiB = 1024 * 1024
MIN_PART = 5 * MiB  # S3's smallest part (except the last)
MAX_PART = 5 * 1024 * MiB  # S3's largest part, and the largest single CopyObject
MAX_PARTS = 10_000
INCOMING = ".incoming"
NOT_FOUND = frozenset({"404", "NoSuchKey", "NotFound"})
NO_BUCKET = frozenset({"NoSuchBucket"})
CONDITION_FAILED = frozenset({"PreconditionFailed", "412"})
CONDITION_CONFLICT = frozenset({"ConditionalRequestConflict", "409"})
LOCK_NOT_CONFIGURED = "ObjectLockConfigurationNotFoundError"


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def b64_checksum(digest: bytes) -> str:
    return base64.b64encode(digest).decode("ascii")


EMPTY_MD5 = "1B2M2Y8AsgTpgAmY7PhCfg=="  # base64 MD5 of b""


def add_copy_lock_md5(params: dict[str, Any], **_: Any) -> None:
    """Content-MD5 (of the empty body) on a CopyObject that sets Object Lock retention.

    S3 requires Content-MD5 or a checksum on writes "with Object Lock parameters"; a copy has no
    body to checksum and botocore models no Content-MD5 for it. Some servers (moto among them)
    refuse the copy without it; the MD5 of the empty request body is correct on all of them.
    """
    headers = params.get("headers", {})
    if "x-amz-object-lock-mode" in headers and "Content-MD5" not in headers:
        headers["Content-MD5"] = EMPTY_MD5


_session_lock = threading.Lock()
_session: boto3.session.Session | None = None


def make_client(settings: Settings) -> S3Client:
    """A client for one store. Clients are thread-safe; a boto3 session is not, so the one shared
    session (which caches the parsed S3 service model) only ever creates clients under a lock."""
    secret = settings.s3_secret_access_key
    config = Config(
        region_name=settings.s3_region,
        retries={"max_attempts": 5, "mode": "standard"},
        max_pool_connections=32,
        # Custom endpoints (MinIO, Ceph, moto) are addressed by path; AWS picks virtual hosts.
        s3={"addressing_style": "path" if settings.s3_endpoint_url else "auto"},
        # Checksums are computed here (SHA-256) and sent explicitly; no extra CRC32 per request.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_supported",
    )
    global _session
    with _session_lock:
        if _session is None:
            _session = boto3.session.Session()
        return _session.client(
            "s3",
            endpoint_url=settings.s3_endpoint_url,
            aws_access_key_id=settings.s3_access_key_id,
            aws_secret_access_key=secret.get_secret_value() if secret is not None else None,
            config=config,
        )


class S3Bucket:
    """A bucket reached through one client: error translation and the small requests (HeadObject,
    DeleteObject) that uploads, Object Lock checks and deletion all use.

    `S3Store` sets the attributes; this class only reads them.
    """

    client: S3Client
    bucket: str

    def _where(self, object_key: str | None = None) -> str:
        return f"s3://{self.bucket}/{object_key}" if object_key else f"s3://{self.bucket}"

    def _error(self, exc: Exception, action: str, object_key: str | None = None) -> StorageError:
        where = self._where(object_key)
        if isinstance(exc, ClientError):
            code = error_code(exc)
            if object_key and code in NOT_FOUND:
                return ObjectNotFound(object_key.rsplit("/", 1)[-1])
            if code in NO_BUCKET or (object_key is None and code in NOT_FOUND):
                return StorageError(
                    f"S3 bucket {self.bucket!r} does not exist (create it with `bwv storage init`)"
                )
            message = exc.response.get("Error", {}).get("Message") or ""
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            return StorageError(f"S3 {action} {where} failed: {code} {message} (HTTP {status})")
        return StorageError(f"S3 {action} {where} failed: {exc}")

    def _head(self, object_key: str) -> int | None:
        """Size of the object, or None when there is none."""
        try:
            response = self.client.head_object(Bucket=self.bucket, Key=object_key)
        except ClientError as exc:
            if error_code(exc) in NOT_FOUND:
                return None
            raise self._error(exc, "HeadObject", object_key) from exc
        except BotoCoreError as exc:
            raise self._error(exc, "HeadObject", object_key) from exc
        return int(response["ContentLength"])

    def _lost_race(self, exc: ClientError, object_key: str) -> bool:
        """A conditional write failed: True when another writer stored the same bytes first."""
        code = error_code(exc)
        if code in CONDITION_FAILED:
            return True
        if code in CONDITION_CONFLICT:  # a concurrent conditional write is in flight
            return self._head(object_key) is not None
        return False

    def _delete_version(self, object_key: str, version_id: str | None) -> None:
        args: dict[str, Any] = {"Bucket": self.bucket, "Key": object_key}
        if version_id:
            args["VersionId"] = version_id
        self.client.delete_object(**args)

    def _discard(self, object_key: str, version_id: str | None) -> None:
        """Best-effort removal of a temporary object; a leftover is logged, never raised."""
        try:
            self._delete_version(object_key, version_id)
        except (ClientError, BotoCoreError) as exc:
            log.warning("could not delete temporary object %s: %s", self._where(object_key), exc)
