"""The package request body."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field

from openbwv.sharing.packages.contents import Copies


class PackageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[uuid.UUID] | None = Field(
        default=None, description="The items to include (default: every item of the case)."
    )
    copies: Copies = Field(
        default="both",
        description="original, playback, both, or redacted (each item's latest redacted copy "
        "and its redaction log instead of the original)",
    )
    recipient: str | None = Field(default=None, max_length=200, description="Who it is for.")
    known_checkpoint: str | None = Field(
        default=None,
        max_length=65536,
        description="A checkpoint the recipient already holds: the package proves it extends it.",
    )
    include_notes: bool = Field(default=False, description="Put the items' notes in the manifest.")
