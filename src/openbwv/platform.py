"""What a domain contributes to the running platform, and the one place it is collected.

Each domain has an `install(platform)` in its `install.py`; the composition root
(`openbwv.composition`) calls them in order. Infrastructure (`api`, `web`, `jobs`, `db`, `cli`)
reads what was contributed here and imports no domain itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import typer
from fastapi import APIRouter, FastAPI
from sqlalchemy.orm import Session

from openbwv.db import reference
from openbwv.jobs import registry, sweeper

AppHook = Callable[[FastAPI], None]
MaintenanceHook = Callable[[], int]
ReferenceData = Callable[[Session], None]


@dataclass
class Platform:
    """Routers (API and pages), app hooks (exception handlers), CLI command groups and commands.
    Job handlers register themselves when a domain's `tasks` module is imported by its install;
    maintenance hooks and reference data are handed to the sweeper and the migrator."""

    routers: list[APIRouter] = field(default_factory=list)
    app_hooks: list[AppHook] = field(default_factory=list)
    command_groups: list[tuple[str, typer.Typer]] = field(default_factory=list)
    commands: list[tuple[str, Callable[..., None]]] = field(default_factory=list)

    def add_routers(self, *routers: APIRouter) -> None:
        self.routers.extend(routers)

    def on_app(self, hook: AppHook) -> None:
        self.app_hooks.append(hook)

    def add_command_group(self, name: str, group: typer.Typer) -> None:
        self.command_groups.append((name, group))

    def add_command(self, name: str, command: Callable[..., None]) -> None:
        self.commands.append((name, command))

    def add_jobs(self, *kinds: str) -> None:
        """Declare the job kinds a domain handles; its `tasks` module registered them on import
        (`jobs.registry.register`), and this checks that each one is there."""
        for name in kinds:
            registry.kind(name)

    def add_maintenance(self, hook: MaintenanceHook) -> None:
        sweeper.maintenance(hook)

    def add_reference_data(self, ensure: ReferenceData) -> None:
        reference.register(ensure)
