"""One contract for every storage adapter: each test runs on LocalStore and on S3Store.

S3Store runs against a real HTTP endpoint: `BWV_TEST_S3_URL` when set, otherwise a moto server
(tests/support/s3server.py), and also against Ceph's RADOS Gateway when `BWV_TEST_RGW_URL` is set
(`scripts/ceph-rgw.sh`; `.ci/run` always sets it). Each test module gets fresh buckets (one with
Object Lock for the originals, one without) and each test its own prefix, so listings are exact.

What Ceph RGW (16.2 Pacific) differs in: it enforces Object Lock (tests/storage/test_worm.py proves
the WORM claims there, not on moto); it accepts `x-amz-checksum-*` but neither checks nor keeps it,
so only the platform's own SHA-256 checks stand; it ignores `If-None-Match: *` on writes, so two
concurrent writers of the same bytes can both create a version (as on moto).

What moto (5.2.x) does and does not enforce, checked by the tests below where it matters:
- It refuses DeleteObject of a specific version under COMPLIANCE retention (AccessDenied), which is
  what `S3Store.delete` sends; a DeleteObject *without* a version id succeeds and only adds a delete
  marker, as on AWS.
- It does not verify `x-amz-checksum-sha256` against the bytes received: it stores and returns the
  value sent (so these tests prove the checksums are sent, not that a bad one would be rejected).
- It drops the Object Lock headers of CreateMultipartUpload; S3Store notices after the upload and
  sets the retention with PutObjectRetention, which is what the multipart tests then observe.
- It has no GetObjectRetention (the request falls through to GetObject and fails); retention is read
  from the HeadObject headers `x-amz-object-lock-mode` / `-retain-until-date`, as AWS also returns.
- Its `If-None-Match: *` check is not atomic with the write, and it ignores the condition on
  CopyObject: two concurrent writers of the same bytes can both create a version.
- It lets PutObjectRetention shorten or remove COMPLIANCE retention (AWS and Ceph refuse); nothing
  here relies on that.
"""

from __future__ import annotations

import hashlib
import os
import stat
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from openbwv.config import Settings
from openbwv.storage.base import (
    READ_CHUNK,
    DigestMismatch,
    ObjectLocked,
    ObjectNotFound,
    ObjectStore,
    StorageError,
)
from openbwv.storage.local import LocalStore
from openbwv.storage.s3 import S3Store

try:
    from tests.support.s3server import (
        RGW_URL,
        rgw_settings_kwargs,
        s3_settings_kwargs,
        unique_bucket,
    )
except ModuleNotFoundError:  # pytest put tests/ itself on sys.path (tests/ is not a package)
    from support.s3server import RGW_URL, rgw_settings_kwargs, s3_settings_kwargs, unique_bucket

MiB = 1024 * 1024
LOCK_DAYS = 1
# "s3": moto (or BWV_TEST_S3_URL); "rgw": Ceph's RADOS Gateway, when BWV_TEST_RGW_URL says where.
S3_BACKENDS = ["s3", "rgw"] if RGW_URL else ["s3"]
BACKENDS = ["local", *S3_BACKENDS]

MakeStore = Callable[..., ObjectStore]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ----------------------------------------------------------------------------------- fixtures


class S3Buckets:
    def __init__(self, backend: str) -> None:
        self.backend = backend
        self.locked = unique_bucket("bwv-lock")
        self.unlocked = unique_bucket("bwv-nolock")
        self.base = rgw_settings_kwargs() if backend == "rgw" else s3_settings_kwargs()
        S3Store.from_settings(self.locked, "", "originals", True, self.settings(0)).ensure_bucket(
            object_lock=True
        )
        S3Store.from_settings(self.unlocked, "", "originals", True, self.settings(0)).ensure_bucket(
            object_lock=False
        )

    def settings(self, lock_days: int) -> Settings:
        return Settings(
            **self.base,
            s3_object_lock_days=lock_days,
            s3_multipart_threshold=5 * MiB,
            s3_multipart_chunk=5 * MiB,
        )

    def store(self, namespace: str, *, lock: bool, prefix: str) -> S3Store:
        write_once = namespace == "originals"
        bucket = self.locked if lock else self.unlocked
        days = LOCK_DAYS if lock and write_once else 0
        return S3Store.from_settings(bucket, prefix, namespace, write_once, self.settings(days))


