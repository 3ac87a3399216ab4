"""`bwv import`, `bwv fsck` and `bwv demo`."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

from openbwv.config import get_settings
from openbwv.db.migrate import upgrade

console = Console(stderr=True)


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        console=console,
        transient=False,
    )


def import_command(
    paths: list[Path] = typer.Argument(..., help="Folders of MP4/MKV/MOV files, or files."),
) -> None:
    """Import recordings (with sidecar JSON metadata); re-running imports nothing twice."""
    from openbwv.ingest.importer import discover, import_paths

    upgrade()
    try:
        files = list(discover(paths))
    except FileNotFoundError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    total = sum(path.stat().st_size for path in files)
    with _progress() as progress:
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


def fsck_command() -> None:
    """Re-hash every original; report mismatches, missing objects and orphans (exit 1 on any)."""
    from openbwv.evidence.integrity import fsck

    with _progress() as progress:
        task = progress.add_task("Checking", total=None)
        report = fsck(progress=lambda n: progress.advance(task, n))
    for item_id, expected, actual in report.mismatched:
        typer.echo(f"MISMATCH evidence {item_id}: stored {expected}, bytes hash to {actual}")
    for item_id, key in report.missing:
        typer.echo(f"MISSING  evidence {item_id}: original {key} is not in storage")
    for namespace, key in report.orphans:
        typer.echo(f"ORPHAN   {namespace}/{key}: stored but not referenced")
    typer.echo(
        f"Checked {report.checked} originals ({report.bytes_checked / 1e6:.1f} MB): "
        f"{len(report.mismatched)} mismatched, {len(report.missing)} missing, "
        f"{len(report.orphans)} orphans."
    )
    if not report.ok:
        raise typer.Exit(1)


def demo_command(
    if_empty: bool = typer.Option(False, help="Do nothing when evidence already exists."),
    clips: int = typer.Option(36, min=0, max=1000, help="How many synthetic clips to upload."),
) -> None:
    """Load a demo force mid-roll-out, demo users (one per role) and footage uploaded by
    simulated cameras through the Axis protocol (something to see)."""
    from openbwv.demo import load_demo

    upgrade()
    result = load_demo(clips=clips, if_empty=if_empty, settings=get_settings())
    typer.echo(result)
