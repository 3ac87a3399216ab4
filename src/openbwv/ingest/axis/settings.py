"""Settings of the Axis content destination (`BWV_AXIS_*` environment variables)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from openbwv.config import get_settings


class AxisSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BWV_AXIS_", env_file=None, extra="ignore")

    private_key_file: str | None = Field(
        default=None,
        description="PEM RSA private key(s) for end-to-end encryption, separated by ':'. The "
        "first is published in connection files; all are tried when unwrapping. Default: one "
        "generated once into data_dir/axis/content-key.pem (mode 0600).",
    )
    public_url: str | None = Field(
        default=None, description="Base URL devices reach (X-Storage-Url); default: the request's."
    )
    token_ttl_seconds: int = Field(default=3600, ge=60, description="Lifetime of X-Auth-Token.")
    max_concurrent_uploads: int = Field(
        default=64, ge=1, description="Object uploads one API process takes at once; more: 503."
    )
    retry_after_seconds: int = Field(default=10, ge=1, description="Retry-After sent with 503.")
    min_free_bytes: int = Field(
        default=512 * 1024**2, ge=0, description="Below this free space (after the upload): 507."
    )
    max_sidecar_bytes: int = Field(
        default=16 * 1024**2, gt=0, description="Largest key, bookmark or GNSS object."
    )
    clip_time_tolerance_seconds: float = Field(
        default=60, ge=0, description="How far a clip may stray outside its recording's times."
    )
    future_skew_seconds: float = Field(
        default=600, ge=0, description="How far in the future a device time may be."
    )
    abandon_after_hours: float = Field(
        default=24, gt=0, description="Finish recordings that never reached Status: Complete."
    )
    site_name: str = Field(default="openbwv", max_length=64, description="Connection SiteName.")

    def key_files(self) -> list[Path]:
        if self.private_key_file:
            return [Path(p).expanduser() for p in self.private_key_file.split(":") if p.strip()]
        return [default_key_file()]


def default_key_file() -> Path:
    return get_settings().resolved_data_dir / "axis" / "content-key.pem"


def staging_dir() -> Path:
    """Where object bodies land while they are hashed (beside the upload staging area, so that
    handing them to local storage is a hard link)."""
    return get_settings().resolved_upload_dir / "axis"


@lru_cache(maxsize=1)
def get_axis_settings() -> AxisSettings:
    return AxisSettings()


def reset_axis_settings() -> None:
    get_axis_settings.cache_clear()
