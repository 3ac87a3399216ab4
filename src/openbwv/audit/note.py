"""C2SP signed notes (c2sp.org/signed-note) with Ed25519; checkpoints (c2sp.org/tlog-checkpoint).

A signed note is UTF-8 text without control characters other than newline::

    <body: one or more lines, each ending in "\\n">
    <blank line>
    — <key name> <base64(4-byte big-endian key ID || signature)>\\n   (one or more)

The body (the text up to and including the newline before the *last* blank line) is what is signed.
For Ed25519 (signature type 0x01) the key ID is ``SHA-256(name || 0x0A || 0x01 || public key)[:4]``.

Key strings are those of golang.org/x/mod/sumdb/note:
``<name>+<key ID as 8 hex digits>+<base64(0x01 || 32-byte public key)>`` (verifier) and
``PRIVATE+KEY+<name>+<key ID>+<base64(0x01 || 32-byte seed)>`` (signer).

Opening a note ignores signatures from unknown keys, refuses the whole note if a signature from a
known key (same name *and* key ID) does not verify, and requires at least one verified signature.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from openbwv.audit.merkle import EMPTY_ROOT, HASH_SIZE, MAX_TREE_SIZE

__all__ = [
    "ALG_ED25519",
    "MAX_NOTE_SIZE",
    "MAX_SIGNATURES",
    "Checkpoint",
    "NoteError",
    "NoteSignature",
    "Signer",
    "Verifier",
    "ed25519_key_id",
    "format_checkpoint",
    "generate_signer",
    "open_checkpoint",
    "open_note",
    "parse_checkpoint",
    "sign_note",
]

ALG_ED25519 = 0x01
#: Largest note accepted by :func:`open_note` (bytes of UTF-8). The spec asks verifiers to accept
#: at least 16 signatures of up to ~5 kB each; a checkpoint with a few cosignatures is < 1 kB.
MAX_NOTE_SIZE = 1 << 20
#: Most signature lines accepted by :func:`open_note` (as golang.org/x/mod/sumdb/note).
MAX_SIGNATURES = 100

_SIG_PREFIX = "\u2014 "  # EM DASH, SPACE
_HEX_ID = re.compile(r"[0-9a-f]{8}")
_DECIMAL = re.compile(r"0|[1-9][0-9]*")


class NoteError(ValueError):
    """A note or checkpoint is malformed, unsigned by any known key, or has a bad signature."""


# --------------------------------------------------------------------------------------------------
# Names, encodings and key IDs


def _valid_name(name: str) -> bool:
    return (
        bool(name)
        and "+" not in name
        # str.isspace() is Unicode White_Space (what Go's unicode.IsSpace tests) and more.
        and not any(ch.isspace() or ord(ch) < 0x20 or 0xD800 <= ord(ch) <= 0xDFFF for ch in name)
    )


def _check_name(name: str) -> None:
    if not _valid_name(name):
        raise ValueError(f"invalid key name {name!r}: must be non-empty, without spaces or '+'")


def _b64decode(text: str) -> bytes:
    """Strict standard base64 (RFC 4648 §4), padded; raises ValueError (binascii.Error)."""
    return base64.b64decode(text.encode("ascii"), validate=True)


def _b64decode_canonical(text: str) -> bytes:
    raw = _b64decode(text)
    if base64.b64encode(raw).decode("ascii") != text:
        raise ValueError("non-canonical base64")
    return raw


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def ed25519_key_id(name: str, public_key: bytes) -> int:
    """Ed25519 key ID: SHA-256(name || 0x0A || 0x01 || public key)[:4], big-endian."""
    if len(public_key) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    digest = hashlib.sha256(
        name.encode("utf-8") + b"\n" + bytes([ALG_ED25519]) + public_key
    ).digest()
    return int.from_bytes(digest[:4], "big")


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _parse_key_fields(rest: str, what: str) -> tuple[str, int, bytes]:
    """``<name>+<8 hex>+<base64(0x01 || 32 bytes)>`` -> (name, key ID, 32 key bytes)."""
    name, _, rest = rest.partition("+")
    hex_id, _, key64 = rest.partition("+")
    if not _valid_name(name) or not _HEX_ID.fullmatch(hex_id):
        raise ValueError(f"malformed {what} key")
    try:
        raw = _b64decode_canonical(key64)
    except ValueError:
        raise ValueError(f"malformed {what} key: bad base64") from None
    if len(raw) != 33 or raw[0] != ALG_ED25519:
        raise ValueError(f"unsupported {what} key: want 0x01 (Ed25519) followed by 32 bytes")
    return name, int(hex_id, 16), raw[1:]


@dataclass(frozen=True)
class Verifier:
    """An Ed25519 note verifier key: name, key ID and raw 32-byte public key."""

    name: str
    key_id: int
    public_key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        _check_name(self.name)
        if self.key_id != ed25519_key_id(self.name, self.public_key):
            raise ValueError(f"key ID {self.key_id:08x} does not match key {self.name!r}")

    @classmethod
    def from_key(cls, vkey: str) -> Verifier:
        """Parse ``<name>+<key id>+<base64(0x01 || public key)>``."""
        name, key_id, public = _parse_key_fields(vkey, "verifier")
        if key_id != ed25519_key_id(name, public):
            raise ValueError("verifier key ID does not match the key")
        return cls(name, key_id, public)

    @classmethod
    def from_public_key(cls, name: str, public_key: bytes | Ed25519PublicKey) -> Verifier:
        raw = _raw_public(public_key) if isinstance(public_key, Ed25519PublicKey) else public_key
        _check_name(name)
        return cls(name, ed25519_key_id(name, raw), bytes(raw))

    @property
    def key(self) -> str:
        """The verifier key string."""
        return f"{self.name}+{self.key_id:08x}+{_b64(bytes([ALG_ED25519]) + self.public_key)}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        if len(signature) != 64:
            return False
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True


class Signer:
    """An Ed25519 note signer. Its repr never shows the private key."""

    __slots__ = ("_key", "key_id", "name", "verifier")

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        _check_name(name)
        self.name = name
        self._key = private_key
        self.verifier = Verifier.from_public_key(name, private_key.public_key())
        self.key_id = self.verifier.key_id

    @classmethod
    def from_key(cls, skey: str) -> Signer:
        """Parse ``PRIVATE+KEY+<name>+<key id>+<base64(0x01 || seed)>``."""
        prefix = "PRIVATE+KEY+"
        if not skey.startswith(prefix):
            raise ValueError("malformed signer key: missing PRIVATE+KEY+ prefix")
        name, key_id, seed = _parse_key_fields(skey[len(prefix) :], "signer")
        signer = cls(name, Ed25519PrivateKey.from_private_bytes(seed))
        if signer.key_id != key_id:
            raise ValueError("signer key ID does not match the key")
        return signer

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)

    def __repr__(self) -> str:
        return f"Signer(name={self.name!r}, key_id={self.key_id:08x})"


def generate_signer(name: str) -> tuple[str, str]:
    """A new Ed25519 key pair for ``name``: ``(signer key string, verifier key string)``."""
    _check_name(name)
    key = Ed25519PrivateKey.generate()
    seed = key.private_bytes_raw()
    verifier = Verifier.from_public_key(name, key.public_key())
    skey = f"PRIVATE+KEY+{name}+{verifier.key_id:08x}+{_b64(bytes([ALG_ED25519]) + seed)}"
    return skey, verifier.key


# --------------------------------------------------------------------------------------------------
# Notes


@dataclass(frozen=True)
class NoteSignature:
    """A verified signature line: key name, key ID and the raw signature bytes."""

    name: str
    key_id: int
    signature: bytes = field(repr=False)


def _check_text(text: str, what: str) -> bytes:
    """UTF-8 encoding of ``text``; refuses control characters other than newline."""
    try:
        raw = text.encode("utf-8")
    except UnicodeEncodeError:
        raise NoteError(f"{what} is not valid Unicode") from None
    if any(b < 0x20 and b != 0x0A for b in raw):
        raise NoteError(f"{what} contains a control character")
    return raw


def sign_note(body: str, signer: Signer, *more_signers: Signer) -> str:
    """Sign ``body`` (non-empty, ending in newline) and return the complete signed note."""
    if not body.endswith("\n"):
        raise NoteError("note body must end with a newline")
    message = _check_text(body, "note body")
    lines = []
    for s in (signer, *more_signers):
        blob = s.key_id.to_bytes(4, "big") + s.sign(message)
        lines.append(f"{_SIG_PREFIX}{s.name} {_b64(blob)}\n")
    return body + "\n" + "".join(lines)


def _verifier_map(verifiers: Iterable[Verifier]) -> dict[tuple[str, int], Verifier]:
    known: dict[tuple[str, int], Verifier] = {}
    for v in verifiers:
        other = known.setdefault((v.name, v.key_id), v)
        if other.public_key != v.public_key:
            raise NoteError(f"ambiguous verifier keys for {v.name}+{v.key_id:08x}")
    return known


def open_note(
    text: str | bytes,
    verifiers: Iterable[Verifier],
    *,
    max_size: int = MAX_NOTE_SIZE,
    max_signatures: int = MAX_SIGNATURES,
) -> tuple[str, list[NoteSignature]]:
    """Parse and verify a signed note; return ``(body, verified signatures)``.

    Raises :class:`NoteError` if the note is malformed or too large, if a signature from a known key
    fails, or if no known key signed it. Signatures from unknown keys are ignored.
    """
    if isinstance(text, bytes | bytearray):
        if len(text) > max_size:
            raise NoteError(f"note is larger than {max_size} bytes")
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError:
            raise NoteError("note is not valid UTF-8") from None
    raw = _check_text(text, "note")
    if len(raw) > max_size:
        raise NoteError(f"note is larger than {max_size} bytes")

    split = text.rfind("\n\n")
    if split < 0:
        raise NoteError("malformed note: no blank line before the signatures")
    body, sig_block = text[: split + 1], text[split + 2 :]
    if not sig_block.endswith("\n"):
        raise NoteError("malformed note: the signature block must end with a newline")

    known = _verifier_map(verifiers)
    message = body.encode("utf-8")
    verified: list[NoteSignature] = []
    seen: set[tuple[str, int]] = set()
    lines = sig_block[:-1].split("\n")
    if len(lines) > max_signatures:
        raise NoteError(f"note has more than {max_signatures} signatures")
    for line in lines:
        if not line.startswith(_SIG_PREFIX):
            raise NoteError("malformed signature line: must start with an em dash and a space")
        name, _, sig64 = line[len(_SIG_PREFIX) :].partition(" ")
        try:
            blob = _b64decode(sig64)
        except ValueError:
            raise NoteError("malformed signature line: bad base64") from None
        if not _valid_name(name) or len(blob) < 5:
            raise NoteError("malformed signature line")
        key_id = int.from_bytes(blob[:4], "big")
        verifier = known.get((name, key_id))
        if verifier is None or (name, key_id) in seen:
            continue  # unknown key, or a repeated signature by a key already checked
        seen.add((name, key_id))
        if not verifier.verify(message, blob[4:]):
            raise NoteError(f"invalid signature for key {name}+{key_id:08x}")
        verified.append(NoteSignature(name, key_id, blob[4:]))
    if not verified:
        raise NoteError("note has no valid signature from a known key")
    return body, verified


# --------------------------------------------------------------------------------------------------
# Checkpoints


@dataclass(frozen=True)
class Checkpoint:
    """A tlog-checkpoint body: origin, tree size, RFC 6962 root hash, optional extension lines."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def body(self) -> str:
        return format_checkpoint(self.origin, self.size, self.root_hash, self.extensions)


