"""End-to-end encryption of the Axis protocol.

Each clip (and GNSS track) arrives AES-256-CBC encrypted (PKCS#7 padding) with a fresh key; that
key, wrapped with the destination's RSA public key (OAEP), travels in a `.key` object: JSON with
`EncryptedKey` and `ContentEncryptionIV` (base64), and the `KeyId` (`PublicKeyId`) it was wrapped
for. The body worn system wraps with OAEP over SHA-1 (`openssl rsautl -oaep`); SHA-256 is accepted
too. The force's private key never leaves the platform: `BWV_AXIS_PRIVATE_KEY_FILE`, or one
generated once into the data directory with mode 0600.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import os
import secrets
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import MGF1, OAEP
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from openbwv.ingest.axis.settings import default_key_file, get_axis_settings

BLOCK = 16
AES_KEY_BYTES = 32
RSA_BITS = 3072
READ_CHUNK = 4 * 1024 * 1024
MKV_MAGIC = b"\x1a\x45\xdf\xa3"
MP4_BOXES = (b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip")


class KeyFileError(ValueError):
    """A key object that is not a key file, or not one we can unwrap (answered 400)."""


class DecryptionError(ValueError):
    """The bytes do not decrypt with the key (wrong key, or not encrypted at all)."""


class NoPrivateKey(RuntimeError):
    """No private key is configured where one is needed."""


@dataclass(frozen=True)
class KeyFile:
    wrapped_key: bytes
    iv: bytes
    key_id: str | None


@dataclass(frozen=True)
class UnwrappedKey:
    key: bytes
    iv: bytes
    key_id: str  # the id of the private key that unwrapped it


def _find(value: Any, names: set[str]) -> Any:
    """The first value under any of `names` (case-insensitive), searching nested objects."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and key.lower() in names:
                return item
        for item in value.values():
            found = _find(item, names)
            if found is not None:
                return found
    return None


def _b64(value: Any, what: str) -> bytes:
    if not isinstance(value, str) or not value.strip():
        raise KeyFileError(f"the key file has no {what}")
    try:
        return base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise KeyFileError(f"{what} in the key file is not base64") from None


def parse_key_file(body: bytes) -> KeyFile:
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise KeyFileError("the key object is not a JSON key file") from None
    if not isinstance(document, dict):
        raise KeyFileError("the key object is not a JSON key file")
    algorithm = _find(document, {"encryptionalgorithm"})
    if algorithm is not None and str(algorithm).upper().replace("-", "_") not in (
        "AES_CBC_256",
        "AES_256_CBC",
    ):
        raise KeyFileError(f"unsupported content encryption {algorithm!r} (AES-256-CBC expected)")
    wrapped = _b64(_find(document, {"encryptedkey"}), "EncryptedKey")
    iv = _b64(_find(document, {"contentencryptioniv"}), "ContentEncryptionIV")
    if len(iv) != BLOCK:
        raise KeyFileError(f"ContentEncryptionIV must be {BLOCK} bytes, not {len(iv)}")
    key_id = _find(document, {"keyid", "publickeyid"})
    return KeyFile(wrapped, iv, str(key_id) if key_id is not None else None)


def key_id_for(public_key: rsa.RSAPublicKey) -> str:
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return "openbwv-" + hashlib.sha256(der).hexdigest()[:24]


def public_pem(public_key: rsa.RSAPublicKey) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


class KeyRing:
    """The force's private keys: the first is current (published), all are tried to unwrap."""

    def __init__(self, keys: list[rsa.RSAPrivateKey]) -> None:
        if not keys:
            raise NoPrivateKey("no Axis content encryption key is configured")
        self.keys = [(key_id_for(k.public_key()), k) for k in keys]

    @property
    def current_id(self) -> str:
        return self.keys[0][0]

    @property
    def current_public(self) -> rsa.RSAPublicKey:
        return self.keys[0][1].public_key()

    def unwrap(self, key_file: KeyFile) -> UnwrappedKey:
        ordered = sorted(self.keys, key=lambda pair: pair[0] != key_file.key_id)
        for key_id, private in ordered:
            for algorithm in (hashes.SHA1(), hashes.SHA256()):  # noqa: S303 - OAEP, as sent
                try:
                    key = private.decrypt(
                        key_file.wrapped_key,
                        OAEP(mgf=MGF1(algorithm=algorithm), algorithm=algorithm, label=None),
                    )
                except ValueError:
                    continue
                if len(key) == AES_KEY_BYTES:
                    return UnwrappedKey(key, key_file.iv, key_id)
        raise KeyFileError(
            f"the key was wrapped for a public key this destination does not hold "
            f"(key id {key_file.key_id or 'not given'}; ours: {self.current_id})"
        )


_rings: dict[tuple[tuple[str, float], ...], KeyRing] = {}
_rings_lock = threading.Lock()


