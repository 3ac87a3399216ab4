"""An item's bytes as an HTTP response (ranges, re-checked while streaming): its original and its
browser-playable copy. One place for the evidence API and the share-link pages, so that both
serve the same bytes the same way. The caller has authorised the read and recorded it."""

from __future__ import annotations

from fastapi import Request, Response

from openbwv.api.problems import Problem
from openbwv.api.ranges import Recheck, object_response
from openbwv.config import get_settings
from openbwv.evidence.models import DerivativeKind, DerivativeStatus, EvidenceItem
from openbwv.storage.factory import derivatives, originals


def recheck_bytes() -> int:
    """How often a stream asks again whether the reader may still read (a share revoked)."""
    return get_settings().share_recheck_bytes


def original_response(request: Request, item: EvidenceItem, recheck: Recheck | None) -> Response:
    return object_response(
        request,
        originals(),
        item.sha256,
        item.size_bytes,
        item.media_type,
        filename=item.original_filename,
        recheck=recheck,
        recheck_bytes=recheck_bytes(),
    )


def derivative_response(
    request: Request, item: EvidenceItem, kind: str, recheck: Recheck | None = None
) -> Response:
    derivative = item.derivative(kind)
    if derivative is None or derivative.storage_key is None:
        raise Problem(404, "Not available yet", f"the {kind} of this item is not ready")
    return object_response(
        request,
        derivatives(),
        derivative.storage_key,
        derivative.size_bytes or 0,
        derivative.media_type or "application/octet-stream",
        recheck=recheck,
        recheck_bytes=recheck_bytes(),
    )


def playback_response(request: Request, item: EvidenceItem, recheck: Recheck | None) -> Response:
    """The playback copy, or the original where it already plays in a browser."""
    not_needed = any(
        d.kind == DerivativeKind.PLAYBACK and d.status == DerivativeStatus.NOT_NEEDED
        for d in item.derivatives
    )
    if not_needed:
        return object_response(
            request,
            originals(),
            item.sha256,
            item.size_bytes,
            "video/mp4",
            recheck=recheck,
            recheck_bytes=recheck_bytes(),
        )
    playback = item.derivative(DerivativeKind.PLAYBACK)
    if playback is None or playback.storage_key is None:
        raise Problem(404, "Not available yet", "the playback copy is not ready")
    return derivative_response(request, item, DerivativeKind.PLAYBACK, recheck)
