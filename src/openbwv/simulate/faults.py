"""Interruptions between a dock and the destination, injected at the HTTP transport so that the
body worn system's own retry logic (the Axis client's) handles them exactly as it would real ones.

* `drop`: the connection breaks part-way through an object's body. The destination sees the
  client vanish mid-body and must keep nothing; the system sends the object again.
* `lost_reply`: the request arrives whole and is stored, but the answer never comes back (a
  mobile link dropping at the wrong moment). The system sends it again; the destination must
  recognise the same bytes and not store them twice.
* `busy`: a gateway in front of the destination answers 503 with `Retry-After` (as a load
  balancer does when its upstream is saturated); the system waits and retries.

The destination's own 503s (its upload slots are full during a burst) and 507s are real answers
and pass through untouched; they are counted too. Which attempt is interrupted is decided from
the seed and the request (method, path, attempt number), so a run is reproducible apart from
timing. With `each_once`, the first three object uploads get one of each kind, so a short run
(a test, the demo) shows them all.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Iterator

import httpx

KINDS = ("drop", "lost_reply", "busy")
SIMULATED = "X-Openbwv-Simulated-Fault"


class FaultLog:
    """Counts shared by every transport of a run (thread-safe)."""

    def __init__(self, each_once: bool = False) -> None:
        self._lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self._attempts: Counter[str] = Counter()
        self._owed = list(KINDS) if each_once else []

    def owed(self) -> str | None:
        """The next kind still to be shown once, if any."""
        with self._lock:
            return self._owed.pop(0) if self._owed else None

    def add(self, key: str, n: int = 1) -> None:
        with self._lock:
            self.counts[key] += n

    def attempt(self, request_key: str) -> int:
        with self._lock:
            self._attempts[request_key] += 1
            return self._attempts[request_key]


class FaultyTransport(httpx.BaseTransport):
    def __init__(
        self, rate: float, seed: int, log: FaultLog, inner: httpx.BaseTransport | None = None
    ) -> None:
        self.rate, self.seed, self.log = rate, seed, log
        self.inner = inner or httpx.HTTPTransport()

    def _fault(self, request: httpx.Request) -> str | None:
        if request.method not in ("PUT", "POST"):
            return None
        path = request.url.path
        parts = path.split("/v1/", 1)[-1].split("/")  # account, container[, object]
        if "/v1/" not in path or len(parts) < 2 or parts[1] in ("System", "Users", "Devices"):
            return None
        key = f"{request.method} {path}"
        attempt = self.log.attempt(key)
        is_object_body = request.method == "PUT" and len(parts) > 2
        if is_object_body and (owed := self.log.owed()) is not None:
            return owed
        rng = random.Random(f"fault:{self.seed}:{key}:{attempt}")
        if self.rate <= 0 or rng.random() >= self.rate:
            return None
        return rng.choice(KINDS if is_object_body else KINDS[1:])

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        fault = self._fault(request)
        self.log.add("requests")
        if fault == "busy":
            self.log.add("busy")
            return httpx.Response(
                503, headers={"Retry-After": "1", SIMULATED: "busy"}, request=request
            )
        if fault == "drop" and request.headers.get("content-length", "0") not in ("0", ""):
            self.log.add("drop")
            body = request.read()
            cut = httpx.Request(
                request.method,
                request.url,
                headers=request.headers,
                stream=_broken(body, max(1, len(body) // 2)),
                extensions=request.extensions,
            )
            self.inner.handle_request(cut)  # raises: the connection breaks mid-body
            raise AssertionError("a dropped connection answered")  # pragma: no cover
        response = self.inner.handle_request(request)
        if response.status_code == 503:
            self.log.add("destination_503")
        elif response.status_code == 507:
            self.log.add("destination_507")
        if fault == "lost_reply":
            response.read()
            response.close()
            self.log.add("lost_reply")
            raise httpx.ReadError("simulated: the answer was lost on the way back", request=request)
        return response

    def close(self) -> None:
        self.inner.close()


class _broken(httpx.SyncByteStream):  # noqa: N801 - reads as what it does
    """A body that stops after `upto` bytes with a broken connection."""

    def __init__(self, body: bytes, upto: int) -> None:
        self.body, self.upto = body, upto

    def __iter__(self) -> Iterator[bytes]:
        yield self.body[: self.upto]
        raise httpx.WriteError("simulated: the connection dropped mid-upload")
