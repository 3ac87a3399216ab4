"""A recipient's evidence package: exactly what their share gives, built by the packages
service as the recipient (so the policy's share reach decides every item, as for a single
download), named for the share in the manifest and the audit, and re-checked as it streams: a
share revoked or expired stops the package at its next check (every BWV_SHARE_RECHECK_BYTES).
A link's package counts as one of its downloads."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

from sqlalchemy.orm import Session

from openbwv.access.principal import Principal
from openbwv.config import get_settings
from openbwv.db.session import unit_of_work
from openbwv.logging import get_logger
from openbwv.sharing import queries
from openbwv.sharing.errors import LinkGone, NoDownload, NoSuchShare, ShareOver
from openbwv.sharing.links import service as links
from openbwv.sharing.models import Share
from openbwv.sharing.packages import service as packages
from openbwv.sharing.packages.contents import Copies
from openbwv.timeutil import isoformat_z

log = get_logger(__name__)


def _request(
    session: Session, share: Share, copies: Copies, source_ip: str | None, check: Callable[[], None]
) -> packages.PackageRequest:
    if not queries.download_left(share):
        raise NoDownload("this share gives viewing and playing only, not downloading")
    return packages.PackageRequest(
        case_id=str(share.case_id),
        item_ids=queries.share_item_ids(session, share),
        copies=copies,
        recipient=share.label,
        share={
            "id": str(share.id),
            "recipient": share.label,
            "shared_by": share.created_by_name,
            "reason": share.reason,
            "shared_at": isoformat_z(share.created_at),
            "expires_at": isoformat_z(share.expires_at),
        },
        source_ip=source_ip,
        check=check,
        check_every=get_settings().share_recheck_bytes,
    )


def _still_given(principal: Principal, share_id: uuid.UUID) -> Callable[[], None]:
    """Still an active share of this recipient's (not revoked, not expired, still a member of the
    organisation it was given to)?"""

    def check() -> None:
        with unit_of_work() as session:
            if share_id not in {s.id for s in queries.shares_for(session, principal)}:
                raise ShareOver("this share was revoked or has expired")

    return check


def until_ended(stream: packages.PackageStream) -> Iterator[bytes]:
    """The package's bytes; when the share ends meanwhile the stream records itself as stopped
    and the response breaks off. A ZIP is sent chunked (its length is not known before it is
    built), so only a broken connection tells the client it did not get the whole package."""
    try:
        yield from stream
    except (ShareOver, LinkGone):
        log.info(
            "package stopped: the share ended while it was sent",
            share=(stream.request.share or {}).get("id"),
        )
        raise


def recipient_package(
    principal: Principal, share_id: str, copies: Copies, source_ip: str | None
) -> packages.PackageStream:
    """The package of a share given to this external user (or their organisation)."""
    with unit_of_work() as session:
        share = queries.find_share(session, share_id)
        given = queries.shares_for(session, principal, only_active=False)
        if share is None or not principal.external or share.id not in {s.id for s in given}:
            raise NoSuchShare("no such share")
        if not queries.is_live(share):
            raise ShareOver("this share was revoked or has expired")
        request = _request(session, share, copies, source_ip, _still_given(principal, share.id))
    return packages.stream_package(principal, request)


def link_package(
    secret: str, share: Share, copies: Copies, source_ip: str | None
) -> packages.PackageStream:
    """The package of a link's share, for whoever holds the link (and its session)."""

    def check() -> None:
        with unit_of_work() as session:
            links.live_link(session, secret)  # LinkGone stops the stream

    with unit_of_work() as session:
        request = _request(session, share, copies, source_ip, check)
    stream = packages.stream_package(links.link_principal(share), request)
    with unit_of_work() as session:  # authorised and gathered: one of the link's downloads
        counted = queries.find_share(session, share.id)
        if counted is None or not queries.is_live(counted):
            raise LinkGone("this link has expired or was revoked, or it was never valid")
        links.count_download(session, counted)
    return stream
