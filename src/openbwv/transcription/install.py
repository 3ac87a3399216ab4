"""The transcription domain's contribution: its API, the `transcribe` job (queue ml), the hook
that transcribes new recordings when the force turns it on, the disposal hook that drops a
disposed item's transcript, the search's transcript matcher and `bwv transcribe`."""

from __future__ import annotations

from openbwv.evidence.disposal.service import on_disposal
from openbwv.evidence.search.matchers import register_text_matcher
from openbwv.evidence.tasks import on_ready
from openbwv.platform import Platform
from openbwv.transcription import api, cli, queries, service, tasks


def install(platform: Platform) -> None:
    platform.add_routers(api.router)
    platform.add_jobs(*tasks.KINDS)
    platform.add_command("transcribe", cli.transcribe_command)
    on_ready(service.transcribe_new)
    on_disposal(service.forget)
    register_text_matcher(queries.MATCHER)
