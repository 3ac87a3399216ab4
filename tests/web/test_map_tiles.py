"""BWV_MAP_TILE_URL: without it the pages fetch nothing from elsewhere and the
Content-Security-Policy names no other host; with it, that origin alone joins img-src and the
maps draw its tiles under the borough outlines; a bad value stops start-up with a message."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from openbwv.config import Settings
from openbwv.web.security import CONTENT_SECURITY_POLICY
from tests.support.stack import Stack, ThreadedServer, free_port
from tests.web.evidence_world import make_item, person, walk

TILES = "https://tiles.example.test/os/{z}/{x}/{y}.png?key=k"
ORIGIN = "https://tiles.example.test"


def _directives(policy: str) -> dict[str, list[str]]:
    parts = (directive.split() for directive in policy.split(";"))
    return {words[0]: words[1:] for words in parts if words}


@pytest.fixture(scope="module")
def item_with_track(stack: Stack) -> tuple[str, str]:
    reviewer = person(stack, "professional_standards")
    when = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)
    item = make_item(reviewer.user, when, track=walk(when, 10))
    return item, stack.user_token(reviewer.user)


def _pages(base: str, token: str, item: str) -> tuple[httpx.Response, httpx.Response]:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        return client.get("/search"), client.get(f"/evidence/{item}")


def test_without_a_tile_server_nothing_is_fetched_from_elsewhere(
    live_server: str, item_with_track: tuple[str, str]
) -> None:
    search, evidence = _pages(live_server, *reversed(item_with_track))
    for page in (search, evidence):
        assert page.status_code == 200
        policy = _directives(page.headers["content-security-policy"])
        sources = {source for values in policy.values() for source in values}
        assert sources <= {"'self'", "'none'", "data:", "blob:"}, sources
        assert "<image" not in page.text and "with-tiles" not in page.text
    assert 'class="map-label"' in search.text and ">Westminster</tspan>" in search.text


@pytest.fixture
def tiled_server(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    from openbwv.config import reset_settings

    monkeypatch.setenv("BWV_MAP_TILE_URL", TILES)
    monkeypatch.setenv("BWV_MAP_TILE_ATTRIBUTION", "Tiles: Example Mapping")
    reset_settings()
    server = ThreadedServer().start()
    try:
        yield server.url
    finally:
        server.stop()
        monkeypatch.undo()
        reset_settings()


def test_a_tile_server_joins_img_src_alone_and_the_maps_draw_its_tiles(
    tiled_server: str, item_with_track: tuple[str, str]
) -> None:
    search, evidence = _pages(tiled_server, *reversed(item_with_track))
    expected = _directives(CONTENT_SECURITY_POLICY)
    expected["img-src"].append(ORIGIN)
    for page in (search, evidence):
        assert _directives(page.headers["content-security-policy"]) == expected
        assert "Tiles: Example Mapping" in page.text
    # All London at zoom 10 on the search map; a street-level zoom under the track.
    assert 'href="https://tiles.example.test/os/10/511/340.png?key=k"' in search.text
    zooms = {int(part.split("/")[0]) for part in evidence.text.split("/os/")[1:]}
    assert zooms and min(zooms) >= 14


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("ftp://tiles.example.test/{z}/{x}/{y}", "must be an http or https URL"),
        ("https://tiles.example.test/{z}/{x}.png", "needs {y}"),
        ("https://{s}.tiles.example.test/{z}/{x}/{y}", "not the host"),
        ("https://tiles.example.test/{z}/{x}/{y}/{scale}", "may hold only"),
        ("https://tiles.example.test; script-src */{z}/{x}/{y}", "cannot hold"),
        ("https://user:secret@tiles.example.test/{z}/{x}/{y}", "user name or password"),
    ],
)
def test_a_bad_tile_url_is_refused(value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Settings(map_tile_url=value)


def test_start_up_stops_on_a_bad_tile_url(stack: Stack) -> None:
    env = {**os.environ, **stack.env, "BWV_MAP_TILE_URL": "https://tiles.example.test/{z}"}
    command = [sys.executable, "-m", "openbwv.composition", "serve", "--no-worker"]
    done = subprocess.run(
        [*command, "--port", str(free_port())], env=env, capture_output=True, timeout=60
    )
    assert done.returncode == 2
    assert b"configuration error: BWV_MAP_TILE_URL needs {x}, {y}" in done.stderr
    assert b"Traceback" not in done.stderr
