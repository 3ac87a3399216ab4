"""Periodic ingest housekeeping, run by the sweeper."""

from __future__ import annotations

from openbwv.ingest.uploads import expire_uploads
from openbwv.jobs.sweeper import maintenance


@maintenance
def expire_abandoned_uploads() -> int:
    return expire_uploads()
