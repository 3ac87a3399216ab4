"""Multipart uploads and server-side copies for the S3 store.

Integrity: every part is sent with the SHA-256 checksum of its bytes (`ChecksumSHA256`), so S3
rejects a part damaged in transit, while the whole object is hashed as it goes; an upload whose
bytes do not hash to the announced digest is aborted before it completes (DigestMismatch), so
nothing is stored. A digest key is completed with `If-None-Match: *` and the Object Lock arguments
(`s3_lock`); a temporary key (a stream whose digest is not known yet) gets neither, and is copied
server-side to its digest key once the digest is known.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, BinaryIO

from botocore.exceptions import BotoCoreError, ClientError

from openbwv.storage.base import DigestMismatch
from openbwv.storage.s3_client import MAX_PART, MAX_PARTS, b64_checksum, error_code, log
from openbwv.storage.s3_lock import ObjectLockBucket

if TYPE_CHECKING:
    from mypy_boto3_s3.type_defs import CompletedPartTypeDef, CopySourceTypeDef


def read_parts(handle: BinaryIO, part_size: int) -> Iterator[bytes]:
    while True:
        data = handle.read(part_size)
        if not data:
            return
        yield data


class MultipartBucket(ObjectLockBucket):
    """Uploads in parts of `multipart_chunk` bytes (or more, to stay within S3's 10,000 parts), and
    server-side copies, part by part above `copy_limit`. `S3Store` sets the attributes."""

    multipart_chunk: int
    copy_limit: int

    def _part_size(self, size: int | None) -> int:
        if size is None:
            return self.multipart_chunk
        return min(MAX_PART, max(self.multipart_chunk, math.ceil(size / MAX_PARTS)))

    def _create_upload(self, object_key: str, extra: dict[str, Any]) -> str:
        """Start a multipart upload whose parts carry SHA-256 checksums; its upload id."""
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
        return upload["UploadId"]

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
        upload_id = self._create_upload(object_key, extra)
        try:
            sha256, size, completed = self._upload_parts(object_key, upload_id, parts)
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

    def _upload_parts(
        self, object_key: str, upload_id: str, parts: Iterable[bytes]
    ) -> tuple[str, int, list[CompletedPartTypeDef]]:
        """Send the parts, each with its checksum; (hex digest of them all, size, parts sent)."""
        whole = hashlib.sha256()
        size = 0
        completed: list[CompletedPartTypeDef] = []
        for number, data in enumerate(parts, start=1):
            whole.update(data)
            size += len(data)
            checksum = b64_checksum(hashlib.sha256(data).digest())
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
        return whole.hexdigest(), size, completed

    def _abort(self, object_key: str, upload_id: str) -> None:
        try:
            self.client.abort_multipart_upload(
                Bucket=self.bucket, Key=object_key, UploadId=upload_id
            )
        except ClientError as exc:
            if error_code(exc) != "NoSuchUpload":
                log.warning("could not abort multipart upload %s: %s", upload_id, exc)
        except BotoCoreError as exc:
            log.warning("could not abort multipart upload %s: %s", upload_id, exc)

    # ------------------------------------------------------------------------ server-side copy

    def _copy(self, source_key: str, version_id: str | None, object_key: str, size: int) -> bool:
        """Server-side copy of the temporary object to its digest key; False when it exists."""
        sha256 = object_key.rsplit("/", 1)[-1]
        source: CopySourceTypeDef = {"Bucket": self.bucket, "Key": source_key}
        if version_id:
            source["VersionId"] = version_id
        until = self._retain_until()
        extra: dict[str, Any] = {"Metadata": {"sha256": sha256}, **self._lock_args(until)}
        if size <= self.copy_limit:
            created, new_version = self._copy_object(source, object_key, extra)
        else:
            created, new_version = self._copy_in_parts(source, object_key, size, extra)
        if created and until is not None:
            self._ensure_retention(object_key, new_version, until)
        return created

    def _copy_object(
        self, source: CopySourceTypeDef, object_key: str, extra: dict[str, Any]
    ) -> tuple[bool, str | None]:
        """One CopyObject (up to 5 GiB); (created, version id), created False when it exists."""
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
                return False, None
            raise self._error(exc, "CopyObject to", object_key) from exc
        except BotoCoreError as exc:
            raise self._error(exc, "CopyObject to", object_key) from exc
        return True, response.get("VersionId")

    def _copy_in_parts(
        self, source: CopySourceTypeDef, object_key: str, size: int, extra: dict[str, Any]
    ) -> tuple[bool, str | None]:
        """A multipart upload of UploadPartCopy ranges, for objects above `copy_limit`;
        (created, version id), created False when it exists. Aborted on any failure."""
        upload_id = self._create_upload(object_key, extra)
        try:
            completed = self._copy_parts(source, object_key, upload_id, size)
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
                    return False, None
                raise
        except (ClientError, BotoCoreError) as exc:
            self._abort(object_key, upload_id)
            raise self._error(exc, "multipart copy to", object_key) from exc
        except BaseException:
            self._abort(object_key, upload_id)
            raise
        return True, completed_copy.get("VersionId")

    def _copy_parts(
        self, source: CopySourceTypeDef, object_key: str, upload_id: str, size: int
    ) -> list[CompletedPartTypeDef]:
        part_size = min(self._part_size(size), self.copy_limit)
        completed: list[CompletedPartTypeDef] = []
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
        return completed
