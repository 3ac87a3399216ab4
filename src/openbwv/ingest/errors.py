"""Why an upload is refused, each with its HTTP status. Every one carries the tus headers, since
a tus client reads `Tus-Resumable` on every answer, errors included (tus 1.0.0, core)."""

from __future__ import annotations

from typing import Any

from openbwv.errors import Conflict, DomainError, Gone, NotFound
from openbwv.ingest.tus import tus_headers


class _TusAnswer(DomainError):
    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail, **extensions)
        self.headers = tus_headers()


class UploadError(_TusAnswer):
    status = 400
    title = "Upload refused"


class UploadNotFound(_TusAnswer, NotFound):
    title = "Upload not found"


class UploadGone(_TusAnswer, Gone):
    title = "Upload is gone"


class OffsetMismatch(_TusAnswer, Conflict):
    title = "Upload-Offset does not match"


class UploadTooLarge(UploadError):
    status = 413
    title = "Upload too large"


class ChecksumMismatch(UploadError):
    status = 460  # tus checksum extension
    title = "Checksum mismatch"


class UploadBusy(UploadError):
    status = 423
    title = "Upload is being written by another request"


class BodyInterrupted(Exception):
    """The client went away mid-body: what arrived is kept; nobody is left to read an answer."""
