"""The platform under test, in one of two deployments.

* embedded: SQLite, local disk, workers claiming job rows (no broker) — what `make run` uses;
* scaled: PostgreSQL, S3 over real HTTP, Celery on Redis — what a force runs.

`make test` always runs embedded and runs scaled too when `BWV_TEST_DATABASE_URL` and
`BWV_TEST_BROKER_URL` say where the services are (`.ci/run` always sets them; an unreachable service
then fails the run, it is never skipped).
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import uvicorn
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from openbwv.api.server import HTTP_PROTOCOL
from tests.support.s3server import s3_credentials, s3_endpoint
from tests.support.waiting import wait_until

PROFILES = ["embedded"]
if os.environ.get("BWV_TEST_DATABASE_URL") and os.environ.get("BWV_TEST_BROKER_URL"):
    PROFILES.append("scaled")

# Short timings so crash-recovery tests finish quickly.
FAST_RECOVERY = {
    "BWV_JOB_LEASE_SECONDS": "3",
    "BWV_JOB_STALE_SECONDS": "3",
    "BWV_SWEEP_INTERVAL_SECONDS": "0.5",
    "BWV_JOB_RETRY_BASE_SECONDS": "0.2",
    "BWV_JOB_MAX_ATTEMPTS": "3",
}
# Short blocks, so a test's few seconds of speech are transcribed in several (and can resume).
TEST_SETTINGS = {"BWV_TRANSCRIPTION_BLOCK_SECONDS": "6"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Stack:
    profile: str
    data_dir: Path
    env: dict[str, str]
    cleanups: list[Any] = field(default_factory=list)
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def scaled(self) -> bool:
        return self.profile == "scaled"

    def apply_env(self) -> None:
        os.environ.update(self.env)
        from openbwv.config import reset_settings
        from openbwv.db.session import dispose_engines

        reset_settings()
        dispose_engines()

    def settings(self) -> Any:
        from openbwv.config import get_settings

        return get_settings()

    def start_worker(
        self, *extra_env: dict[str, str], args: tuple[str, ...] = ("--concurrency", "2")
    ) -> subprocess.Popen[bytes]:
        env = {**os.environ, **self.env}
        for more in extra_env:
            env.update(more)
        log = open(self.data_dir / f"worker-{len(self.workers)}.log", "ab")  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, "-m", "openbwv.composition", "worker", *args],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.workers.append(process)
        return process

    def stop_workers(self) -> None:
        for process in self.workers:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
        self.workers.clear()

    def token(self, role: str = "administrator", name: str = "test", **kwargs: Any) -> str:
        """A token with a role and no user (a device or integration)."""
        from openbwv.access.admin.service import create_token
        from openbwv.db.session import unit_of_work

        with unit_of_work() as session:
            secret, _ = create_token(session, name=name, role=role, **kwargs)
        return secret

    def user(
        self,
        *roles: str,
        borough: str | None = None,
        team: str | None = None,
        username: str | None = None,
        kind: str = "internal",
        password: str | None = None,
    ) -> Any:
        """A user with roles (and a team in its borough, created on first use)."""
        from openbwv.access.admin.service import UserSpec, create_user
        from openbwv.db.session import unit_of_work

        with unit_of_work() as session:
            user = create_user(
                session,
                UserSpec(
                    username=username or f"u{secrets.token_hex(4)}",
                    display_name="Test User",
                    roles=list(roles),
                    borough=borough,
                    team=team,
                    kind=kind,
                    password=password,
                ),
            )
            session.expunge(user)
        return user

    def user_token(self, user: Any) -> str:
        from openbwv.access.admin.service import create_token
        from openbwv.db.session import unit_of_work

        with unit_of_work() as session:
            secret, _ = create_token(
                session, name=f"{user.username}-api", role=user.role_names[0], user_id=user.id
            )
        return secret


def _postgres_database(admin_url: str) -> tuple[str, Any]:
    name = f"bwv_test_{secrets.token_hex(4)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        from openbwv.db.session import dispose_engines

        dispose_engines()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, drop


def _redis_broker(url: str) -> str:
    """The broker's Redis database, one per pytest-xdist worker (the base database for gw0, the
    one below it for gw1, …): each worker flushes its own and never takes another's messages."""
    import redis

    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    url = urlunsplit(parts._replace(path=f"/{base - int(worker.removeprefix('gw'))}"))
    client = redis.Redis.from_url(url)
    client.ping()  # unreachable → the run fails, never skips
    client.flushdb()
    return url


def build_stack(profile: str, root: Path) -> Stack:
    data_dir = root / profile
    data_dir.mkdir(parents=True)
    env = {
        "BWV_DATA_DIR": str(data_dir),
        "BWV_LOG_LEVEL": "WARNING",
        **FAST_RECOVERY,
        **TEST_SETTINGS,
    }
    for key in ("BWV_DATABASE_URL", "BWV_STORAGE_URL", "BWV_BROKER_URL", "BWV_S3_ENDPOINT_URL"):
        os.environ.pop(key, None)
    stack = Stack(profile, data_dir, env)
    if profile == "scaled":
        db_url, drop = _postgres_database(os.environ["BWV_TEST_DATABASE_URL"])
        stack.cleanups.append(drop)
        bucket = f"bwv-test-{secrets.token_hex(4)}"
        key_id, secret = s3_credentials()
        env.update(
            BWV_DATABASE_URL=db_url,
            BWV_BROKER_URL=_redis_broker(os.environ["BWV_TEST_BROKER_URL"]),
            BWV_STORAGE_URL=f"s3://{bucket}/openbwv",
            BWV_S3_ENDPOINT_URL=s3_endpoint(),
            BWV_S3_ACCESS_KEY_ID=key_id,
            BWV_S3_SECRET_ACCESS_KEY=secret,
            BWV_S3_OBJECT_LOCK_DAYS="1",
        )
        stack.apply_env()
        from openbwv.storage.factory import originals

        store: Any = originals()
        store.ensure_bucket(object_lock=True)
    stack.apply_env()
    from openbwv.db.migrate import upgrade

    upgrade()
    return stack


class ThreadedServer:
    """The real API on a loopback port, in this process (so tests share its settings)."""

    def __init__(self) -> None:
        from openbwv.composition import create_app

        self.port = free_port()
        config = uvicorn.Config(
            create_app(), host="127.0.0.1", port=self.port, log_level="warning", http=HTTP_PROTOCOL
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ThreadedServer:
        self.thread.start()
        wait_until(lambda: self.server.started, timeout=30, what="the API server to start")
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@contextmanager
def subprocess_server(
    stack: Stack,
    port: int | None = None,
    *,
    options: tuple[str, ...] = ("--no-worker",),
    timeout: float = 60,
) -> Iterator[tuple[str, Any]]:
    """`bwv serve --no-worker` (or with other `options`) in its own process, for tests that
    kill it or need it as a force runs it."""
    port = port or free_port()
    env = {**os.environ, **stack.env}
    log = open(stack.data_dir / f"server-{port}.log", "ab")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "openbwv.composition", "serve", *options, "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"server exited with {process.returncode}")
        try:
            return httpx.get(f"{url}/api/v1/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(healthy, timeout=timeout, what="bwv serve to answer health")
    try:
        yield url, process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()
