"""S3 store (AWS S3, MinIO, Ceph RGW): content-addressed objects at `{prefix}/{namespace}/{sha256}`.

Integrity on the way in: every upload request carries a SHA-256 checksum computed here while the
bytes are read (`ChecksumSHA256`, per part for multipart uploads), so S3 rejects bytes damaged in
transit, and the whole-object hex digest is kept in the user metadata `sha256`. `put_file` checks
that the file really hashes to the announced digest before completing the upload; nothing is stored
when it does not.

Write-once: with `write_once` and `s3_object_lock_days > 0`, originals are written under Object Lock
in COMPLIANCE mode until now + days. Object Lock protects object *versions*: S3 refuses to delete a
locked version, but a new version can still be put at the same key, and a DeleteObject without a
version id only adds a delete marker. Hence `bwv fsck` rehashes, and `delete` removes every version
explicitly, which is what S3 refuses while retention applies.

Identical bytes are stored once: a HeadObject check, then a conditional write (`If-None-Match: *`)
so that two concurrent writers of the same bytes do not both create a version (where the server
honours the condition atomically, as AWS S3 does).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import math
import shutil
import tempfile
import threading
import uuid
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from openbwv.storage.base import (
    READ_CHUNK,
    SHA256_HEX,
    DigestMismatch,
    ObjectNotFound,
    ObjectStore,
    PutResult,
    StorageError,
    check_key,
)

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client
    from mypy_boto3_s3.type_defs import CompletedPartTypeDef, CopySourceTypeDef

    from openbwv.config import Settings

log = logging.getLogger(__name__)

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


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode("ascii")


EMPTY_MD5 = "1B2M2Y8AsgTpgAmY7PhCfg=="  # base64 MD5 of b""


def _copy_lock_md5(params: dict[str, Any], **_: Any) -> None:
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


class S3Store(ObjectStore):
    """One namespace of a bucket. Thread-safe: the only shared state is the boto3 client."""

    def __init__(
        self,
        client: S3Client,
        bucket: str,
        prefix: str,
        namespace: str,
        *,
        write_once: bool,
        object_lock_days: int = 0,
        multipart_threshold: int = 64 * MiB,
        multipart_chunk: int = 64 * MiB,
    ) -> None:
        if not bucket:
            raise StorageError("S3 storage URL has no bucket: use s3://bucket[/prefix]")
        if not namespace or "/" in namespace or namespace.startswith("."):
            raise StorageError(f"invalid storage namespace {namespace!r}")
        if multipart_chunk < MIN_PART:
            raise StorageError(f"S3 multipart chunk must be at least {MIN_PART} bytes")
        if object_lock_days < 0:
            raise StorageError("S3 object lock days must be >= 0")
        self.client = client
        client.meta.events.register(
            "before-call.s3.CopyObject", _copy_lock_md5, unique_id="openbwv-copy-lock-md5"
        )
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.namespace = namespace
        self.write_once = write_once
        self.base = f"{self.prefix}/{namespace}" if self.prefix else namespace
        self.lock_days = object_lock_days if write_once else 0
        self.multipart_threshold = max(multipart_threshold, 1)
        self.multipart_chunk = min(multipart_chunk, MAX_PART)
        self.copy_limit = MAX_PART  # above this, server-side copy goes part by part
        self._lock_checked = False
        if self.lock_days:
            # Fail now, clearly, rather than store originals unlocked. A bucket that does not exist
            # yet (before `bwv setup` / ensure_bucket) is checked again before the first write.
            self._check_object_lock(missing_ok=True)

    @classmethod
    def from_settings(
        cls, bucket: str, prefix: str, namespace: str, write_once: bool, settings: Settings
    ) -> S3Store:
        return cls(
            make_client(settings),
            bucket,
            prefix,
            namespace,
            write_once=write_once,
            object_lock_days=settings.s3_object_lock_days,
            multipart_threshold=settings.s3_multipart_threshold,
            multipart_chunk=settings.s3_multipart_chunk,
        )

    def __repr__(self) -> str:
        return f"S3Store(s3://{self.bucket}/{self.base}, write_once={self.write_once})"

    # ----------------------------------------------------------------------------------- helpers

    def object_key(self, key: str) -> str:
        return f"{self.base}/{check_key(key)}"

    def _where(self, object_key: str | None = None) -> str:
        return f"s3://{self.bucket}/{object_key}" if object_key else f"s3://{self.bucket}"

    def _error(self, exc: Exception, action: str, object_key: str | None = None) -> StorageError:
        where = self._where(object_key)
        if isinstance(exc, ClientError):
            code = _code(exc)
            if object_key and code in NOT_FOUND:
                return ObjectNotFound(object_key.rsplit("/", 1)[-1])
            if code in NO_BUCKET or (object_key is None and code in NOT_FOUND):
                return StorageError(
                    f"S3 bucket {self.bucket!r} does not exist (create it with `bwv setup`)"
                )
            message = exc.response.get("Error", {}).get("Message") or ""
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            return StorageError(f"S3 {action} {where} failed: {code} {message} (HTTP {status})")
        return StorageError(f"S3 {action} {where} failed: {exc}")

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
            if missing_ok and _code(exc) in NO_BUCKET:
                return
            if _code(exc) != LOCK_NOT_CONFIGURED:
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

    def _head(self, object_key: str) -> int | None:
        """Size of the object, or None when there is none."""
        try:
            response = self.client.head_object(Bucket=self.bucket, Key=object_key)
        except ClientError as exc:
            if _code(exc) in NOT_FOUND:
                return None
            raise self._error(exc, "HeadObject", object_key) from exc
        except BotoCoreError as exc:
            raise self._error(exc, "HeadObject", object_key) from exc
        return int(response["ContentLength"])

    def _lost_race(self, exc: ClientError, object_key: str) -> bool:
        """A conditional write failed: True when another writer stored the same bytes first."""
        code = _code(exc)
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

    def _part_size(self, size: int | None) -> int:
        if size is None:
            return self.multipart_chunk
        return min(MAX_PART, max(self.multipart_chunk, math.ceil(size / MAX_PARTS)))

    # ------------------------------------------------------------------------------ uploading

    def _put_single(self, object_key: str, data: bytes, sha256: str, digest: bytes) -> bool:
        """PutObject with a SHA-256 checksum S3 verifies; False when the object already exists."""
        until = self._retain_until()
        try:
            response = self.client.put_object(
                Bucket=self.bucket,
                Key=object_key,
                Body=data,
                ContentType="application/octet-stream",
                ChecksumAlgorithm="SHA256",
                ChecksumSHA256=_b64(digest),
                Metadata={"sha256": sha256},
                IfNoneMatch="*",
                **self._lock_args(until),
            )
        except ClientError as exc:
            if self._lost_race(exc, object_key):
                return False
            raise self._error(exc, "PutObject", object_key) from exc
        except BotoCoreError as exc:
            raise self._error(exc, "PutObject", object_key) from exc
        if until is not None:
            self._ensure_retention(object_key, response.get("VersionId"), until)
        return True

    def _put_multipart(
        self,
        object_key: str,
        parts: Iterable[bytes],
        *,
        expected: str | None,
        final: bool,
    ) -> tuple[str, int, bool, str | None]:
        """Multipart upload hashing each part (checksum sent with it) and the whole object.

        `expected`: the digest the bytes must have, checked before completing (DigestMismatch).
        `final`: the digest key itself (metadata, Object Lock, If-None-Match), else a temporary key.
        Returns (hex digest, size, created, version id). The upload is aborted on any failure.
        """
        extra: dict[str, Any] = {}
        until = self._retain_until() if final else None
        if final:
            assert expected is not None
            extra = {"Metadata": {"sha256": expected}, **self._lock_args(until)}
        try:
            upload = self.client.create_multipart_upload(
                Bucket=self.bucket,
                Key=object_key,
                ContentType="application/octet-stream",
                ChecksumAlgorithm="SHA256",
                **extra,
            )
        except (ClientError, BotoCoreError) as exc:
            raise self._error(exc, "CreateMultipartUpload", object_key) from exc
        upload_id = upload["UploadId"]
        whole = hashlib.sha256()
        size = 0
        completed: list[CompletedPartTypeDef] = []
        try:
            for number, data in enumerate(parts, start=1):
                whole.update(data)
                size += len(data)
                checksum = _b64(hashlib.sha256(data).digest())
                response = self.client.upload_part(
                    Bucket=self.bucket,
                    Key=object_key,
                    UploadId=upload_id,
                    PartNumber=number,
                    Body=data,
                    ChecksumAlgorithm="SHA256",
                    ChecksumSHA256=checksum,
                )
                completed.append(
                    {"PartNumber": number, "ETag": response["ETag"], "ChecksumSHA256": checksum}
                )
            sha256 = whole.hexdigest()
            if expected is not None and sha256 != expected:
                raise DigestMismatch(
                    f"bytes hash to {sha256}, not the announced {expected}; nothing stored"
                )
            condition: dict[str, Any] = {"IfNoneMatch": "*"} if final else {}
            try:
                response_c = self.client.complete_multipart_upload(
                    Bucket=self.bucket,
                    Key=object_key,
                    UploadId=upload_id,
                    MultipartUpload={"Parts": completed},
                    **condition,
                )
            except ClientError as exc:
                if final and self._lost_race(exc, object_key):
                    self._abort(object_key, upload_id)
                    return sha256, size, False, None
                raise
        except (ClientError, BotoCoreError) as exc:
            self._abort(object_key, upload_id)
            raise self._error(exc, "multipart upload to", object_key) from exc
        except BaseException:
            self._abort(object_key, upload_id)
            raise
        version_id = response_c.get("VersionId")
        if until is not None:
            self._ensure_retention(object_key, version_id, until)
        return sha256, size, True, version_id

    def _abort(self, object_key: str, upload_id: str) -> None:
        try:
            self.client.abort_multipart_upload(
                Bucket=self.bucket, Key=object_key, UploadId=upload_id
            )
        except ClientError as exc:
            if _code(exc) != "NoSuchUpload":
                log.warning("could not abort multipart upload %s: %s", upload_id, exc)
        except BotoCoreError as exc:
            log.warning("could not abort multipart upload %s: %s", upload_id, exc)

    def _copy(self, source_key: str, version_id: str | None, object_key: str, size: int) -> bool:
        """Server-side copy of the temporary object to its digest key; False when it exists."""
        sha256 = object_key.rsplit("/", 1)[-1]
        source: CopySourceTypeDef = {"Bucket": self.bucket, "Key": source_key}
        if version_id:
            source["VersionId"] = version_id
        until = self._retain_until()
        extra: dict[str, Any] = {"Metadata": {"sha256": sha256}, **self._lock_args(until)}
        if size <= self.copy_limit:
            try:
                response = self.client.copy_object(
                    Bucket=self.bucket,
                    Key=object_key,
                    CopySource=source,
                    MetadataDirective="REPLACE",
                    ContentType="application/octet-stream",
                    ChecksumAlgorithm="SHA256",
                    IfNoneMatch="*",
                    **extra,
                )
            except ClientError as exc:
                if self._lost_race(exc, object_key):
                    return False
                raise self._error(exc, "CopyObject to", object_key) from exc
            except BotoCoreError as exc:
                raise self._error(exc, "CopyObject to", object_key) from exc
            if until is not None:
                self._ensure_retention(object_key, response.get("VersionId"), until)
            return True
        try:
            upload = self.client.create_multipart_upload(
                Bucket=self.bucket,
                Key=object_key,
                ContentType="application/octet-stream",
                ChecksumAlgorithm="SHA256",
                **extra,
            )
        except (ClientError, BotoCoreError) as exc:
            raise self._error(exc, "CreateMultipartUpload", object_key) from exc
        upload_id = upload["UploadId"]
        part_size = min(self._part_size(size), self.copy_limit)
        completed: list[CompletedPartTypeDef] = []
        try:
            for number, start in enumerate(range(0, size, part_size), start=1):
                end = min(start + part_size, size) - 1
                part_copy = self.client.upload_part_copy(
                    Bucket=self.bucket,
                    Key=object_key,
                    UploadId=upload_id,
                    PartNumber=number,
                    CopySource=source,
                    CopySourceRange=f"bytes={start}-{end}",
                )
                result = part_copy["CopyPartResult"]
                part: CompletedPartTypeDef = {"PartNumber": number, "ETag": result["ETag"]}
                if result.get("ChecksumSHA256"):
                    part["ChecksumSHA256"] = result["ChecksumSHA256"]
                completed.append(part)
            try:
                completed_copy = self.client.complete_multipart_upload(
                    Bucket=self.bucket,
                    Key=object_key,
                    UploadId=upload_id,
                    MultipartUpload={"Parts": completed},
                    IfNoneMatch="*",
                )
            except ClientError as exc:
                if self._lost_race(exc, object_key):
                    self._abort(object_key, upload_id)
                    return False
                raise
        except (ClientError, BotoCoreError) as exc:
            self._abort(object_key, upload_id)
            raise self._error(exc, "multipart copy to", object_key) from exc
        except BaseException:
            self._abort(object_key, upload_id)
            raise
        if until is not None:
            self._ensure_retention(object_key, completed_copy.get("VersionId"), until)
        return True

    def put_file(
        self, path: Path, sha256: str, *, consume: bool = False, verify: bool = True
    ) -> PutResult:
        # The upload reads every byte anyway, so the digest is always checked (verify is moot).
        key = check_key(sha256)
        object_key = self.object_key(key)
        size = path.stat().st_size
        existing = self._head(object_key)
        if existing is not None:
            if consume:
                path.unlink(missing_ok=True)
            return PutResult(key, key, existing, created=False)
        self._require_lock()
        if size < self.multipart_threshold:
            data = path.read_bytes()
            digest = hashlib.sha256(data)
            if digest.hexdigest() != key:
                raise DigestMismatch(
                    f"{path} hashes to {digest.hexdigest()}, not the announced {key}; "
                    "nothing stored"
                )
            created = self._put_single(object_key, data, key, digest.digest())
            size = len(data)
        else:
            with open(path, "rb") as handle:
                parts = _read_parts(handle, self._part_size(size))
                _, size, created, _ = self._put_multipart(
                    object_key, parts, expected=key, final=True
                )
        if consume:
            path.unlink(missing_ok=True)
        return PutResult(key, key, size, created=created)

    def put_stream(self, chunks: Iterable[bytes]) -> PutResult:
        iterator = iter(chunks)
        buffer = bytearray()
        for chunk in iterator:
            buffer += chunk
            if len(buffer) >= self.multipart_threshold:
                break
        else:
            # Small: the digest is known before anything is sent, so write the digest key directly.
            data = bytes(buffer)
            digest = hashlib.sha256(data)
            key = digest.hexdigest()
            object_key = self.object_key(key)
            existing = self._head(object_key)
            if existing is not None:
                return PutResult(key, key, existing, created=False)
            self._require_lock()
            created = self._put_single(object_key, data, key, digest.digest())
            return PutResult(key, key, len(data), created=created)
        return self._put_large_stream(buffer, iterator)

    def _put_large_stream(self, buffer: bytearray, rest: Iterator[bytes]) -> PutResult:
        """Upload to a temporary key while hashing, then copy server-side to the digest key."""
        self._require_lock()
        temp_key = f"{self.base}/{INCOMING}/{uuid.uuid4().hex}"
        chunk_size = self.multipart_chunk

        def parts() -> Iterator[bytes]:
            for chunk in rest:
                buffer.extend(chunk)
                while len(buffer) >= chunk_size:
                    yield bytes(buffer[:chunk_size])
                    del buffer[:chunk_size]
            while buffer:
                yield bytes(buffer[:chunk_size])
                del buffer[:chunk_size]

        key, size, _, version_id = self._put_multipart(
            temp_key, parts(), expected=None, final=False
        )
        try:
            object_key = self.object_key(key)
            existing = self._head(object_key)
            if existing is not None:
                return PutResult(key, key, existing, created=False)
            created = self._copy(temp_key, version_id, object_key, size)
            return PutResult(key, key, size, created=created)
        finally:
            self._discard(temp_key, version_id)

    # -------------------------------------------------------------------------------- reading

    def open_range(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        object_key = self.object_key(key)
        if start < 0:
            raise StorageError(f"invalid range start {start}")
        if end is not None and end < start:
            return iter(())
        args: dict[str, Any] = {}
        if start or end is not None:
            args["Range"] = f"bytes={start}-{'' if end is None else end}"
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=object_key, **args)
        except ClientError as exc:
            if _code(exc) == "InvalidRange":  # the range starts at or after the end of the object
                return iter(())
            raise self._error(exc, "GetObject", object_key) from exc
        except BotoCoreError as exc:
            raise self._error(exc, "GetObject", object_key) from exc
        return self._iter_body(response["Body"], object_key)

    def _iter_body(self, body: Any, object_key: str) -> Iterator[bytes]:
        try:
            yield from body.iter_chunks(READ_CHUNK)
        except (BotoCoreError, ClientError, OSError) as exc:
            raise self._error(exc, "reading", object_key) from exc
        finally:
            body.close()

    def size(self, key: str) -> int:
        object_key = self.object_key(key)
        size = self._head(object_key)
        if size is None:
            raise ObjectNotFound(key)
        return size

    def iter_keys(self) -> Iterator[str]:
        prefix = f"{self.base}/"
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            # The delimiter folds `.incoming/` into a common prefix: temporary objects never show.
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix, Delimiter="/"):
                for item in page.get("Contents", []):
                    name = item["Key"][len(prefix) :]
                    if SHA256_HEX.match(name):
                        yield name
        except (ClientError, BotoCoreError) as exc:
            raise self._error(exc, "ListObjectsV2 on", prefix) from exc

    def delete(self, key: str) -> None:
        """Remove every version of the object.

        A plain DeleteObject in a versioned bucket (Object Lock implies versioning) would only add a
        delete marker and keep the bytes. S3 refuses to delete a version under retention: that is a
        StorageError, and the current version is tried first so that a refusal changes nothing.
        """
        object_key = self.object_key(key)
        if self._head(object_key) is None:
            raise ObjectNotFound(key)
        versions: list[tuple[bool, str]] = []  # (is current, version id), data versions first
        markers: list[str] = []
        try:
            paginator = self.client.get_paginator("list_object_versions")
            for page in paginator.paginate(Bucket=self.bucket, Prefix=object_key):
                for version in page.get("Versions", []):
                    if version["Key"] == object_key:
                        versions.append((bool(version.get("IsLatest")), version["VersionId"]))
                for marker in page.get("DeleteMarkers", []):
                    if marker["Key"] == object_key:
                        markers.append(marker["VersionId"])
        except (ClientError, BotoCoreError) as exc:
            raise self._error(exc, "ListObjectVersions on", object_key) from exc
        versions.sort(key=lambda item: not item[0])
        for version_id in [version_id for _, version_id in versions] + markers:
            try:
                self._delete_version(object_key, version_id)
            except ClientError as exc:
                if _code(exc) in {"AccessDenied", "403"}:
                    raise StorageError(
                        f"S3 refused to delete {self._where(object_key)} (version {version_id}): "
                        "it is under Object Lock retention, or the credentials lack "
                        "s3:DeleteObjectVersion"
                    ) from exc
                raise self._error(exc, "DeleteObject", object_key) from exc
            except BotoCoreError as exc:
                raise self._error(exc, "DeleteObject", object_key) from exc

    def local_copy(self, key: str) -> AbstractContextManager[Path]:
        return self._local_copy(key)

    @contextmanager
    def _local_copy(self, key: str) -> Iterator[Path]:
        """Download to a private temporary directory, checking the bytes against the key."""
        chunks = self.open_range(key)
        directory = Path(tempfile.mkdtemp(prefix="bwv-s3-"))
        try:
            path = directory / key
            digest = hashlib.sha256()
            with open(path, "wb") as handle:
                for chunk in chunks:
                    digest.update(chunk)
                    handle.write(chunk)
            if digest.hexdigest() != key:
                raise DigestMismatch(
                    f"{self._where(self.object_key(key))} hashes to {digest.hexdigest()}: "
                    "the stored bytes changed"
                )
            path.chmod(0o444)
            yield path
        finally:
            shutil.rmtree(directory, ignore_errors=True)

    # ------------------------------------------------------------------------------ operations

    def health(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except (ClientError, BotoCoreError) as exc:
            raise self._error(exc, "HeadBucket") from exc
        self._require_lock()

    def ensure_bucket(self, object_lock: bool) -> None:
        """Create the bucket if needed (with Object Lock, hence versioning, when asked).

        An existing bucket is left as it is; asking for Object Lock on one without it is an error
        (enabling it on a live bucket is a decision for its owner, not a side effect of setup).
        """
        exists = True
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            if _code(exc) not in NOT_FOUND | NO_BUCKET:
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
                if _code(exc) != "BucketAlreadyOwnedByYou":
                    raise self._error(exc, "CreateBucket") from exc
            except BotoCoreError as exc:
                raise self._error(exc, "CreateBucket") from exc
        if object_lock:
            self._check_object_lock()


def _read_parts(handle: BinaryIO, part_size: int) -> Iterator[bytes]:
    while True:
        data = handle.read(part_size)
        if not data:
            return
        yield data


__all__ = ["S3Store", "make_client"]
