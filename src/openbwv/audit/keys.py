"""The log's signing key: configured, or generated once into the data directory.

`BWV_AUDIT_SIGNING_KEY` holds a C2SP note signer key (``PRIVATE+KEY+<name>+<id>+<base64>``); a
deployment with several machines must set it (from a secret store). The embedded default
generates a key named after the origin into ``data_dir/audit-signing.key`` (mode 0600) the first
time it is needed; it is never in the repository. Verifiers are the signer's public key plus any
earlier keys listed in `BWV_AUDIT_TRUSTED_KEYS` (so a rotated key leaves old checkpoints valid).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from openbwv.audit.note import Signer, Verifier, generate_signer
from openbwv.config import Settings, get_settings
from openbwv.logging import get_logger

KEY_FILE = "audit-signing.key"
log = get_logger(__name__)
_lock = threading.Lock()
_signers: dict[str, Signer] = {}


class SigningKeyError(RuntimeError):
    """The signing key is missing or malformed."""


def key_path(settings: Settings | None = None) -> Path:
    return (settings or get_settings()).resolved_data_dir / KEY_FILE


def _write_new_key(path: Path, name: str) -> None:
    """Create the key file atomically and only once, even with several processes racing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    skey, _ = generate_signer(name)
    temp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, (skey + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(temp, path)  # fails if another process got there first: theirs wins
    except FileExistsError:
        pass
    finally:
        temp.unlink()


def _read_key_file(path: Path) -> str:
    text = path.read_text(encoding="ascii").strip()
    if not text:
        raise SigningKeyError(f"{path} is empty")
    return text


def signer_key_text(settings: Settings | None = None, *, create: bool = True) -> str | None:
    """The signer key string: the setting, else the data-dir file (created if `create`)."""
    settings = settings or get_settings()
    if settings.audit_signing_key is not None:
        return settings.audit_signing_key.get_secret_value().strip()
    path = key_path(settings)
    if not path.exists():
        if not create:
            return None
        _write_new_key(path, settings.audit_origin)
        if not settings.resolved_database_url.startswith("sqlite"):
            log.warning(
                "generated an audit signing key in the data directory; with several machines, "
                "set BWV_AUDIT_SIGNING_KEY so that they all sign and publish the same key",
                path=str(path),
            )
    return _read_key_file(path)


def get_signer(settings: Settings | None = None) -> Signer:
    """The log's signer (parsed once per key)."""
    text = signer_key_text(settings)
    assert text is not None
    with _lock:
        signer = _signers.get(text)
        if signer is None:
            try:
                signer = Signer.from_key(text)
            except ValueError as exc:
                raise SigningKeyError(
                    f"the audit signing key is not a valid signer key: {exc}"
                ) from None
            _signers[text] = signer
        return signer


def trusted_verifiers(settings: Settings | None = None, *, create: bool = True) -> list[Verifier]:
    """The current key's verifier (when a signer is known) and the configured earlier keys."""
    settings = settings or get_settings()
    verifiers: list[Verifier] = []
    if signer_key_text(settings, create=create) is not None:
        verifiers.append(get_signer(settings).verifier)
    for text in settings.audit_trusted_keys.replace(",", " ").split():
        try:
            verifiers.append(Verifier.from_key(text))
        except ValueError as exc:
            raise SigningKeyError(f"BWV_AUDIT_TRUSTED_KEYS has a bad key {text!r}: {exc}") from None
    return verifiers
