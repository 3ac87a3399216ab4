"""S3 store (AWS S3, MinIO, Ceph RGW): content-addressed objects at `{prefix}/{namespace}/{sha256}`.

Integrity on the way in: every upload request carries a SHA-256 checksum computed here while the
bytes are read (`ChecksumSHA256`, per part for multipart uploads, see `s3_multipart`), so S3 rejects
bytes damaged in transit, and the whole-object hex digest is kept in the user metadata `sha256`.
`put_file` checks that the file really hashes to the announced digest before completing the upload;
nothing is stored when it does not.

Write-once: originals can be written under Object Lock in COMPLIANCE mode (`s3_lock` explains what
that does and does not protect); `delete` removes every version explicitly, which is what S3
refuses while retention applies.

Identical bytes are stored once: a HeadObject check, then a conditional write (`If-None-Match: *`)
so that two concurrent writers of the same bytes do not both create a version (where the server
honours the condition atomically, as AWS S3 does).

The store is split by concern: `s3_client` (client, S3 limits and error codes, error translation),
`s3_lock` (Object Lock retention, bucket set-up), `s3_multipart` (multipart uploads, server-side
copies), and this module: the store itself and its put, read and delete operations.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from openbwv.storage.base import (
    READ_CHUNK,
    SHA256_HEX,
    DigestMismatch,
    ObjectLocked,
    ObjectNotFound,
    ObjectStore,
    PutResult,
    StorageError,
    check_key,
)
from openbwv.storage.s3_client import (
    INCOMING,
    MAX_PART,
    MIN_PART,
    MiB,
    add_copy_lock_md5,
    b64_checksum,
    error_code,
    make_client,
)
from openbwv.storage.s3_lock import warn_if_lock_outlasts_retention
from openbwv.storage.s3_multipart import MultipartBucket, read_parts

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client

    from openbwv.config import Settings


class S3Store(MultipartBucket, ObjectStore):
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
            "before-call.s3.CopyObject", add_copy_lock_md5, unique_id="openbwv-copy-lock-md5"
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
            # yet (before `bwv storage init`) is checked again before the first write.
            self._check_object_lock(missing_ok=True)

    @classmethod
    def from_settings(
        cls, bucket: str, prefix: str, namespace: str, write_once: bool, settings: Settings
    ) -> S3Store:
        if write_once:
            warn_if_lock_outlasts_retention(
                settings.s3_object_lock_days, settings.retention_non_evidential_days
            )
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
                ChecksumSHA256=b64_checksum(digest),
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
                parts = read_parts(handle, self._part_size(size))
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
            # InvalidRange: the range starts at or after the end of the object.
            if error_code(exc) == "InvalidRange":
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
        delete marker and keep the bytes. S3 refuses to delete a version under retention: that is
        ObjectLocked (with the retain-until date), and the current version is tried first so that
        a refusal changes nothing.
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
                if error_code(exc) in {"AccessDenied", "403"}:
                    raise self._refused(key, object_key, version_id) from exc
                raise self._error(exc, "DeleteObject", object_key) from exc
            except BotoCoreError as exc:
                raise self._error(exc, "DeleteObject", object_key) from exc

    def _refused(self, key: str, object_key: str, version_id: str) -> StorageError:
        """Why S3 refused a DeleteObject: ObjectLocked when the version is under retention or a
        legal hold (the caller retries after the date), otherwise a plain StorageError.

        A version carrying a retain-until date counts as locked even when that date has passed by
        this machine's clock: the server's clock decides, and a retry after a while settles it.
        """
        where = f"S3 refused to delete {self._where(object_key)} (version {version_id})"
        head: dict[str, Any] = {}  # stays empty when the version cannot be read: no lock known
        with suppress(ClientError, BotoCoreError):
            head = dict(
                self.client.head_object(Bucket=self.bucket, Key=object_key, VersionId=version_id)
            )
        until = head.get("ObjectLockRetainUntilDate")
        if until is not None or head.get("ObjectLockLegalHoldStatus") == "ON":
            mode = head.get("ObjectLockMode") or "legal hold"
            return ObjectLocked(key, until, f"{where}: Object Lock ({mode})")
        return StorageError(f"{where}: the credentials may lack s3:DeleteObjectVersion")

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


__all__ = ["S3Store", "make_client"]
