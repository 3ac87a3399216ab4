"""The load benchmark's client: cheap enough to share the machine with the server it measures.

Each client is one keep-alive HTTP/1.1 connection over loopback, written and parsed by hand on
asyncio streams (uvloop): no HTTP library's per-request work. The clients are spread over a few
processes so that the client is never one busy core; each process reports its own CPU time, so
the benchmark can say what share of the machine the client took.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import resource
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import cycle

import uvloop

LOOPBACK = "127.0.0.1"  # the benchmark never leaves the machine


@dataclass
class Tally:
    """What one client process saw: latencies (s) by request kind, errors, CPU seconds."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    statuses: dict[int, int] = field(default_factory=dict)
    cpu_seconds: float = 0.0
    began: float = float("inf")  # wall clock: the first request sent, the last answer read
    ended: float = 0.0

    def merge(self, other: Tally) -> None:
        for kind, values in other.latencies.items():
            self.latencies.setdefault(kind, []).extend(values)
        for kind, count in other.errors.items():
            self.errors[kind] = self.errors.get(kind, 0) + count
        for status, count in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + count
        self.cpu_seconds += other.cpu_seconds
        self.began, self.ended = min(self.began, other.began), max(self.ended, other.ended)


@dataclass(frozen=True)
class Plan:
    """What to ask for: (kind, path) requests taken in turn, for `seconds` or `requests` in all
    (whichever ends first), by `clients` connections over `processes` processes."""

    port: int
    headers: dict[str, str]
    requests: Sequence[tuple[str, str]]
    clients: int
    seconds: float
    max_requests: int
    processes: int = 2


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = None
    chunked = False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if length is not None:
        await reader.readexactly(length)
    elif chunked:
        while size := int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16):
            await reader.readexactly(size + 2)
        await reader.readuntil(b"\r\n")
    return status


async def _connection(
    plan: Plan, offset: int, until: float, budget: list[int], tally: Tally
) -> None:
    extra = "".join(f"{name}: {value}\r\n" for name, value in plan.headers.items())
    ordered = cycle(list(plan.requests[offset:]) + list(plan.requests[:offset]))
    while time.perf_counter() < until and budget[0] > 0:
        try:
            reader, writer = await asyncio.open_connection(LOOPBACK, plan.port)
        except OSError:
            tally.errors["connect"] = tally.errors.get("connect", 0) + 1
            return
        try:
            await _requests(reader, writer, ordered, extra, until, budget, tally)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            tally.errors["connection lost"] = tally.errors.get("connection lost", 0) + 1
        finally:
            writer.close()


async def _requests(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    ordered: Iterator[tuple[str, str]],
    extra: str,
    until: float,
    budget: list[int],
    tally: Tally,
) -> None:
    for kind, path in ordered:
        if time.perf_counter() >= until or budget[0] <= 0:
            return
        budget[0] -= 1
        request = f"GET {path} HTTP/1.1\r\nHost: {LOOPBACK}\r\n{extra}\r\n".encode()
        start = time.perf_counter()
        writer.write(request)
        status = await _read_response(reader)
        tally.latencies.setdefault(kind, []).append(time.perf_counter() - start)
        tally.statuses[status] = tally.statuses.get(status, 0) + 1
        if status != 200:
            tally.errors[kind] = tally.errors.get(kind, 0) + 1


def _process(plan: Plan, index: int, start_at: float, out: multiprocessing.Queue[Tally]) -> None:
    clients = range(index, plan.clients, plan.processes)
    budget = [plan.max_requests // plan.processes]
    tally = Tally()

    async def run() -> None:
        await asyncio.sleep(max(0.0, start_at - time.time()))
        tally.began = time.time()
        until = time.perf_counter() + plan.seconds
        step = max(1, len(plan.requests) // max(1, plan.clients))
        await asyncio.gather(*(_connection(plan, c * step, until, budget, tally) for c in clients))
        tally.ended = time.time()

    before = resource.getrusage(resource.RUSAGE_SELF)
    uvloop.run(run())
    after = resource.getrusage(resource.RUSAGE_SELF)
    tally.cpu_seconds = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    out.put(tally)


def drive(plan: Plan) -> Tally:
    """Run the plan: what the clients saw, from the first request to the last answer."""
    context = multiprocessing.get_context("fork")
    out: multiprocessing.Queue[Tally] = context.Queue()
    start_at = time.time() + 0.5  # every process starts its clients at once
    workers = [
        context.Process(target=_process, args=(plan, i, start_at, out))
        for i in range(plan.processes)
    ]
    for worker in workers:
        worker.start()
    total = Tally()
    for _ in workers:
        total.merge(out.get())
    for worker in workers:
        worker.join()
    return total