def generate_private_key(path: Path) -> None:
    """Write a new RSA key to `path` (0600) unless one is there; safe against a concurrent
    writer (the file appears atomically, and whoever links first wins)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd, temp = tempfile.mkstemp(prefix=".content-key-", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, pem)
        os.fsync(fd)
        os.close(fd)
        with contextlib.suppress(FileExistsError):  # another process made it first: keep theirs
            os.link(temp, path)
    finally:
        Path(temp).unlink(missing_ok=True)


def load_keyring(*, create: bool = False) -> KeyRing:
    """The configured keys. With `create`, the embedded default key is generated if missing
    (only the API and CLI do that; a worker must find the key the API published)."""
    files = get_axis_settings().key_files()
    if create and not get_axis_settings().private_key_file and not files[0].exists():
        generate_private_key(default_key_file())
    try:
        stamp = tuple((str(p), p.stat().st_mtime) for p in files)
    except FileNotFoundError as exc:
        raise NoPrivateKey(f"the Axis content key {exc.filename} does not exist") from None
    with _rings_lock:
        ring = _rings.get(stamp)
    if ring is None:
        keys = []
        for path in files:
            loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
            if not isinstance(loaded, rsa.RSAPrivateKey):
                raise NoPrivateKey(f"{path} is not an RSA private key")
            keys.append(loaded)
        ring = KeyRing(keys)
        with _rings_lock:
            _rings[stamp] = ring
    return ring


def looks_like_media(head: bytes) -> str | None:
    """'mkv' or 'mp4' when the first bytes are a Matroska or ISO BMFF header."""
    if head.startswith(MKV_MAGIC):
        return "mkv"
    if len(head) >= 8 and head[4:8] in MP4_BOXES:
        return "mp4"
    return None


def _decryptor(key: bytes, iv: bytes) -> Any:
    return Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()


def decrypts_to_media(key: UnwrappedKey, head: bytes, tail: bytes, size: int) -> bool:
    """Whether ciphertext of `size` bytes, whose first and last 32 bytes are given, decrypts
    with `key` to a Matroska/MP4 file with valid padding — checked without reading the rest."""
    if size < BLOCK or size % BLOCK or len(head) < BLOCK or len(tail) < min(size, 2 * BLOCK):
        return False
    first = _decryptor(key.key, key.iv).update(head[:BLOCK])
    if looks_like_media(first) is None:
        return False
    previous = tail[-2 * BLOCK : -BLOCK] if size >= 2 * BLOCK else key.iv
    last = _decryptor(key.key, previous).update(tail[-BLOCK:])
    pad = last[-1]
    return 1 <= pad <= BLOCK and last[-pad:] == bytes([pad]) * pad


def decrypt_bytes(data: bytes, key: UnwrappedKey) -> bytes:
    if not data or len(data) % BLOCK:
        raise DecryptionError("ciphertext length is not a whole number of AES blocks")
    padded = _decryptor(key.key, key.iv).update(data)
    unpadder = padding.PKCS7(BLOCK * 8).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        raise DecryptionError("the bytes do not decrypt with this key (bad padding)") from None


def decrypt_file(source: Path, target: Path, key: UnwrappedKey) -> tuple[str, int]:
    """Decrypt `source` into `target` while hashing the plaintext: (SHA-256 hex, size)."""
    size = source.stat().st_size
    if size == 0 or size % BLOCK:
        raise DecryptionError("ciphertext length is not a whole number of AES blocks")
    decryptor = _decryptor(key.key, key.iv)
    unpadder = padding.PKCS7(BLOCK * 8).unpadder()
    digest = hashlib.sha256()
    written = 0
    with open(source, "rb") as reader, open(target, "wb") as writer:
        try:
            for chunk in _chunks(reader):
                plain = unpadder.update(decryptor.update(chunk))
                digest.update(plain)
                writer.write(plain)
                written += len(plain)
            plain = unpadder.update(decryptor.finalize()) + unpadder.finalize()
        except ValueError:
            raise DecryptionError("the clip does not decrypt with its key (bad padding)") from None
        digest.update(plain)
        writer.write(plain)
        written += len(plain)
        writer.flush()
        os.fsync(writer.fileno())
    return digest.hexdigest(), written


def _chunks(reader: Any) -> Iterator[bytes]:
    while chunk := reader.read(READ_CHUNK):
        yield chunk


def encrypt_for(public_key: rsa.RSAPublicKey, key_id: str, data: bytes) -> tuple[bytes, bytes]:
    """Encrypt as a body worn system does: (ciphertext, key file JSON). For clients and tests."""
    key, iv = secrets.token_bytes(AES_KEY_BYTES), secrets.token_bytes(BLOCK)
    padder = padding.PKCS7(BLOCK * 8).padder()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    ciphertext = encryptor.update(padder.update(data) + padder.finalize()) + encryptor.finalize()
    sha1 = hashes.SHA1()  # noqa: S303 - RSA-OAEP with SHA-1, as the body worn system wraps
    wrapped = public_key.encrypt(key, OAEP(mgf=MGF1(algorithm=sha1), algorithm=sha1, label=None))
    return ciphertext, key_file_json(wrapped, iv, key_id)


def key_file_json(wrapped: bytes, iv: bytes, key_id: str) -> bytes:
    document = {
        "EncryptionMode": "FullBlob",
        "WrappedContentKey": {
            "KeyId": key_id,
            "EncryptedKey": base64.b64encode(wrapped).decode(),
            "Algorithm": "RSA-OAEP",
        },
        "EncryptionAgent": {"Protocol": "1.0", "EncryptionAlgorithm": "AES_CBC_256"},
        "ContentEncryptionIV": base64.b64encode(iv).decode(),
    }
    return json.dumps(document, indent=2).encode()


def load_public_key(pem: bytes) -> rsa.RSAPublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("not an RSA public key")
    return key
