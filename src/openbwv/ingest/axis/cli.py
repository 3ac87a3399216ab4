"""`bwv axis …`: connection files for body worn managers, and the public key they carry."""

from __future__ import annotations

import getpass
import os
import uuid
from pathlib import Path

import typer

from openbwv.access.policy.roles import TOKENS_MANAGE
from openbwv.access.principal import Principal
from openbwv.db.migrate import upgrade
from openbwv.db.session import unit_of_work
from openbwv.ingest.axis.connection import ConnectionError_, certificates
from openbwv.ingest.axis.crypto import load_keyring, public_pem
from openbwv.ingest.axis.service import create_connection_file

axis_app = typer.Typer(
    help="The Axis body worn content destination: connect a body worn system.",
    no_args_is_help=True,
)


def _cli_principal() -> Principal:
    """The operator at the server's shell, who may make device credentials."""
    return Principal(
        id=uuid.UUID(int=1),
        name=f"cli:{getpass.getuser()}",
        kind="system",
        permissions=frozenset({TOKENS_MANAGE}),
    )


def _write_private(path: Path, data: bytes, force: bool) -> None:
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if force else os.O_EXCL)
    fd = os.open(path, flags, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, data)
    finally:
        os.close(fd)


@axis_app.command("connection-file")
def connection_file(
    url: list[str] = typer.Option(..., "--url", help="Base URL the body worn system reaches."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write here (mode 0600)."),
    name: str = typer.Option("axis", help="Device credential name (its account)."),
    site_name: str | None = typer.Option(None, help="SiteName (default BWV_AXIS_SITE_NAME)."),
    container_type: str = typer.Option("mkv", help="mkv or mp4 (cannot change later)."),
    encryption: bool = typer.Option(True, help="End-to-end encryption with the force's key."),
    https_certificate: Path | None = typer.Option(
        None, help="PEM certificate(s) of the server, for HTTPS."
    ),
    force: bool = typer.Option(False, help="Overwrite --output if it exists."),
) -> None:
    """Create a device credential and write the connection JSON a body worn manager loads.

    The file holds the credential's secret: it is shown nowhere else.
    """
    upgrade()
    try:
        certs = certificates(https_certificate.read_bytes()) if https_certificate else None
        with unit_of_work() as session:
            connection = create_connection_file(
                session,
                _cli_principal(),
                urls=url,
                name=name,
                site_name=site_name,
                container_type=container_type,
                encryption=encryption,
                https_certificates=certs,
            )
            if output is not None:
                _write_private(output, connection.to_json(), force)
    except (ConnectionError_, OSError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if output is None:
        typer.echo(connection.to_json().decode(), nl=False)
        return
    typer.echo(
        f"Wrote {output} for device credential {connection.token_id} ({name}). It holds the "
        "credential's secret: load it into the body worn manager and keep it safe.",
        err=True,
    )


@axis_app.command("public-key")
def public_key() -> None:
    """Print the public key (PEM) devices encrypt for, and its id."""
    ring = load_keyring(create=True)
    typer.echo(f"# PublicKeyId: {ring.current_id}")
    typer.echo(public_pem(ring.current_public).decode(), nl=False)
