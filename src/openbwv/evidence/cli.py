"""`bwv fsck`: re-hash every original and account for every stored object."""

from __future__ import annotations

import typer

from openbwv.cli.console import progress_bar
from openbwv.evidence.service import fsck


def fsck_command() -> None:
    """Re-hash every original; report mismatches, missing objects and orphans (exit 1 on any)."""
    with progress_bar() as progress:
        task = progress.add_task("Checking", total=None)
        report = fsck(progress=lambda n: progress.advance(task, n))
    for item_id, expected, actual in report.mismatched:
        typer.echo(f"MISMATCH evidence {item_id}: stored {expected}, bytes hash to {actual}")
    for item_id, key in report.missing:
        typer.echo(f"MISSING  evidence {item_id}: original {key} is not in storage")
    for namespace, key in report.orphans:
        typer.echo(f"ORPHAN   {namespace}/{key}: stored but not referenced")
    if report.disposed:
        typer.echo(
            f"Disposed: {report.disposed} tombstones (bytes gone by rule), "
            f"{len(report.awaiting_deletion)} awaiting byte deletion."
        )
    typer.echo(
        f"Checked {report.checked} originals ({report.bytes_checked / 1e6:.1f} MB): "
        f"{len(report.mismatched)} mismatched, {len(report.missing)} missing, "
        f"{len(report.orphans)} orphans."
    )
    if not report.ok:
        raise typer.Exit(1)
