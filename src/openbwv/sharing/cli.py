"""`bwv share create|list|revoke|extend|flag|org-add|org-member` (docs/sharing.md). The CLI acts
as the operator (force-wide, holding no restricted category) or, with `--as USERNAME`, as that
person with their roles; everything it does is audited under that name."""

from __future__ import annotations

import getpass
import json
import uuid
from datetime import timedelta
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from openbwv.access.admin.queries import find_user
from openbwv.access.policy import roles
from openbwv.access.policy.queries import principal_for_user
from openbwv.access.principal import Principal
from openbwv.cases import queries as cases
from openbwv.db.session import unit_of_work
from openbwv.sharing import queries, service
from openbwv.sharing.errors import NoSuchShare
from openbwv.timeutil import parse_rfc3339, utcnow

share_app = typer.Typer(help="Shares with the CPS, the defence and others.", no_args_is_help=True)
OPERATOR = Principal(
    id=uuid.UUID(int=3),
    name=f"cli:{getpass.getuser()}",
    kind="system",
    scope="force",
    permissions=frozenset({roles.VIEW, roles.SHARE, roles.CASE_MANAGE}),
)
As = Annotated[str | None, typer.Option("--as", help="Act as this user (their roles apply).")]


def _actor(session: Session, username: str | None) -> Principal:
    if username is None:
        return OPERATOR
    return principal_for_user(session, find_user(session, username))


def _case_id(session: Session, reference: str) -> str:
    case = cases.case_by_reference(session, reference)
    if case is None:
        raise NoSuchShare(f"no case with crime reference {reference!r}")
    return str(case.id)


@share_app.command("create")
def create(
    case: Annotated[str, typer.Option("--case", help="The case's crime reference.")],
    reason: Annotated[str, typer.Option("--reason", help="Why: recorded and shown.")],
    user: Annotated[str | None, typer.Option("--user", help="An external user.")] = None,
    organisation: Annotated[str | None, typer.Option("--org", help="An organisation.")] = None,
    link: Annotated[str | None, typer.Option("--link", help="A link, with this label.")] = None,
    download: Annotated[bool, typer.Option("--download", help="Allow downloads.")] = False,
    days: Annotated[
        int | None, typer.Option("--days", help="Expiry (BWV_SHARE_DEFAULT_DAYS).")
    ] = None,
    item: Annotated[list[str] | None, typer.Option("--item", help="Only these items.")] = None,
    later: Annotated[bool, typer.Option("--include-later", help="And items linked later.")] = False,
    passphrase: Annotated[bool, typer.Option("--passphrase", help="Links: add one.")] = False,
    max_downloads: Annotated[int | None, typer.Option("--max-downloads")] = None,
    base_url: Annotated[str, typer.Option("--base-url", help="For the link.")] = "",
    acting: As = None,
) -> None:
    """Share a case (or some of its items); a link and its passphrase are printed once."""
    with unit_of_work() as session:
        if user is not None:
            found = find_user(session, user)
            recipient = service.recipient_for(
                session, user=(found.id, found.display_name, found.kind == "external")
            )
        else:
            recipient = service.recipient_for(session, organisation=organisation, link_label=link)
        made = service.create_share(
            session,
            _actor(session, acting),
            service.ShareRequest(
                case_id=_case_id(session, case),
                recipient=recipient,
                reason=reason,
                allow_download=download,
                evidence_ids=item or None,
                include_later=later,
                days=days,
                passphrase=passphrase,
                max_downloads=max_downloads,
            ),
        )
        typer.echo(
            f"Shared {len(made.items)} items of {case} with {made.share.label} until "
            f"{made.share.expires_at:%Y-%m-%d %H:%M} UTC (share {made.share.id})."
        )
        for item_id, why in made.withheld.items():
            typer.echo(f"Not shared: {item_id} ({why})")
        if made.link_secret:
            typer.echo(f"Link (shown once): {base_url.rstrip('/')}/s/{made.link_secret}")
        if made.passphrase:
            typer.echo(f"Passphrase (shown once; send it another way): {made.passphrase}")


@share_app.command("list")
def list_shares(
    case: Annotated[str, typer.Option("--case", help="The case's crime reference.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The case's shares, newest first, with their status."""
    with unit_of_work() as session:
        shares = queries.shares_of_case(session, uuid.UUID(_case_id(session, case)))
        rows = [
            {
                "id": str(s.id),
                "recipient": s.label,
                "status": queries.status_of(s),
                "download": s.allow_download,
                "expires_at": s.expires_at.isoformat(),
                "items": len(queries.share_item_ids(session, s)),
            }
            for s in shares
        ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        typer.echo(
            f"{row['id']}  {row['status']:<8} {row['recipient']}  {row['items']} items  "
            f"until {str(row['expires_at'])[:16]}{'  download' if row['download'] else ''}"
        )


@share_app.command("revoke")
def revoke(
    share_id: str,
    reason: Annotated[str, typer.Option("--reason")] = "",
    acting: As = None,
) -> None:
    """End a share now (a download in progress stops at its next chunk)."""
    with unit_of_work() as session:
        share = service.revoke_share(session, _actor(session, acting), share_id, reason)
        typer.echo(f"Revoked share {share.id} ({share.label}).")


@share_app.command("extend")
def extend(
    share_id: str,
    days: Annotated[int | None, typer.Option("--days", help="From now.")] = None,
    until: Annotated[str | None, typer.Option("--until", help="RFC 3339 time.")] = None,
    acting: As = None,
) -> None:
    """Move a share's expiry."""
    if (days is None) == (until is None):
        raise typer.BadParameter("give --days or --until")
    expires = utcnow() + timedelta(days=days) if days is not None else parse_rfc3339(until or "")
    with unit_of_work() as session:
        share = service.extend_share(session, _actor(session, acting), share_id, expires)
        typer.echo(f"Share {share.id} now ends {share.expires_at:%Y-%m-%d %H:%M} UTC.")


@share_app.command("flag")
def flag(
    evidence_id: str,
    reason: Annotated[str, typer.Option("--reason")],
    clear: Annotated[bool, typer.Option("--clear", help="Remove the flag.")] = False,
    acting: As = None,
) -> None:
    """Flag an item do not disclose (or clear the flag)."""
    with unit_of_work() as session:
        actor = _actor(session, acting)
        if clear:
            service.clear_do_not_disclose(session, actor, evidence_id, reason)
        else:
            service.flag_do_not_disclose(session, actor, evidence_id, reason)
    typer.echo(f"{'Cleared' if clear else 'Flagged'} {evidence_id} do not disclose.")


@share_app.command("org-add")
def org_add(
    name: str,
    kind: Annotated[str, typer.Option("--kind", help="cps, defence, iopc, court or other.")],
) -> None:
    """A recipient organisation."""
    with unit_of_work() as session:
        org = service.create_organisation(session, OPERATOR, name, kind)
        typer.echo(f"Organisation {org.name} ({org.kind}) {org.id}.")


@share_app.command("org-member")
def org_member(name: str, username: str) -> None:
    """Make an external user one of the organisation's."""
    with unit_of_work() as session:
        org = queries.organisation_by_name(session, name)
        if org is None:
            raise NoSuchShare(f"no recipient organisation named {name!r}")
        user = find_user(session, username)
        service.add_member(session, OPERATOR, org, user.id, user.kind == "external")
    typer.echo(f"{username} is now of {name}.")
