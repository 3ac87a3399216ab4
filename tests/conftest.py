"""Shared fixtures: the platform in each deployment profile, a live API, clients and clips."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from openbwv.composition import compose
from openbwv.ingest.axis.settings import reset_axis_settings
from tests.support.stack import PROFILES, Stack, ThreadedServer, build_stack

_seeds = itertools.count(1000)


def pytest_configure(config: pytest.Config) -> None:
    compose()  # every domain installed, as in `bwv` and the servers


@pytest.fixture(scope="session", params=PROFILES)
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    built = build_stack(request.param, tmp_path_factory.mktemp("stack"))
    built.apply_env()
    built.start_worker()
    try:
        yield built
    finally:
        built.stop_workers()
        for cleanup in reversed(built.cleanups):
            cleanup()


@pytest.fixture(scope="session")
def live_server(stack: Stack) -> Iterator[str]:
    server = ThreadedServer().start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def reviewer(stack: Stack) -> object:
    """An officer who also reviews force-wide (professional standards): uploads and sees all."""
    return stack.user("professional_standards", "officer", borough="E09000033")


@pytest.fixture(scope="session")
def admin_token(stack: Stack, reviewer: object) -> str:
    """The token most tests act with: the reviewer's (administrators see no footage)."""
    return stack.user_token(reviewer)


@pytest.fixture
def api(live_server: str, admin_token: str) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=live_server, headers={"Authorization": f"Bearer {admin_token}"}, timeout=60
    ) as client:
        yield client


@pytest.fixture
def seed() -> int:
    return next(_seeds)


@pytest.fixture
def clip(tmp_path: Path, seed: int) -> Path:
    """A small, unique H.264/AAC MP4 made now."""
    from openbwv.media.synth import make_clip

    return make_clip(tmp_path / f"clip-{seed}.mp4", seconds=2, seed=seed)


@pytest.fixture
def axis_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """Set `BWV_AXIS_*` settings for one test: `axis_env(max_concurrent_uploads="1")`."""

    def set_env(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(f"BWV_AXIS_{name.upper()}", value)
        reset_axis_settings()

    yield set_env
    monkeypatch.undo()
    reset_axis_settings()
