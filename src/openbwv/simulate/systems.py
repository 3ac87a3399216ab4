"""Body worn systems: one per station (its system controller and docks), each connected to the
platform with a connection file. With encryption `some`, every other station's system encrypts
end to end, so a force has both kinds, as one does while it migrates.

Connecting follows the specification's order: sign in, read `System/Capabilities.json` and
`System/Categories.json` (each checked against its MD5 ETag, as the system controller does),
store the system id object and read it back (StoreReadSystemID), then register the users and
cameras of the station in `Users/` and `Devices/`.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from typing import Any

from openbwv.ingest.axis.client import AxisClient, AxisClientError
from openbwv.simulate.config import ConfigError, SimConfig
from openbwv.simulate.faults import FaultLog, FaultyTransport
from openbwv.simulate.roster import Wearer

SYSTEM_NAMESPACE = uuid.UUID("0b5c31a4-6a7e-4f0e-8c43-6d1f3f7a9e27")
NEEDED = ("StoreBookmarks", "StoreGNSSTrackRecording")


@dataclass
class BodyWornSystem:
    station: str
    connection: dict[str, Any]
    wearers: list[Wearer] = field(default_factory=list)
    capabilities: dict[str, bool] = field(default_factory=dict)

    @property
    def system_id(self) -> str:
        return str(uuid.uuid5(SYSTEM_NAMESPACE, self.station))

    @property
    def scu_serial(self) -> str:
        return "ACCC8E" + hashlib.sha256(self.station.encode()).hexdigest()[:6].upper()

    @property
    def encrypted(self) -> bool:
        return bool(self.connection.get("WantEncryption"))

    @property
    def container_type(self) -> str:
        return str(self.connection.get("ContainerType") or "mkv")

    def client(self, config: SimConfig, log: FaultLog) -> AxisClient:
        return AxisClient.from_connection_file(
            self.connection,
            retries=config.request_retries,
            backoff=config.backoff,
            transport=FaultyTransport(config.faults, config.seed, log),
        )


def systems_for(
    wearers: list[Wearer], connections: dict[str, dict[str, Any]], config: SimConfig
) -> list[BodyWornSystem]:
    """A system per station; stations alternate between the connections given (sorted)."""
    stations = sorted({w.dock for w in wearers})
    kinds = sorted(connections)  # "e2e" before "plain"
    if not kinds:
        raise ConfigError("no connection file to connect the body worn systems with")
    order = ["plain", "e2e"] if len(kinds) == 2 else kinds
    systems = {
        station: BodyWornSystem(station, connections[order[i % len(order)]])
        for i, station in enumerate(stations)
    }
    for wearer in wearers:
        systems[wearer.dock].wearers.append(wearer)
    return list(systems.values())


def _published(client: AxisClient, name: str) -> Any:
    response = client.checked("GET", f"System/{name}")
    if response.headers.get("ETag", "").strip('"') != hashlib.md5(response.content).hexdigest():  # noqa: S324 - Swift ETag
        raise ConfigError(f"System/{name}: object corrupt (its ETag is not its MD5)")
    return response.json()


def connect(system: BodyWornSystem, client: AxisClient) -> list[tuple[str, str]]:
    """Connect and register one system; returns the force's categories (id, name)."""
    capabilities = _published(client, "Capabilities.json")
    flat = {k: bool(v) for group in capabilities.values() for k, v in dict(group).items()}
    system.capabilities = flat
    missing = [name for name in NEEDED if not flat.get(name)]
    if missing:
        raise ConfigError(f"the destination does not declare {', '.join(missing)}")
    categories = [(str(c["Id"]), str(c["Name"])) for c in _published(client, "Categories.json")]
    if flat.get("StoreReadSystemID"):
        client.register_system(system.system_id, system.scu_serial, system.station[:100])
        stored = client.checked("HEAD", f"System/{system.system_id}")
        if stored.headers.get("X-Object-Meta-Connectionid") != system.scu_serial:
            raise ConfigError(f"{system.station}: the destination did not keep our system id")
    for wearer in system.wearers:
        user_id = wearer.warrant if flat.get("StoreUserIDKey") else None
        client.register_user(wearer.user_uuid, wearer.name, user_id=user_id)
        client.register_device(wearer.serial, f"{wearer.dock} {wearer.serial[-4:]}", wearer.model)
    return categories


def connect_all(
    systems: list[BodyWornSystem], config: SimConfig, log: FaultLog
) -> list[tuple[str, str]]:
    categories: list[tuple[str, str]] = []
    for system in systems:
        with system.client(config, log) as client:
            try:
                categories = connect(system, client)
            except AxisClientError as exc:
                raise ConfigError(
                    f"{system.station}: the destination refused {exc} — is the connection "
                    "file for this platform?"
                ) from None
    return categories
