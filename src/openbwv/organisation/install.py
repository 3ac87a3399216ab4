"""The organisation domain's contribution: London's boroughs (reference data)."""

from __future__ import annotations

from openbwv.organisation import service
from openbwv.platform import Platform


def install(platform: Platform) -> None:
    platform.add_reference_data(service.ensure_boroughs)
