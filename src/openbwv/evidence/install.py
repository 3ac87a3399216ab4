"""The evidence domain's contribution: the evidence API and pages (items, annotations, search),
the processing jobs (probe, thumbnails, playback) and `bwv fsck`."""

from __future__ import annotations

from openbwv.evidence import api, cli, tasks, views
from openbwv.evidence.annotations import api as annotations_api
from openbwv.evidence.search import api as search_api
from openbwv.evidence.search import views as search_views
from openbwv.platform import Platform


def install(platform: Platform) -> None:
    platform.add_jobs(*tasks.KINDS)
    platform.add_routers(
        api.router, annotations_api.router, search_api.router, views.router, search_views.router
    )
    platform.add_command("fsck", cli.fsck_command)
