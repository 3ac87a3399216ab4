"""Configuration from `BWV_*` environment variables (pydantic-settings).

The embedded default needs nothing set: everything lives under `BWV_DATA_DIR`. A force-wide
deployment points `BWV_DATABASE_URL`, `BWV_STORAGE_URL` and `BWV_BROKER_URL` at PostgreSQL, S3 and
Redis/RabbitMQ.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BWV_", env_file=None, extra="ignore")

    data_dir: Path = Field(default=Path("var/data"), description="Root of the embedded default.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; SQLite in data_dir."
    )
    storage_url: str | None = Field(
        default=None,
        description="file:///path for local disk or s3://bucket[/prefix] for S3; data_dir/objects.",
    )
    broker_url: str | None = Field(
        default=None,
        description="Celery broker (redis://… or amqp://…); unset: workers claim job rows from "
        "the database (the embedded default).",
    )
    upload_dir: Path | None = Field(default=None, description="Staging area for resumable uploads.")

    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    s3_access_key_id: str | None = None
    s3_secret_access_key: SecretStr | None = None
    s3_object_lock_days: int = Field(
        default=0,
        ge=0,
        description="COMPLIANCE retention of originals; 0 = off. At most the shortest retention "
        "(retention_non_evidential_days), or disposal must wait for the lock.",
    )
    s3_multipart_threshold: int = Field(default=64 * 1024 * 1024, ge=5 * 1024 * 1024)
    s3_multipart_chunk: int = Field(default=64 * 1024 * 1024, ge=5 * 1024 * 1024)

    retention_non_evidential_days: int = Field(
        default=31,
        ge=1,
        le=3650,
        description="Non-evidential footage is disposed of this long after it "
        "was recorded (the shortest retention).",
    )

    share_default_days: int = Field(
        default=90, ge=1, le=1095, description="How long a share lasts unless the sharer says."
    )
    share_warning_days: int = Field(
        default=14, ge=1, le=365, description="Warn sharer and recipient this long before expiry."
    )
    share_recheck_bytes: int = Field(
        default=4 * 1024 * 1024,
        ge=1,
        description="A recipient's download re-checks its share after this many bytes "
        "(revocation stops a stream in progress at the next check).",
    )

    max_upload_bytes: int = Field(default=64 * 1024**3, gt=0, description="tus Tus-Max-Size.")
    upload_expiry_hours: int = Field(default=24 * 7, gt=0)
    max_metadata_value_bytes: int = 1024
    max_metadata_header_bytes: int = 16 * 1024

    job_lease_seconds: int = Field(default=120, ge=2, description="Renewed while a job runs.")
    job_stale_seconds: int | None = Field(
        default=None,
        ge=1,
        description="Re-send pending jobs after this long (default: 45 s without a broker or on "
        "kombu's SQLAlchemy transport, where a resend is cheap; 600 s on Redis or RabbitMQ).",
    )
    job_max_attempts: int = Field(default=5, ge=1, description="Then a job is marked failed.")
    job_retry_base_seconds: float = Field(default=5.0, gt=0, description="First retry delay.")
    sweep_interval_seconds: float = Field(default=15.0, gt=0)
    worker_concurrency: int = 2
    worker_poll_seconds: float = Field(
        default=2.0,
        gt=0,
        description="Without a broker: how often an idle worker looks for jobs anyway (it is woken "
        "at once when a job is committed on this machine).",
    )
    api_workers: int | None = Field(
        default=None,
        ge=1,
        le=64,
        description="API processes `bwv serve` runs (default: one per CPU, at most 8).",
    )

    secret_key: SecretStr | None = Field(default=None, description="Signs sessions; data_dir key.")
    session_hours: float = Field(default=12, gt=0, description="Web sessions end after this long.")
    session_idle_minutes: float = Field(default=60, gt=0, description="…or after this idle time.")
    cookie_secure: bool | None = Field(
        default=None, description="Secure cookies; default: when the request came over HTTPS."
    )
    login_max_failures: int = Field(default=5, ge=1, description="Lock an account after this many.")
    lockout_minutes: int = Field(default=15, ge=1)
    oidc_issuer: str | None = Field(default=None, description="The force's OpenID provider.")
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    oidc_scopes: str = "openid profile email"
    oidc_username_claim: str = "preferred_username"
    oidc_roles_claim: str = "roles"
    oidc_borough_claim: str = "borough"
    oidc_role_map: dict[str, str] = Field(
        default_factory=dict, description='JSON: {"provider group": "openbwv role"}.'
    )
    oidc_create_users: bool = Field(default=True, description="Create users on first sign-in.")
    login_ip_failures_per_window: int = Field(
        default=20, ge=1, description="Failed sign-ins from one address per lockout window."
    )
    log_level: str = "INFO"
    log_json: bool = False
    log_file: Path | None = Field(
        default=None, description="Append logs to this file instead of standard error."
    )

    audit_origin: str = Field(
        default="openbwv.local/audit",
        description="Checkpoint origin line (and signing key name): the log's public identity.",
    )
    audit_signing_key: SecretStr | None = Field(
        default=None,
        description="C2SP note signer key (PRIVATE+KEY+…); default: data_dir/audit-signing.key.",
    )
    audit_trusted_keys: str = Field(
        default="",
        description="Earlier verifier keys (space-separated) whose checkpoints stay valid.",
    )
    audit_integrate_interval_seconds: float = Field(
        default=1.0, gt=0, description="How often each worker integrates new audit events."
    )
    audit_batch_size: int = Field(default=2000, ge=1, le=100_000)

    c2pa_cert_file: Path | None = Field(
        default=None,
        description="PEM chain (signing certificate first) that signs C2PA credentials on exported "
        "MP4 copies; default: a local self-signed chain generated in data_dir/c2pa/.",
    )
    c2pa_key_file: Path | None = Field(
        default=None, description="PEM private key (PKCS#8, P-256) of BWV_C2PA_CERT_FILE."
    )

    map_tile_url: str | None = Field(
        default=None,
        description="Map tiles under the borough outlines: an http(s) URL template with {z}, {x} "
        "and {y} (e.g. the force's or Ordnance Survey's tile server). Unset: no tiles, nothing "
        "fetched from elsewhere.",
    )
    map_tile_attribution: str = Field(
        default="", max_length=300, description="Shown under a map drawn with tiles."
    )

    @field_validator("map_tile_url")
    @classmethod
    def _check_tile_url(cls, value: str | None) -> str | None:
        return check_tile_url(value)

    @property
    def map_tile_origin(self) -> str | None:
        """scheme://host[:port] of the tile server: what the Content-Security-Policy allows."""
        if not self.map_tile_url:
            return None
        parts = urlsplit(self.map_tile_url)
        return f"{parts.scheme}://{parts.netloc}".lower()

    retention_grace_days: int = Field(
        default=7, ge=0, le=365, description="Days in the deletion queue; 0 disposes at once."
    )
    retention_warning_days: int = Field(
        default=7, ge=0, le=365, description="Warn about uncategorised footage due this soon."
    )
    retention_interval_minutes: float = Field(
        default=60, gt=0, description="How often the workers' maintenance runs the sweep."
    )
    retention_batch_size: int = Field(default=1000, ge=10, le=50_000)
    # Subject access requests (DPA 2018 Part 3, ss.45 and 54; docs/subject_access.md): the ICO's
    # guidance on the 2025 amendments is under review, so every number is a setting.
    sar_response_months: int = Field(
        default=1, ge=1, le=3, description="Calendar months to answer a subject access request."
    )
    sar_max_extension_months: int = Field(
        default=2, ge=0, le=6, description="Further months a complex or numerous request may take."
    )
    sar_extension_notice_in_first_month: bool = Field(
        default=True, description="Notice of an extension must be given within the first month."
    )
    sar_next_working_day: bool = Field(
        default=True, description="A deadline on a weekend or bank holiday moves to the next day."
    )
    sar_bank_holidays: str = Field(
        default="ENG",
        pattern="^(|ENG|NIR|SCT|WLS)$",
        description="Whose UK bank holidays count: ENG, NIR, SCT, WLS, or empty for none.",
    )
    sar_due_soon_days: int = Field(
        default=7, ge=0, le=60, description="The dashboard marks requests due this soon."
    )

    @property
    def resolved_data_dir(self) -> Path:
        relative_to = None if self.data_dir.is_absolute() else os.getcwd()
        return _resolved(self.data_dir, relative_to)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.resolved_data_dir / 'openbwv.sqlite'}"

    @property
    def resolved_storage_url(self) -> str:
        if self.storage_url:
            return self.storage_url
        return (self.resolved_data_dir / "objects").as_uri()

    @property
    def resolved_broker_url(self) -> str | None:
        """The Celery broker; None: no broker, workers claim job rows (jobs.queue)."""
        return self.broker_url or None

    @property
    def resolved_upload_dir(self) -> Path:
        return (self.upload_dir or self.resolved_data_dir / "uploads").expanduser().resolve()

    @property
    def database_queue(self) -> bool:
        """No broker: the jobs table is the queue, claimed by workers directly."""
        return self.resolved_broker_url is None

    @property
    def embedded_broker(self) -> bool:
        """No broker, or kombu's SQLAlchemy transport: resending a job is cheap."""
        url = self.resolved_broker_url
        return url is None or url.startswith("sqla+")

    @property
    def resolved_api_workers(self) -> int:
        return self.api_workers or max(1, min(os.cpu_count() or 1, 8))

    @property
    def resolved_job_stale_seconds(self) -> int:
        if self.job_stale_seconds is not None:
            return self.job_stale_seconds
        return 45 if self.embedded_broker else 600


