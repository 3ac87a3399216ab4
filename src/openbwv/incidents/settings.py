"""Settings of CAD linking and activation compliance (`BWV_CAD_*` environment variables; lists
and mappings as JSON, e.g. `BWV_CAD_CATEGORY_MAP='{"domestic": "domestic_abuse"}'`)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CadSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BWV_CAD_", env_file=None, extra="ignore")

    buffer_minutes: float = Field(
        default=5,
        ge=0,
        le=120,
        description="A recording links to an attendance it overlaps within "
        "[dispatched - buffer, cleared + buffer]. Applies to rows imported after a change.",
    )
    grace_seconds: int = Field(
        default=60, ge=0, le=3600, description="A start later than arrival + grace is late."
    )
    ambiguity_margin: float = Field(
        default=0.1,
        ge=0,
        le=1,
        description="A runner-up scoring within this of the best makes the match ambiguous "
        "(queued for the officer and supervisor).",
    )
    gps_radius_m: float = Field(
        default=1000, gt=0, description="GPS score falls from 1 at the incident to 0 here."
    )
    max_recording_hours: float = Field(
        default=12, gt=0, description="The longest recording the matcher looks back for."
    )
    category_map: dict[str, str] = Field(
        default_factory=lambda: {
            "domestic": "domestic_abuse",
            "stop_search": "stop_and_search",
            "use_of_force": "use_of_force",
            "rtc": "traffic",
            "public_order": "public_order",
        },
        description="Incident type -> the category it suggests for its recordings.",
    )
    targets: dict[str, float] = Field(
        default_factory=lambda: {"stop_search": 1.0, "use_of_force": 1.0, "domestic": 0.95},
        description="Incident type -> target share of attendances recorded.",
    )
    default_target: float = Field(default=0.8, ge=0, le=1)
    excluded_types: list[str] = Field(
        default_factory=lambda: ["admin", "welfare_check_phone"],
        description="Incident types left out of compliance figures.",
    )
    excluded_closing_codes: list[str] = Field(
        default_factory=lambda: ["CANCELLED", "DUPLICATE"],
        description="Closing codes left out of compliance figures.",
    )
    whole_types: list[str] = Field(
        default_factory=lambda: ["stop_search", "use_of_force"],
        description="Incident types that must be recorded whole (HMICFRS 2021): flagged when not.",
    )

    def target(self, incident_type: str) -> float:
        return self.targets.get(incident_type, self.default_target)


@lru_cache
def get_cad_settings() -> CadSettings:
    return CadSettings()


def reset_cad_settings() -> None:
    get_cad_settings.cache_clear()
