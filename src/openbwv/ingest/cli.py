"""`bwv import`: recordings from folders, with their sidecar metadata."""

from __future__ import annotations

from pathlib import Path

import typer

from openbwv.cli.console import progress_bar
from openbwv.db.migrate import upgrade
from openbwv.ingest.importer import discover, import_paths


def import_command(
    paths: list[Path] = typer.Argument(..., help="Folders of MP4/MKV/MOV files, or files."),
) -> None:
    """Import recordings (with sidecar JSON metadata); re-running imports nothing twice."""
    upgrade()
    try:
        files = list(discover(paths))
    except FileNotFoundError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    total = sum(path.stat().st_size for path in files)
    with progress_bar() as progress:
        task = progress.add_task("Importing", total=total)
        summary = import_paths(
            files,
            progress=lambda n: progress.advance(task, n),
            on_file=lambda p: progress.update(task, description=f"Importing {p.name[:40]}"),
        )
    typer.echo(
        f"Imported {len(summary.imported)} new, {len(summary.duplicates)} already present, "
        f"{len(summary.failed)} failed ({summary.bytes_imported / 1e6:.1f} MB new)."
    )
    for path, reason in summary.failed:
        typer.echo(f"  failed: {path}: {reason}", err=True)
    if summary.failed:
        raise typer.Exit(1)
