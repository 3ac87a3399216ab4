"""Who wears which camera: read from the platform's fleet over its API, as a force's body worn
manager is loaded from the same officer and camera lists.

A wearer is an officer holding a camera now (personal issue, or a pool camera checked out). The
slice — boroughs, at most N officers, at most N cameras — is chosen deterministically from the
seed, spread across the chosen boroughs.
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from openbwv.simulate.config import ConfigError, SimConfig
from openbwv.simulate.tracks import UnknownBorough, outline

USER_NAMESPACE = uuid.UUID("6f1d3d8e-7c4e-4c55-9a0f-2f6b1f0c5e11")


@dataclass(frozen=True)
class Wearer:
    warrant: str  # the Axis UserID: what the platform matches the officer by
    name: str
    borough: str  # GSS code of the officer's borough: where they patrol
    team: str | None
    serial: str
    model: str
    firmware: str
    station: str | None
    pool: bool

    @property
    def user_uuid(self) -> str:
        """The body worn manager's own id for the user (the Users/ object name): stable."""
        return str(uuid.uuid5(USER_NAMESPACE, self.warrant))

    @property
    def dock(self) -> str:
        """Cameras dock at their station (one system controller per station)."""
        return self.station or f"{self.borough} dock"


class FleetReader:
    """The fleet API, paged, with a fleet.read token."""

    def __init__(self, url: str, token: str, *, timeout: float = 60) -> None:
        self.http = httpx.Client(
            base_url=url.rstrip("/"),
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
        )

    def close(self) -> None:
        self.http.close()

    def cameras(self, borough: str | None = None) -> Iterator[dict[str, Any]]:
        after: str | None = None
        while True:
            params: dict[str, Any] = {"limit": 500}
            if borough:
                params["borough"] = borough
            if after:
                params["after"] = after
            response = self.http.get("/api/v1/fleet/cameras", params=params)
            if response.status_code in (401, 403):
                raise ConfigError(
                    f"the fleet API refused the token ({response.status_code}): the simulator "
                    "needs a token with fleet.read (e.g. a fleet_manager's)"
                )
            response.raise_for_status()
            page = response.json()
            yield from page["items"]
            after = page.get("next_after")
            if not after:
                return


def _wearer(camera: dict[str, Any]) -> Wearer | None:
    holder = camera.get("holder") or {}
    officer = holder.get("officer") or {}
    warrant = officer.get("warrant_number") or officer.get("username")
    borough = officer.get("borough") or camera.get("home_borough")
    if not warrant or not borough or not officer.get("active", True):
        return None
    return Wearer(
        warrant=warrant,
        name=(officer.get("display_name") or warrant)[:100],
        borough=borough,
        team=officer.get("team"),
        serial=camera["serial"],
        model=(camera.get("model") or "W110").removeprefix("Axis ")[:32],
        firmware=camera.get("firmware_version") or "unknown",
        station=camera.get("station"),
        pool=bool(camera.get("pool")),
    )


def borough_codes(references: tuple[str, ...]) -> list[str]:
    try:
        return [outline(reference).gss_code for reference in references]
    except UnknownBorough as exc:
        raise ConfigError(str(exc)) from None


def load_wearers(fleet: FleetReader, config: SimConfig) -> list[Wearer]:
    """The wearers of the slice the configuration asks for, in a stable order."""
    codes = borough_codes(config.boroughs)
    cameras = [c for code in codes for c in fleet.cameras(code)] if codes else fleet.cameras()
    wearers = [w for c in cameras if (w := _wearer(c)) is not None]
    if codes:
        wearers = [w for w in wearers if w.borough in codes]
    if not wearers:
        where = ", ".join(config.boroughs) or "the force"
        raise ConfigError(
            f"no officer in {where} holds a camera: load a fleet first "
            "(bwv fleet demo, or bwv fleet import-officers/import-cameras)"
        )
    return choose(wearers, config)


def choose(wearers: list[Wearer], config: SimConfig) -> list[Wearer]:
    """At most `officers` officers and `cameras` cameras, taken round-robin across boroughs in
    an order shuffled by the seed (so a small slice still covers every borough); the featured
    officers and a few of their team-mates first."""
    limit = min(config.officers or len(wearers), config.cameras or len(wearers))
    rng = random.Random(f"roster:{config.seed}")
    chosen = [w for w in wearers if w.warrant in config.featured][:limit]
    # Then up to three of their team-mates: the incidents they attend together.
    teams = {w.team for w in chosen if w.team}
    mates = sorted(
        (w for w in wearers if w.team in teams and w not in chosen), key=lambda w: w.serial
    )
    rng.shuffle(mates)
    chosen += mates[: max(0, min(3, limit - len(chosen)))]
    by_borough: dict[str, list[Wearer]] = defaultdict(list)
    for wearer in sorted(wearers, key=lambda w: w.serial):
        if wearer not in chosen:
            by_borough[wearer.borough].append(wearer)
    for group in by_borough.values():
        rng.shuffle(group)
    queues = [by_borough[code] for code in sorted(by_borough)]
    while len(chosen) < limit and any(queues):
        for queue in queues:
            if queue and len(chosen) < limit:
                chosen.append(queue.pop(0))
    return sorted(chosen, key=lambda w: (w.borough, w.serial))
