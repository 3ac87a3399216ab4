"""The ingest domain's contribution: tus uploads (API and page), the Axis content destination,
decryption jobs, housekeeping of abandoned uploads and recordings, `bwv import` and `bwv axis`."""

from __future__ import annotations

from openbwv.ingest import api, cli, transfer, views
from openbwv.ingest.axis import api as axis_api
from openbwv.ingest.axis import cli as axis_cli
from openbwv.ingest.axis import tasks as axis_tasks
from openbwv.platform import Platform


def install(platform: Platform) -> None:
    platform.add_jobs(*axis_tasks.KINDS)
    platform.add_routers(api.router, axis_api.router, views.router)
    platform.add_maintenance(transfer.expire_uploads)
    platform.add_maintenance(axis_tasks.finish_abandoned_recordings)
    platform.add_command("import", cli.import_command)
    platform.add_command_group("axis", axis_cli.axis_app)
