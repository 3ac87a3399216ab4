"""The evidence domain's contribution: the evidence API and pages, the processing jobs (probe,
thumbnails, playback), built-in categories and `bwv fsck`."""

from __future__ import annotations

from openbwv.evidence import (
    annotations_api,
    api,
    categorising,
    cli,
    page_actions,
    review_api,
    search_views,
    tasks,
    views,
)
from openbwv.platform import Platform


def install(platform: Platform) -> None:
    platform.add_jobs(*tasks.KINDS)
    platform.add_routers(
        api.router,
        review_api.router,
        annotations_api.router,
        views.router,
        page_actions.router,
        search_views.router,
    )
    platform.add_reference_data(categorising.ensure_builtin_categories)
    platform.add_command("fsck", cli.fsck_command)
