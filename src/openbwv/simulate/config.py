"""What a simulation does: which slice of the force, over which period, how fast, with which
footage and how many interruptions. Every default is cheap enough for a laptop."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

Encryption = Literal["some", "all", "none"]
# Categories that need an explicit grant to see: the simulator leaves them alone by default, so
# that a force-wide reviewer can verify every clip it sent (docs/simulator.md).
RESTRICTED_CATEGORIES = ("domestic_abuse", "professional_standards")


class ConfigError(ValueError):
    """A simulation that cannot run as asked, with the reason."""


@dataclass
class SimConfig:
    url: str  # the platform's base URL (what the connection file's AuthenticationTokenURI names)
    boroughs: tuple[str, ...] = ()  # names or GSS codes; empty: every borough with cameras out
    officers: int | None = None  # at most this many officers (each wears the camera they hold)
    cameras: int | None = None  # at most this many cameras
    hours: float = 24.0  # the simulated period: every shift that ends in it docks and uploads
    end: datetime | None = None  # the period ends here (default: now); never in the future
    speed: float = 0.0  # simulated seconds per real second; 0: as fast as the machine goes
    seed: int = 1
    recordings_per_shift: float = 2.0  # mean (Poisson) recordings per officer per shift
    recording_seconds: float = 20.0  # mean length of a recording (log-normal)
    clip_seconds: float = 15.0  # the body worn system splits recordings into clips this long
    prebuffer_seconds: float = 5.0  # pre-event buffer: StartTime is this long before TriggerOn
    # Incidents several officers of a team attend together (mean, Poisson, per team and shift):
    # two to four of them record it, each starting within `incident_spread_seconds` of the first.
    incidents_per_shift: float = 1.0
    incident_spread_seconds: float = 90.0
    max_clips: int | None = None  # stop after this many clips (the demo sizes itself with it)
    # Warrant numbers always in the slice, recording at least once a shift, first in the budget
    # (the demo's own officer, who signs in to see their footage).
    featured: tuple[str, ...] = ()
    width: int = 320
    height: int = 180
    fps: int = 10
    bitrate: int = 1_000_000  # bits/s: ~0.45 GB per recorded hour
    faults: float = 0.03  # share of upload attempts interrupted (dropped, answer lost, 503)
    each_fault_once: bool = False  # and every kind at least once (short runs: tests, the demo)
    mid_shift_docks: float = 0.25  # share of shifts with a refreshment-break dock
    bookmarks: float = 0.3  # share of recordings with a text bookmark
    categorised: float = 0.5  # share of recordings categorised on the camera or app
    unknown_categories: float = 0.05  # share of those with a category the force has retired
    avoid_categories: tuple[str, ...] = RESTRICTED_CATEGORIES
    tracks: float = 0.9  # share of recordings with a GNSS track
    encryption: Encryption = "some"  # which body worn systems encrypt end to end
    dock_uploads: int = 2  # recordings a dock uploads at once
    encoders: int = 0  # processes encoding clips; 0: one per CPU
    attempts: int = 4  # whole-recording attempts before the system gives up until next dock
    retry_pause: float = 1.0  # real seconds before a failed recording is tried again
    request_retries: int = 6  # per request, after 503, 5xx or a dropped connection
    backoff: float = 0.2  # first pause between request retries (doubles, at most 10 s)

    def check(self) -> None:
        positive = {
            "hours": self.hours,
            "recording_seconds": self.recording_seconds,
            "clip_seconds": self.clip_seconds,
        }
        for name, value in positive.items():
            if not (math.isfinite(value) and value > 0):
                raise ConfigError(f"{name} must be a positive number")
        if self.hours > 24 * 31:
            raise ConfigError("simulate at most 31 days at a time")
        if self.speed < 0 or not math.isfinite(self.speed):
            raise ConfigError("speed must be 0 (as fast as possible) or positive")
        for name in ("officers", "cameras", "max_clips"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ConfigError(f"{name} must be at least 1")
        shares = (
            "faults",
            "mid_shift_docks",
            "bookmarks",
            "categorised",
            "unknown_categories",
            "tracks",
        )
        for name in shares:
            if not 0 <= getattr(self, name) <= 1:
                raise ConfigError(f"{name} is a share between 0 and 1")
        if self.faults > 0.5:
            raise ConfigError("more than half the uploads failing is an outage, not a simulation")
        if self.encryption not in ("some", "all", "none"):
            raise ConfigError("encryption is some, all or none")
        if not 1 <= self.dock_uploads <= 64 or not 1 <= self.attempts <= 100:
            raise ConfigError("dock_uploads is 1–64 and attempts 1–100")
        if self.recordings_per_shift < 0 or self.recordings_per_shift > 100:
            raise ConfigError("recordings_per_shift is 0–100")
        if not 0 <= self.incidents_per_shift <= 8:
            raise ConfigError("incidents_per_shift is 0–8")
        if not 0 <= self.incident_spread_seconds <= 600:
            raise ConfigError("incident_spread_seconds is 0–600")
        if self.end is not None and self.end.tzinfo is None:
            raise ConfigError("the end of the period needs a UTC offset")

    @property
    def period(self) -> tuple[datetime, datetime]:
        """(start, end) of the simulated period, in UTC, whole seconds."""
        end = (self.end or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
        return end - timedelta(seconds=round(self.hours * 3600)), end
