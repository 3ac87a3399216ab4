"""The categories domain's contribution: the built-in categories (reference data)."""

from __future__ import annotations

from openbwv.categories import service
from openbwv.platform import Platform


def install(platform: Platform) -> None:
    platform.add_reference_data(service.ensure_builtin_categories)
