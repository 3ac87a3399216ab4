"""A body worn system's side of the protocol, over HTTP: sign in, register the system, users and
cameras, and upload whole recordings in the order a body worn system does — container, clips
(encrypted with their key files when the destination wants it), bookmarks, GNSS track, and
`Status: Complete` — retrying after 503 and re-authenticating after 401. Content the destination
refuses with 400 goes to a `RejectedContent_…` container, as the body worn system does when the
destination declares `StoreRejectedContent`.

Used by the tests and the force simulator; it depends only on httpx and `crypto`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx

from openbwv.ingest.axis.crypto import encrypt_for, load_public_key

META_SAFE = ""  # every reserved character is %XX-encoded, as the body worn system does


class AxisClientError(Exception):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(
            f"{response.request.method} {response.request.url}: {response.status_code}"
        )
        self.response = response
        self.status = response.status_code


def epoch(value: datetime) -> str:
    return str(int(value.timestamp()))


def iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%d_%H%M%S")


def compact(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def meta_headers(kind: str, values: dict[str, str]) -> dict[str, str]:
    """`X-<Kind>-Meta-Key` headers, named and encoded as the body worn system sends them."""
    return {
        f"X-{kind}-Meta-{key.lower().capitalize()}": quote(value, safe=META_SAFE)
        for key, value in values.items()
    }


@dataclass
class ClipSpec:
    data: bytes
    start: datetime
    stop: datetime
    container_type: str = "mkv"


@dataclass
class BookmarkSpec:
    start: datetime | None = None
    text: str = ""
    end: datetime | None = None
    category_id: str | None = None
    category_name: str | None = None
    tags: str | None = None
    location: str | None = None


@dataclass
class RecordingSpec:
    user: str  # the Users/ object name (UserUUID) of whoever wore the camera
    serial: str
    clips: list[ClipSpec]
    trigger_on: datetime | None = None
    trigger_off: datetime | None = None
    bookmarks: list[BookmarkSpec] = field(default_factory=list)
    track: list[tuple[datetime, float, float]] = field(default_factory=list)
    recording_id: str = field(default_factory=lambda: str(secrets.randbelow(90000) + 10000))
    model: str = "W110"
    firmware: str = "11.6.1"
    scu_serial: str = "ACCC8E000001"
    time_zone: str = "Europe/London"
    extra_container_meta: dict[str, str] = field(default_factory=dict)
    # The objects as first prepared (encrypted once, as the camera does): every later attempt
    # to upload the recording sends the same bytes.
    prepared: list[tuple[str, dict[str, str], bytes]] | None = field(
        default=None, repr=False, compare=False
    )

    @property
    def start(self) -> datetime:
        return min(c.start for c in self.clips)

    @property
    def stop(self) -> datetime:
        return max(c.stop for c in self.clips)

    @property
    def container(self) -> str:
        return f"{self.user}_{self.serial}_{compact(self.trigger_on or self.start)}"

    def container_meta(self, status: str) -> dict[str, str]:
        on, off = self.trigger_on or self.start, self.trigger_off or self.stop
        return {
            "ContainerName": self.container,
            "BWCSerialNumber": self.serial,
            "SCUSerialNumber": self.scu_serial,
            "FirmwareVersion": self.firmware,
            "UserID": self.user,
            "TriggerOn": "Button",
            "TriggerOff": "Button",
            "TriggerOnTime": epoch(on),
            "TriggerOnTimeISO": iso(on),
            "TriggerOffTime": epoch(off),
            "TriggerOffTimeISO": iso(off),
            "StartTime": epoch(self.start),
            "StartTimeISO": iso(self.start),
            "StopTime": epoch(self.stop),
            "StopTimeISO": iso(self.stop),
            "TimeZone": self.time_zone,
            "BWCModel": self.model,
            "Status": status,
            **self.extra_container_meta,
        }

    def clip_name(self, clip: ClipSpec) -> str:
        return f"{_stamp(clip.start)}_{self.recording_id}.{clip.container_type}"

    def track_name(self) -> str:
        return f"{_stamp(self.start)}_{self.recording_id}_{self.serial}_gpstrail.json"


@dataclass
class Upload:
    """What happened to each object of a recording: status, and the evidence id if any."""

    container: str
    statuses: dict[str, int] = field(default_factory=dict)
    evidence_ids: dict[str, str] = field(default_factory=dict)
    rejected_to: str | None = None  # the RejectedContent container, when something was refused


@dataclass
class Encryption:
    public_pem: bytes
    key_id: str

    def encrypt(self, data: bytes) -> tuple[bytes, bytes]:
        return encrypt_for(load_public_key(self.public_pem), self.key_id, data)


class AxisClient:
    def __init__(
        self,
        auth_url: str,
        user: str,
        key: str,
        *,
        encryption: Encryption | None = None,
        retries: int = 6,
        backoff: float = 0.2,
        max_backoff: float = 10.0,
        timeout: float = 120.0,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.auth_url, self.user, self.key = auth_url, user, key
        self.encryption = encryption
        self.retries, self.backoff, self.max_backoff = retries, backoff, max_backoff
        self.sleep = sleep
        self.http = httpx.Client(timeout=timeout, transport=transport)
        self.token: str | None = None
        self.storage_url: str | None = None
        self.busy_retries = 0  # 503s retried, for callers that measure

    @classmethod
    def from_connection_file(cls, document: dict[str, Any], **kwargs: Any) -> AxisClient:
        encryption = None
        if document.get("WantEncryption"):
            pem = base64.b64decode(document["PublicKey"])
            encryption = Encryption(pem, document["PublicKeyId"])
        return cls(
            document["AuthenticationTokenURI"][0],
            document["BlobAPIUserName"],
            document["BlobAPIKey"],
            encryption=encryption,
            **kwargs,
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> AxisClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- transport ----------------------------------------------------------------------------

    def authenticate(self) -> None:
        response = self.http.get(
            self.auth_url, headers={"X-Auth-User": self.user, "X-Auth-Key": self.key}
        )
        if response.status_code != 200:
            raise AxisClientError(response)
        self.token = response.headers["X-Auth-Token"]
        self.storage_url = response.headers["X-Storage-Url"]

    def request(
        self, method: str, path: str, headers: dict[str, str] | None = None, content: bytes = b""
    ) -> httpx.Response:
        """One call with retries: 503 and 5xx after a pause, 401 after signing in again."""
        delay, signed_in_again = self.backoff, False
        for attempt in range(self.retries + 1):
            if self.token is None:
                self.authenticate()
            assert self.storage_url is not None and self.token is not None
            url = f"{self.storage_url}/{quote(path)}" if path else self.storage_url
            try:
                response = self.http.request(
                    method,
                    url,
                    headers={**(headers or {}), "X-Auth-Token": self.token},
                    content=content,
                )
            except httpx.TransportError:
                if attempt == self.retries:
                    raise
                self.sleep(delay)
                delay = min(delay * 2, self.max_backoff)
                continue
            if response.status_code == 401 and not signed_in_again:
                self.token, signed_in_again = None, True
                continue
            if response.status_code == 503 or (
                500 <= response.status_code < 600 and response.status_code != 507
            ):
                if attempt == self.retries:
                    return response
                self.busy_retries += response.status_code == 503
                wait = float(response.headers.get("Retry-After", delay))
                self.sleep(min(wait, delay, self.max_backoff))
                delay = min(delay * 2, self.max_backoff)
                continue
            return response
        raise AssertionError("unreachable")

    def checked(
        self, method: str, path: str, headers: dict[str, str] | None = None, content: bytes = b""
    ) -> httpx.Response:
        response = self.request(method, path, headers, content)
        if response.status_code >= 300:
            raise AxisClientError(response)
        return response

    # -- system, users, devices ---------------------------------------------------------------

    def capabilities(self) -> dict[str, Any]:
        return dict(self.checked("GET", "System/Capabilities.json").json())

    def categories(self) -> list[dict[str, str]]:
        return list(self.checked("GET", "System/Categories.json").json())

    def register_system(self, system_id: str, connection_id: str, name: str) -> None:
        self.checked("PUT", "System")
        headers = meta_headers("Object", {"ConnectionId": connection_id, "SystemName": name})
        self.checked("PUT", f"System/{system_id}", headers)

    def register_user(
        self, user_uuid: str, name: str, user_id: str | None = None, active: bool = True
    ) -> None:
        values = {"Active": str(active), "Name": name}
        if user_id:
            values["UserID"] = user_id
        self.checked("PUT", f"Users/{user_uuid}", meta_headers("Object", values))

    def register_device(
        self, serial: str, name: str, model: str = "W110", active: bool = True
    ) -> None:
        values = {"Active": str(active), "Name": name, "Model": model}
        self.checked("PUT", f"Devices/{serial}", meta_headers("Object", values))

    # -- recordings ---------------------------------------------------------------------------

    def _put(
        self, upload: Upload, container: str, name: str, values: dict[str, str], body: bytes
    ) -> bool:
        headers = {**meta_headers("Object", values), "ETag": hashlib.md5(body).hexdigest()}  # noqa: S324
        response = self.request("PUT", f"{container}/{name}", headers, body)
        upload.statuses[name] = response.status_code
        if "X-Openbwv-Evidence-Id" in response.headers:
            upload.evidence_ids[name] = response.headers["X-Openbwv-Evidence-Id"]
        if response.status_code == 400:
            return False
        if response.status_code >= 300:
            raise AxisClientError(response)
        return True

    def _objects(self, spec: RecordingSpec) -> list[tuple[str, dict[str, str], bytes]]:
        """Every object of the recording, in upload order: (name, metadata, body)."""
        objects: list[tuple[str, dict[str, str], bytes]] = []
        for clip in spec.clips:
            name = spec.clip_name(clip)
            values = {
                "StartTime": epoch(clip.start),
                "StartTimeISO": iso(clip.start),
                "StopTime": epoch(clip.stop),
                "StopTimeISO": iso(clip.stop),
                "ContainerType": clip.container_type,
            }
            body = clip.data
            if self.encryption is not None:
                body, key_file = self.encryption.encrypt(clip.data)
                objects.append((name, values, body))
                key_values = {"StartTime": epoch(clip.start), "FileType": "key"}
                objects.append((name.rsplit(".", 1)[0] + ".key", key_values, key_file))
                continue
            objects.append((name, values, body))
        for index, mark in enumerate(spec.bookmarks):
            objects.append(_bookmark(mark, index))
        if spec.track:
            objects.extend(self._track_objects(spec))
        return objects

    def _track_objects(self, spec: RecordingSpec) -> list[tuple[str, dict[str, str], bytes]]:
        entries = [
            {
                "LocationWKT": f"POINT({lon} {lat})",
                "SecondsFromStart": round((when - spec.start).total_seconds(), 1),
                "Timestamp": iso(when),
            }
            for when, lat, lon in spec.track
        ]
        body = json.dumps({"CoordinateEntries": entries}, indent=2).encode()
        name = spec.track_name()
        if self.encryption is None:
            return [(name, {"FileType": "json"}, body)]
        ciphertext, key_file = self.encryption.encrypt(body)
        key_values = {"StartTime": epoch(spec.start), "FileType": "key"}
        return [
            (name, {"FileType": "json"}, ciphertext),
            (name[: -len(".json")] + ".key", key_values, key_file),
        ]

    def prepare(self, spec: RecordingSpec) -> list[tuple[str, dict[str, str], bytes]]:
        """The recording's objects in upload order (name, metadata, body), made once."""
        if spec.prepared is None:
            spec.prepared = self._objects(spec)
        return spec.prepared

    def upload_recording(self, spec: RecordingSpec, *, store_rejected: bool = True) -> Upload:
        """Upload a whole recording; what is refused (400) goes to rejected content. Uploading
        it again (after a failure) sends the same bytes."""
        upload = Upload(spec.container)
        objects = self.prepare(spec)
        response = self.request(
            "PUT", spec.container, meta_headers("Container", spec.container_meta("Transferring"))
        )
        upload.statuses[""] = response.status_code
        if response.status_code == 400:
            return self._reject(spec, upload, objects, response.text) if store_rejected else upload
        if response.status_code >= 300:
            raise AxisClientError(response)
        refused = [o for o in objects if not self._put(upload, spec.container, *o)]
        response = self.request(
            "POST", spec.container, meta_headers("Container", spec.container_meta("Complete"))
        )
        upload.statuses["Complete"] = response.status_code
        if response.status_code >= 300 and response.status_code != 400:
            raise AxisClientError(response)
        if refused and store_rejected:
            self._reject(spec, upload, refused, "refused by the content destination")
        return upload

    def _reject(
        self,
        spec: RecordingSpec,
        upload: Upload,
        objects: list[tuple[str, dict[str, str], bytes]],
        reason: str,
    ) -> Upload:
        now = datetime.now(UTC)
        container = f"RejectedContent_{compact(now)}_{uuid.uuid4()}"
        values = {
            **{k: v for k, v in spec.container_meta("Transferring").items() if k != "Status"},
            "ContainerName": container,
            "RejectedContentOriginalContainer": spec.container,
            "RejectedContentTime": compact(now),
            "RejectedContentReason": reason[:200],
        }
        self.checked("PUT", container, meta_headers("Container", values))
        for name, object_values, body in objects:
            tagged = {**object_values, "RejectedContentOriginalContainer": spec.container}
            if not self._put(upload, container, name, tagged, body):
                raise AxisClientError(self.request("HEAD", f"{container}/{name}"))
        upload.rejected_to = container
        return upload


def _bookmark(mark: BookmarkSpec, index: int) -> tuple[str, dict[str, str], bytes]:
    values: dict[str, str] = {}
    if mark.category_id:
        values["CategoryID"] = mark.category_id
    if mark.category_name:
        values["CategoryName"] = mark.category_name
    if mark.tags:
        values["Tags"] = mark.tags
    if mark.start:
        values["StartTime"] = iso(mark.start)
    if mark.end:
        values["EndTime"] = iso(mark.end)
    if mark.location:
        values["Location"] = mark.location
    stamp = epoch(mark.start) if mark.start else "0"
    return f"bookmark_{stamp}_{index}", values, mark.text.encode()


def default_track(
    start: datetime, seconds: int, lat: float = 51.5007, lon: float = -0.1246
) -> list[tuple[datetime, float, float]]:
    """A short walk: one point a second (for tests and the simulator)."""
    return [(start + timedelta(seconds=i), lat + i * 1e-5, lon + i * 1e-5) for i in range(seconds)]
