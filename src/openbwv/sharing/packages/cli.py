"""`bwv share package --case CRIME_REF --out FILE.zip [--copies original|playback|both|redacted]`
(docs/packages.md): the package is written as it is built, audited as the CLI's principal."""

from __future__ import annotations

import getpass
import os
import uuid
from pathlib import Path
from typing import Annotated

import typer

from openbwv.access.errors import AccessDenied
from openbwv.access.policy import roles
from openbwv.access.principal import Principal
from openbwv.errors import NotFound
from openbwv.sharing.packages import service
from openbwv.sharing.packages.contents import COPIES
from openbwv.sharing.packages.errors import PackageError

# The force's own operator: force-wide, but like anyone else it gets no item in a restricted
# category (it holds no category grant) and no item flagged do not disclose.
OPERATOR = Principal(
    id=uuid.UUID(int=3),
    name=f"cli:{getpass.getuser()}",
    kind="system",
    scope="force",
    permissions=frozenset(
        {roles.VIEW, roles.PLAY, roles.DOWNLOAD, roles.EXPORT, roles.CASE_MANAGE}
    ),
)


def package_command(
    case: Annotated[str, typer.Option(help="The case's crime reference.")],
    out: Annotated[Path, typer.Option(help="The ZIP file to write.")],
    copies: Annotated[str, typer.Option(help="original, playback, both or redacted.")] = "both",
    recipient: Annotated[str | None, typer.Option(help="Who the package is for.")] = None,
    checkpoint: Annotated[
        Path | None, typer.Option(help="A checkpoint the recipient holds (to prove consistency).")
    ] = None,
    notes: Annotated[bool, typer.Option(help="Put the items' notes in the manifest.")] = False,
) -> None:
    """Build a case's evidence package into FILE.zip."""
    if copies not in COPIES:
        raise PackageError(f"--copies must be one of {', '.join(COPIES)}")
    request = service.PackageRequest(
        crime_reference=case,
        copies=copies,  # checked above
        recipient=recipient,
        known_checkpoint=checkpoint.read_text("utf-8") if checkpoint else None,
        include_notes=notes,
    )
    try:
        stream = service.stream_package(OPERATOR, request)
    except AccessDenied as exc:  # the CLI's principal sees every case: this one does not exist
        raise NotFound(f"case {case}: {exc.detail}") from None
    partial = out.with_name(f".{out.name}.partial")
    try:
        with partial.open("wb") as handle:
            for chunk in stream:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
    summary = stream.summary
    typer.echo(
        f"Package {summary.package_id}: {summary.items} items, {summary.files} files, "
        f"{summary.size:,} bytes written to {out}"
    )
    typer.echo(f"SHA-256 {summary.sha256}; manifest SHA-256 {summary.manifest_sha256}")
    for withheld in summary.withheld:
        typer.echo(f"Withheld {withheld['evidence_id']}: {withheld['reason']}")