@pytest.fixture(scope="module")
def bucket_sets() -> dict[str, S3Buckets]:
    """The buckets of each S3 backend, made on first use in the module."""
    return {}


def buckets_for(sets: dict[str, S3Buckets], backend: str) -> S3Buckets:
    if backend not in sets:
        sets[backend] = S3Buckets(backend)
    return sets[backend]


@pytest.fixture(scope="module", params=S3_BACKENDS)
def s3_buckets(request: pytest.FixtureRequest, bucket_sets: dict[str, S3Buckets]) -> S3Buckets:
    return buckets_for(bucket_sets, str(request.param))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_store(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> MakeStore:
    """make_store(namespace="originals", lock=True): a store on a fresh root / prefix.

    `lock=False` on S3 puts it in the bucket without Object Lock (local disk has no such notion).
    """
    prefix = f"t-{uuid.uuid4().hex[:12]}"

    def make(namespace: str = "originals", *, lock: bool = True) -> ObjectStore:
        if backend == "local":
            return LocalStore(tmp_path / "objects", namespace, write_once=namespace == "originals")
        buckets = buckets_for(request.getfixturevalue("bucket_sets"), backend)
        return buckets.store(namespace, lock=lock, prefix=prefix)

    return make


@pytest.fixture
def store(make_store: MakeStore) -> ObjectStore:
    return make_store("originals")


@pytest.fixture
def s3_store(s3_buckets: S3Buckets) -> S3Store:
    return s3_buckets.store("originals", lock=True, prefix=f"t-{uuid.uuid4().hex[:12]}")


@pytest.fixture
def local_store(tmp_path: Path) -> LocalStore:
    return LocalStore(tmp_path / "objects", "originals", write_once=True)


# ----------------------------------------------------------------- raw views of what is stored


def snapshot(store: ObjectStore) -> set[tuple[Any, ...]]:
    """Everything physically stored for the store, with identities that change on any rewrite."""
    if isinstance(store, LocalStore):
        return {
            (str(path.relative_to(store.root)), path.stat().st_ino, path.stat().st_mtime_ns)
            for path in store.root.rglob("*")
            if path.is_file()
        }
    assert isinstance(store, S3Store)
    client, prefix = store.client, f"{store.base}/"
    entries: set[tuple[Any, ...]] = set()
    for page in client.get_paginator("list_object_versions").paginate(
        Bucket=store.bucket, Prefix=prefix
    ):
        for item in page.get("Versions", []) + page.get("DeleteMarkers", []):
            entries.add((item["Key"], item["VersionId"], item["LastModified"]))
    uploads = client.list_multipart_uploads(Bucket=store.bucket, Prefix=prefix)
    for upload in uploads.get("Uploads", []):
        entries.add(("upload", upload["Key"], upload["UploadId"]))
    return entries


def leftovers(store: ObjectStore) -> list[str]:
    """Temporary objects or unfinished uploads left behind."""
    if isinstance(store, LocalStore):
        return [str(p) for p in store.root.rglob("*") if p.name.startswith(".incoming-")]
    assert isinstance(store, S3Store)
    client = store.client
    found = [
        version["Key"]
        for version in client.list_object_versions(
            Bucket=store.bucket, Prefix=f"{store.base}/.incoming/"
        ).get("Versions", [])
    ]
    uploads = client.list_multipart_uploads(Bucket=store.bucket, Prefix=f"{store.base}/")
    found += [f"upload {u['Key']}" for u in uploads.get("Uploads", [])]
    return found


def version_count(store: S3Store, key: str) -> int:
    listing = store.client.list_object_versions(Bucket=store.bucket, Prefix=store.object_key(key))
    return len(listing.get("Versions", []))


def retention(store: S3Store, key: str) -> tuple[str | None, datetime | None]:
    head = store.client.head_object(Bucket=store.bucket, Key=store.object_key(key))
    return head.get("ObjectLockMode"), head.get("ObjectLockRetainUntilDate")


def tamper(store: ObjectStore, key: str) -> None:
    if isinstance(store, LocalStore):
        path = store.path_for(key)
        path.chmod(0o644)
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0x01
        path.write_bytes(bytes(data))
        return
    assert isinstance(store, S3Store)
    body = bytearray(store.read_all(key))
    body[len(body) // 2] ^= 0x01
    store.client.put_object(Bucket=store.bucket, Key=store.object_key(key), Body=bytes(body))


def write_file(directory: Path, data: bytes) -> Path:
    path = directory / f"upload-{uuid.uuid4().hex}"
    path.write_bytes(data)
    return path


# ------------------------------------------------------------------------------ the contract


def test_put_bytes_round_trip(store: ObjectStore) -> None:
    data = b"body-worn video\x00\xff" * 1000
    result = store.put_bytes(data)
    assert result.key == result.sha256 == sha(data)
    assert (result.size, result.created) == (len(data), True)
    assert store.read_all(result.key) == data
    assert store.size(result.key) == len(data)
    assert store.exists(result.key)


def test_put_stream_round_trip(store: ObjectStore) -> None:
    chunks = [b"a" * 10, b"", b"b" * 70_000, b"c"]
    result = store.put_stream(iter(chunks))
    data = b"".join(chunks)
    assert (result.key, result.size, result.created) == (sha(data), len(data), True)
    assert store.read_all(result.key) == data


def test_empty_object(store: ObjectStore) -> None:
    result = store.put_bytes(b"")
    assert (result.key, result.size, result.created) == (sha(b""), 0, True)
    assert store.read_all(result.key) == b""
    assert store.size(result.key) == 0


def test_put_file_round_trip_keeps_the_source(store: ObjectStore, tmp_path: Path) -> None:
    data = os.urandom(200_000)
    path = write_file(tmp_path, data)
    result = store.put_file(path, sha(data))
    assert (result.key, result.size, result.created) == (sha(data), len(data), True)
    assert path.read_bytes() == data  # consume=False: the caller keeps its file
    assert store.read_all(result.key) == data


@pytest.mark.parametrize("method", ["bytes", "stream", "file"])
def test_second_write_stores_nothing_new(store: ObjectStore, tmp_path: Path, method: str) -> None:
    data = b"the same bytes twice" * 100

    def put() -> Any:
        if method == "bytes":
            return store.put_bytes(data)
        if method == "stream":
            return store.put_stream([data[:7], data[7:]])
        return store.put_file(write_file(tmp_path, data), sha(data))

    first = put()
    before = snapshot(store)
    second = put()
    assert first.created and not second.created
    assert (second.key, second.size) == (first.key, len(data))
    assert snapshot(store) == before  # no new file, object or version; the first one untouched
    assert store.read_all(first.key) == data


@pytest.mark.parametrize("size", [1000, 6 * MiB], ids=["single", "multipart"])
@pytest.mark.parametrize("consume", [False, True], ids=["copy", "consume"])
def test_put_file_with_wrong_digest_stores_nothing(
    store: ObjectStore, tmp_path: Path, size: int, consume: bool
) -> None:
    data = os.urandom(size)
    path = write_file(tmp_path, data)
    wrong = sha(data + b"!")
    with pytest.raises(DigestMismatch):
        store.put_file(path, wrong, consume=consume)
    assert list(store.iter_keys()) == []
    assert snapshot(store) == set()
    assert not store.exists(wrong)
    assert path.read_bytes() == data  # a failed put never consumes the caller's file


def test_consume_takes_the_file_over(store: ObjectStore, tmp_path: Path) -> None:
    data = os.urandom(50_000)
    path = write_file(tmp_path, data)
    result = store.put_file(path, sha(data), consume=True)
    assert result.created
    assert not path.exists()
    assert store.read_all(result.key) == data
    again = write_file(tmp_path, data)
    duplicate = store.put_file(again, sha(data), consume=True)
    assert not duplicate.created
    assert not again.exists()  # consumed even though nothing new was stored


def test_open_range(store: ObjectStore) -> None:
    data = os.urandom(3 * MiB + 17)
    key = store.put_bytes(data).key
    size = len(data)

    def read(start: int, end: int | None) -> bytes:
        chunks = list(store.open_range(key, start, end))
        assert all(0 < len(chunk) <= READ_CHUNK for chunk in chunks)
        return b"".join(chunks)

    assert read(0, None) == data
    assert read(100, 2 * MiB) == data[100 : 2 * MiB + 1]  # inclusive end, like HTTP
    assert read(size - 1, size - 1) == data[-1:]
    assert read(size - 1, None) == data[-1:]
    assert read(size - 5, size + 100) == data[-5:]  # an end past the object is clipped
    assert read(size, None) == b""  # a range starting at or beyond the end is empty
    assert read(size + 10, size + 20) == b""
    assert read(10, 9) == b""  # end before start


def test_size_exists_and_not_found(store: ObjectStore) -> None:
    present = store.put_bytes(b"present").key
    missing = sha(b"never stored")
    assert store.exists(present) and not store.exists(missing)
    with pytest.raises(ObjectNotFound):
        store.size(missing)
    with pytest.raises(ObjectNotFound):
        store.open_range(missing)  # raised on the call, before any byte is streamed
    with pytest.raises(ObjectNotFound), store.local_copy(missing):
        pass
    with pytest.raises(ObjectNotFound):
        store.delete(missing)


def test_iter_keys_lists_exactly_what_was_put(store: ObjectStore, tmp_path: Path) -> None:
    assert list(store.iter_keys()) == []
    big = os.urandom(6 * MiB)  # large enough for S3's temporary key + server-side copy
    keys = {
        store.put_bytes(b"one").key,
        store.put_stream([b"tw", b"o"]).key,
        store.put_file(write_file(tmp_path, b"three"), sha(b"three")).key,
        store.put_stream(big[i : i + MiB] for i in range(0, len(big), MiB)).key,
    }
    store.put_bytes(b"one")  # a duplicate adds nothing
    listed = list(store.iter_keys())
    assert sorted(listed) == sorted(keys) and len(listed) == len(keys)
    assert leftovers(store) == []


def test_local_copy_has_the_same_bytes(store: ObjectStore) -> None:
    data = os.urandom(2 * MiB + 3)
    key = store.put_bytes(data).key
    with store.local_copy(key) as path:
        assert path.read_bytes() == data
        assert stat.S_IMODE(path.stat().st_mode) & 0o222 == 0  # read-only
    if isinstance(store, S3Store):
        assert not path.exists()  # the temporary download is removed afterwards


def test_rehash_detects_tampering(make_store: MakeStore) -> None:
    # On S3 in the bucket WITHOUT Object Lock: there a raw PutObject replaces the bytes at the key.
    # (With Object Lock the locked version survives, but a new version would still be served.)
    store = make_store("originals", lock=False)
    data = os.urandom(100_000)
    key = store.put_bytes(data).key
    assert store.rehash(key) == key
    tamper(store, key)
    assert store.rehash(key) != key


@pytest.mark.parametrize(
    "bad",
    ["../etc/passwd", "A" * 64, "a" * 63, "a" * 65, "", "g" * 64, "../" + "a" * 61],
)
def test_invalid_keys_are_rejected(store: ObjectStore, tmp_path: Path, bad: str) -> None:
    path = write_file(tmp_path, b"x")
    calls: list[Callable[[], Any]] = [
        lambda: store.size(bad),
        lambda: store.exists(bad),
        lambda: store.open_range(bad),
        lambda: store.read_all(bad),
        lambda: store.delete(bad),
        lambda: store.local_copy(bad).__enter__(),
        lambda: store.put_file(path, bad),
    ]
    for call in calls:
        with pytest.raises(StorageError) as caught:
            call()
        assert caught.type is StorageError  # a rejected key, not "not found"
        assert "invalid object key" in str(caught.value)
    assert path.exists()
    assert snapshot(store) == set()


def test_concurrent_writers_of_the_same_bytes(store: ObjectStore, tmp_path: Path) -> None:
    data = os.urandom(512 * 1024)
    writers = 8
    barrier = threading.Barrier(writers)
    results: list[Any] = []
    errors: list[BaseException] = []

    def write(index: int) -> None:
        try:
            barrier.wait()
            if index % 2:
                results.append(store.put_bytes(data))
            else:
                path = write_file(tmp_path, data)
                results.append(store.put_file(path, sha(data), consume=True))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert {r.key for r in results} == {sha(data)}
    assert list(store.iter_keys()) == [sha(data)]  # exactly one object
    assert store.read_all(sha(data)) == data
    assert leftovers(store) == []
    created = sum(r.created for r in results)
    if isinstance(store, S3Store):
        # Every "created" is one version of the single object. AWS S3 makes If-None-Match atomic,
        # so there it is exactly one; moto's check is not atomic, so it may be more.
        assert created >= 1 and version_count(store, sha(data)) == created
    else:
        assert created == 1  # os.link is atomic: one writer creates, the others find it


def test_multipart_path(store: ObjectStore, tmp_path: Path) -> None:
    # The S3 stores here use a 5 MiB threshold and 5 MiB parts: 12 MiB is three parts.
    data = os.urandom(12 * MiB + 123)
    key = sha(data)
    from_file = store.put_file(write_file(tmp_path, data), key)
    assert (from_file.key, from_file.size, from_file.created) == (key, len(data), True)
    assert store.read_all(key) == data
    assert store.rehash(key) == key
    from_stream = store.put_stream(data[i : i + MiB] for i in range(0, len(data), MiB))
    assert (from_stream.key, from_stream.created) == (key, False)

    other = os.urandom(12 * MiB)
    streamed = store.put_stream(other[i : i + 3 * MiB] for i in range(0, len(other), 3 * MiB))
    assert (streamed.key, streamed.size, streamed.created) == (sha(other), len(other), True)
    assert store.read_all(streamed.key) == other
    assert sorted(store.iter_keys()) == sorted([key, sha(other)])
    assert leftovers(store) == []


def test_delete_derivatives(make_store: MakeStore) -> None:
    derivatives = make_store("derivatives")
    assert not derivatives.write_once
    key = derivatives.put_bytes(b"thumbnail").key
    derivatives.delete(key)
    assert not derivatives.exists(key)
    assert list(derivatives.iter_keys()) == []
    assert snapshot(derivatives) == set()  # every version gone, not hidden behind a marker
    assert derivatives.put_bytes(b"thumbnail").created  # and it can be written again


def test_namespaces_are_separate(make_store: MakeStore) -> None:
    originals, derivatives = make_store("originals"), make_store("derivatives")
    key = originals.put_bytes(b"in originals").key
    assert not derivatives.exists(key)
    assert list(derivatives.iter_keys()) == []


def test_health(store: ObjectStore) -> None:
    store.health()


# ------------------------------------------------------------------------------- local only


def test_local_layout_mode_and_no_leftovers(local_store: LocalStore, tmp_path: Path) -> None:
    data = os.urandom(10_000)
    keys = [
        local_store.put_bytes(data).key,
        local_store.put_stream([b"stream"]).key,
        local_store.put_file(write_file(tmp_path, b"file"), sha(b"file"), consume=True).key,
    ]
    local_store.put_bytes(data)
    for key in keys:
        path = local_store.path_for(key)
        assert path == local_store.root / key[:2] / key[2:4] / key
        assert path.is_file()
        assert stat.S_IMODE(path.stat().st_mode) == 0o444
    files = sorted(p for p in local_store.root.rglob("*") if p.is_file())
    assert files == sorted(local_store.path_for(k) for k in keys)
    assert leftovers(local_store) == []


# ---------------------------------------------------------------------------------- S3 only


def test_s3_objects_carry_sha256_metadata_and_checksum(
    s3_buckets: S3Buckets, s3_store: S3Store, tmp_path: Path
) -> None:
    import base64

    # Ceph Pacific accepts `x-amz-checksum-*` but neither checks nor keeps it: there the metadata
    # and the platform's own SHA-256 checks (put_file, local_copy, fsck) are what stands.
    keeps_checksums = s3_buckets.backend != "rgw"
    data = b"metadata check"
    key = s3_store.put_bytes(data).key
    head = s3_store.client.head_object(
        Bucket=s3_store.bucket, Key=s3_store.object_key(key), ChecksumMode="ENABLED"
    )
    assert head["Metadata"]["sha256"] == key
    if keeps_checksums:
        expected = base64.b64encode(hashlib.sha256(data).digest()).decode()
        assert head["ChecksumSHA256"] == expected
    else:
        assert "ChecksumSHA256" not in head  # so a claim about them would rest on nothing
    assert s3_store.object_key(key) == f"{s3_store.base}/{key}"
    assert s3_store.base.endswith("/originals")

    big = os.urandom(11 * MiB)
    big_key = s3_store.put_file(write_file(tmp_path, big), sha(big)).key
    head = s3_store.client.head_object(
        Bucket=s3_store.bucket, Key=s3_store.object_key(big_key), ChecksumMode="ENABLED"
    )
    assert head["Metadata"]["sha256"] == big_key
    assert bool(head.get("ChecksumSHA256")) is keeps_checksums  # per-part checksums were sent
    assert int(head["ContentLength"]) == len(big)


def test_s3_object_lock_compliance(s3_store: S3Store, tmp_path: Path) -> None:
    client, bucket = s3_store.client, s3_store.bucket
    now = datetime.now(UTC)
    small = s3_store.put_bytes(b"locked original").key
    big = os.urandom(11 * MiB)
    multipart = s3_store.put_file(write_file(tmp_path, big), sha(big)).key
    copied_data = os.urandom(6 * MiB)
    copied = s3_store.put_stream([copied_data]).key  # temporary key + CopyObject
    for key in (small, multipart, copied):
        mode, until = retention(s3_store, key)
        assert mode == "COMPLIANCE"
        assert until is not None
        expected = now + timedelta(days=LOCK_DAYS)
        assert abs((until - expected).total_seconds()) < 120

    # The store deletes by version id, which Object Lock refuses (moto enforces this too): a
    # distinct error with the date, so that disposal leaves the deletion pending and retries.
    with pytest.raises(ObjectLocked, match="refused to delete") as locked:
        s3_store.delete(small)
    assert locked.value.key == small and locked.value.retain_until == retention(s3_store, small)[1]
    assert s3_store.read_all(small) == b"locked original"
    version = client.head_object(Bucket=bucket, Key=s3_store.object_key(small))["VersionId"]
    with pytest.raises(ClientError) as denied:
        client.delete_object(Bucket=bucket, Key=s3_store.object_key(small), VersionId=version)
    assert denied.value.response["Error"]["Code"] == "AccessDenied"

    # What Object Lock does NOT stop: a DeleteObject without a version id adds a delete marker
    # (the object looks gone) while the locked version stays and can be restored.
    marker = client.delete_object(Bucket=bucket, Key=s3_store.object_key(small))
    assert marker.get("DeleteMarker") is True
    assert not s3_store.exists(small)
    client.delete_object(
        Bucket=bucket, Key=s3_store.object_key(small), VersionId=marker["VersionId"]
    )
    assert s3_store.read_all(small) == b"locked original"


def test_s3_derivatives_in_a_locked_bucket_are_not_locked(s3_buckets: S3Buckets) -> None:
    derivatives = s3_buckets.store("derivatives", lock=True, prefix=f"t-{uuid.uuid4().hex[:8]}")
    key = derivatives.put_bytes(b"proxy").key
    assert retention(derivatives, key) == (None, None)
    derivatives.delete(key)
    assert snapshot(derivatives) == set()


def test_s3_object_lock_required_but_bucket_has_none(s3_buckets: S3Buckets) -> None:
    with pytest.raises(StorageError, match="does not have Object Lock enabled"):
        S3Store.from_settings(
            s3_buckets.unlocked, "p", "originals", True, s3_buckets.settings(LOCK_DAYS)
        )
    # Derivatives never need the lock, and originals without retention configured are allowed.
    S3Store.from_settings(s3_buckets.unlocked, "p", "derivatives", False, s3_buckets.settings(1))
    S3Store.from_settings(s3_buckets.unlocked, "p", "originals", True, s3_buckets.settings(0))
    # Setup cannot turn an existing bucket into a locked one behind its owner's back.
    plain = S3Store.from_settings(
        s3_buckets.unlocked, "", "originals", True, s3_buckets.settings(0)
    )
    with pytest.raises(StorageError, match="does not have Object Lock enabled"):
        plain.ensure_bucket(object_lock=True)


def test_s3_bucket_created_after_the_store(s3_buckets: S3Buckets) -> None:
    name = unique_bucket("bwv-late")
    store = S3Store.from_settings(name, "", "originals", True, s3_buckets.settings(LOCK_DAYS))
    with pytest.raises(StorageError, match="does not exist"):
        store.health()
    with pytest.raises(StorageError, match="does not exist"):
        store.put_bytes(b"too early")
    store.ensure_bucket(object_lock=True)
    store.ensure_bucket(object_lock=True)  # idempotent
    store.health()
    key = store.put_bytes(b"now").key
    assert retention(store, key)[0] == "COMPLIANCE"


def test_s3_large_copy_goes_part_by_part(s3_store: S3Store) -> None:
    s3_store.copy_limit = 5 * MiB  # stands in for the 5 GiB CopyObject limit: UploadPartCopy
    data = os.urandom(12 * MiB)
    result = s3_store.put_stream(data[i : i + MiB] for i in range(0, len(data), MiB))
    assert result.created and result.key == sha(data)
    assert s3_store.read_all(result.key) == data
    head = s3_store.client.head_object(Bucket=s3_store.bucket, Key=s3_store.object_key(result.key))
    assert head["Metadata"]["sha256"] == result.key
    assert retention(s3_store, result.key)[0] == "COMPLIANCE"
    assert leftovers(s3_store) == []


def test_s3_failed_stream_leaves_no_parts(s3_store: S3Store) -> None:
    def broken() -> Iterator[bytes]:
        yield os.urandom(4 * MiB)
        yield os.urandom(4 * MiB)  # past the threshold: a multipart upload is under way
        raise ConnectionResetError("camera went away")

    with pytest.raises(ConnectionResetError):
        s3_store.put_stream(broken())
    assert leftovers(s3_store) == []
    assert snapshot(s3_store) == set()


def test_s3_unreachable_endpoint_is_a_storage_error() -> None:
    import socket

    import boto3
    from botocore.config import Config

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = boto3.session.Session().client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}, connect_timeout=2),
    )
    store = S3Store(client, "nowhere", "", "derivatives", write_once=False)
    with pytest.raises(StorageError, match="HeadBucket s3://nowhere failed"):
        store.health()
    with pytest.raises(StorageError, match="s3://nowhere/derivatives/"):
        store.size(sha(b"x"))
