"""Server secrets: from configuration, or generated once into the data directory (mode 0600).

Never in the repository. A force-wide deployment sets them through the environment so every API
node shares them.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from openbwv.config import Settings, get_settings


def secret_file(name: str, settings: Settings | None = None) -> Path:
    return (settings or get_settings()).resolved_data_dir / f"{name}.key"


def get_or_create(name: str, settings: Settings | None = None) -> str:
    """The secret called `name`: `BWV_SECRET_KEY` for "session", else a file made on first use."""
    settings = settings or get_settings()
    if name == "session" and settings.secret_key is not None:
        return settings.secret_key.get_secret_value()
    path = secret_file(name, settings)
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, value.encode())
    finally:
        os.close(fd)
    return value