def _check_line(line: str, what: str) -> None:
    if not line:
        raise ValueError(f"{what} must be non-empty")
    if "\n" in line:
        raise ValueError(f"{what} must be a single line")
    try:
        _check_text(line, what)
    except NoteError as e:
        raise ValueError(str(e)) from None


def format_checkpoint(origin: str, size: int, root: bytes, extensions: Sequence[str] = ()) -> str:
    """The checkpoint note body: origin, decimal size, base64 root, extension lines."""
    _check_line(origin, "origin")
    if isinstance(size, bool) or not 0 <= size <= MAX_TREE_SIZE:
        raise ValueError(f"tree size {size!r} is outside 0..2**64-1")
    if len(root) != HASH_SIZE:
        raise ValueError(f"root hash must be {HASH_SIZE} bytes")
    for ext in extensions:
        _check_line(ext, "extension line")
    return "".join(f"{line}\n" for line in (origin, str(size), _b64(bytes(root)), *extensions))


def parse_checkpoint(body: str) -> Checkpoint:
    """Strictly parse a checkpoint note body (as returned by :func:`open_note`)."""
    _check_text(body, "checkpoint")
    if not body.endswith("\n"):
        raise NoteError("checkpoint must end with a newline")
    lines = body[:-1].split("\n")
    if len(lines) < 3:
        raise NoteError("checkpoint needs origin, tree size and root hash lines")
    origin, size_line, root_line, *extensions = lines
    if not origin:
        raise NoteError("checkpoint origin is empty")
    if not _DECIMAL.fullmatch(size_line):
        raise NoteError(f"checkpoint tree size {size_line!r} is not a canonical decimal number")
    size = int(size_line)
    if size > MAX_TREE_SIZE:
        raise NoteError("checkpoint tree size does not fit in 64 bits")
    try:
        root = _b64decode_canonical(root_line)
    except ValueError:
        raise NoteError("checkpoint root hash is not canonical base64") from None
    if len(root) != HASH_SIZE:
        raise NoteError(f"checkpoint root hash is {len(root)} bytes, want {HASH_SIZE}")
    if size == 0 and root != EMPTY_ROOT:
        raise NoteError("checkpoint of size 0 must carry the empty tree hash")
    if any(not ext for ext in extensions):
        raise NoteError("checkpoint extension lines must be non-empty")
    return Checkpoint(origin, size, root, tuple(extensions))


def open_checkpoint(
    text: str | bytes, verifiers: Iterable[Verifier]
) -> tuple[Checkpoint, list[NoteSignature]]:
    """:func:`open_note` then :func:`parse_checkpoint`."""
    body, signatures = open_note(text, verifiers)
    return parse_checkpoint(body), signatures
