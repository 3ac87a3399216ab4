"""`bwv simulate` (a body worn system for a whole force, or a slice of it, over HTTP) and
`bwv demo`."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import typer

from openbwv.config import get_settings
from openbwv.db.migrate import upgrade
from openbwv.simulate.config import ConfigError, SimConfig
from openbwv.simulate.credentials import from_files, local_credentials
from openbwv.simulate.demo import load_demo
from openbwv.simulate.runner import Simulation, Stats, period_label, simulate, summary_lines
from openbwv.simulate.verify import Verifier


def _size(value: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in value.lower().split("x"))
    except ValueError:
        raise typer.BadParameter("give the frame size as WIDTHxHEIGHT, e.g. 320x180") from None
    return width, height


def _progress() -> Callable[[Stats, datetime], None]:
    last = [0.0]

    def show(stats: Stats, simulated: datetime) -> None:
        now = time.monotonic()
        if now - last[0] < 2:
            return
        last[0] = now
        typer.echo(
            f"  {simulated:%a %H:%M} — {stats.recordings_done}/{stats.recordings} recordings, "
            f"{stats.clips} clips, {stats.bytes / 1e6:.0f} MB uploaded",
            err=True,
        )

    return show


def simulate_command(
    url: str = typer.Option("http://127.0.0.1:8000", help="The platform's base URL."),
    boroughs: list[str] = typer.Option(
        [], "--borough", "-b", help="Borough name or GSS code (repeat); default: all."
    ),
    officers: int | None = typer.Option(None, min=1, help="At most this many officers."),
    cameras: int | None = typer.Option(None, min=1, help="At most this many cameras."),
    hours: float = typer.Option(24.0, help="Simulated period (ending now): shifts docking in it."),
    speed: float = typer.Option(
        600.0, help="Simulated seconds per real second; 0: as fast as the machine goes."
    ),
    seed: int = typer.Option(1, help="Same seed, same plan, clips and interruptions."),
    end: datetime | None = typer.Option(None, help="End of the period (UTC; default now)."),
    connection: list[Path] = typer.Option(
        [], help="Axis connection file(s); default: made on the fly on this machine."
    ),
    token: str | None = typer.Option(
        None, envvar="BWV_SIMULATE_TOKEN", help="Token with fleet.read (default: made here)."
    ),
    encryption: str = typer.Option("some", help="Systems that encrypt: some, all or none."),
    recordings_per_shift: float = typer.Option(2.0, help="Mean recordings per officer-shift."),
    recording_seconds: float = typer.Option(20.0, help="Mean recording length (s)."),
    clip_seconds: float = typer.Option(15.0, help="Recordings are split into clips this long."),
    size: str = typer.Option("320x180", help="Frame size of the clips."),
    fps: int = typer.Option(10, help="Frames per second."),
    bitrate: int = typer.Option(1000, help="Video bit rate, kbit/s (constant)."),
    faults: float = typer.Option(0.03, help="Share of uploads interrupted (0–0.5)."),
    dock_uploads: int = typer.Option(2, help="Recordings each station uploads at once."),
    encoders: int = typer.Option(0, help="Clip encoder processes (0: one per CPU)."),
    verify: bool = typer.Option(True, help="Check afterwards that every clip arrived once."),
    verify_token: str | None = typer.Option(
        None, envvar="BWV_SIMULATE_VERIFY_TOKEN", help="Force-wide viewer token for --verify."
    ),
    wait: float = typer.Option(120.0, help="Seconds --verify waits for processing."),
) -> None:
    """Act as the force's body worn systems: register officers and cameras, record synthetic
    clips through shifts, and upload them at the docks through the Axis protocol."""
    width, height = _size(size)
    config = SimConfig(
        url=url,
        boroughs=tuple(boroughs),
        officers=officers,
        cameras=cameras,
        hours=hours,
        end=end,
        speed=speed,
        seed=seed,
        encryption=encryption,  # type: ignore[arg-type]
        recordings_per_shift=recordings_per_shift,
        recording_seconds=recording_seconds,
        clip_seconds=clip_seconds,
        width=width,
        height=height,
        fps=fps,
        bitrate=bitrate * 1000,
        faults=faults,
        dock_uploads=dock_uploads,
        encoders=encoders,
    )
    try:
        config.check()
        connections = from_files(connection) if connection else None
        local = None
        if connections is None or token is None or (verify and verify_token is None):
            local = local_credentials(config)
        typer.echo(f"Simulating {period_label(config)} against {url}", err=True)
        simulation = simulate(
            config,
            connections=connections or (local.connections if local else None),
            fleet_token=token or (local.fleet_token if local else None),
            progress=_progress(),
        )
    except (ConfigError, ValueError, OSError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    for line in summary_lines(simulation.stats):
        typer.echo(line)
    for error in simulation.stats.errors[:5]:
        typer.echo(f"  failed: {error}", err=True)
    failed = simulation.stats.recordings_failed + simulation.stats.recordings_rejected
    if verify:
        viewer = verify_token or (local.verify_token if local else None)
        failed += _verify(url, viewer, simulation, wait)
    if failed:
        raise typer.Exit(1)


def _verify(url: str, token: str | None, simulation: Simulation, wait: float) -> int:
    if token is None:
        typer.echo("not verified: no viewer token", err=True)
        return 0
    verifier = Verifier(url, token)
    try:
        result = verifier.verify(simulation.ledger.stored(), wait=wait)
    finally:
        verifier.close()
    typer.echo(result.report())
    return 0 if result.ok else 1


def demo_command(
    if_empty: bool = typer.Option(False, help="Do nothing when evidence already exists."),
    clips: int = typer.Option(36, min=0, max=1000, help="How many synthetic clips to upload."),
) -> None:
    """Load a demo force mid-roll-out, demo users (one per role) and footage uploaded by
    simulated cameras through the Axis protocol (something to see)."""
    upgrade()
    result = load_demo(clips=clips, if_empty=if_empty, settings=get_settings())
    typer.echo(result)