TILE_PLACEHOLDERS = ("{z}", "{x}", "{y}")


def check_tile_url(value: str | None) -> str | None:
    """BWV_MAP_TILE_URL, or a ValueError that says what is wrong with it (start-up refuses it)."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"BWV_MAP_TILE_URL must be an http or https URL, not {value[:80]!r}")
    if parts.username or parts.password:
        raise ValueError("BWV_MAP_TILE_URL must not carry a user name or password")
    if "{" in parts.netloc or "}" in parts.netloc:
        raise ValueError("BWV_MAP_TILE_URL: placeholders go in the path or query, not the host")
    if re.search(r"[\s\"'<>\\]", value) or not re.fullmatch(
        r"[A-Za-z0-9.-]+(:\d{1,5})?", parts.netloc
    ):
        raise ValueError(f"BWV_MAP_TILE_URL has characters a URL cannot hold: {value[:80]!r}")
    missing = [p for p in TILE_PLACEHOLDERS if p not in value]
    if missing:
        raise ValueError(
            f"BWV_MAP_TILE_URL needs {', '.join(missing)} (e.g. …/{{z}}/{{x}}/{{y}}.png)"
        )
    unknown = set(re.findall(r"\{[^}]*\}", value)) - set(TILE_PLACEHOLDERS)
    if unknown or value.count("{") != value.count("}"):
        raise ValueError(
            f"BWV_MAP_TILE_URL may hold only {{z}}, {{x}} and {{y}}, not {sorted(unknown)}"
        )
    return value


@lru_cache(maxsize=64)
def _resolved(path: Path, relative_to: str | None) -> Path:
    """`path`, absolute and with its links resolved, once per process (by the working directory
    for a relative one): resolving asks the disk about every part of it, and the database URL
    built on it is looked up by every unit of work — a few per request."""
    return path.expanduser().resolve()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings() -> None:
    """Forget cached settings (tests and the CLI change the environment)."""
    get_settings.cache_clear()
