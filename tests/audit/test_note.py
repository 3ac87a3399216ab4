"""C2SP signed notes and tlog checkpoints."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable

import pytest

from openbwv.audit.merkle import EMPTY_ROOT, MAX_TREE_SIZE, InMemoryTree
from openbwv.audit.note import (
    MAX_NOTE_SIZE,
    Checkpoint,
    NoteError,
    NoteSignature,
    Signer,
    Verifier,
    ed25519_key_id,
    format_checkpoint,
    generate_signer,
    open_checkpoint,
    open_note,
    parse_checkpoint,
    sign_note,
)

EM = "\u2014"

# Known answers from golang.org/x/mod/sumdb/note (the reference implementation) and its tests.
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
PETER_SIG = (
    f"{EM} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNX"
    "gKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
ENOCH_SIG = (
    f"{EM} EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOT"
    "GwnWLox33WWd1RvMc+QQ=\n"
)


@pytest.fixture(scope="module")
def keys() -> tuple[Signer, Verifier]:
    skey, vkey = generate_signer("bwv.example.org/audit")
    return Signer.from_key(skey), Verifier.from_key(vkey)


def _flip_sig_byte(note: str, offset: int) -> str:
    """Change one byte of the first signature (after the 4-byte key ID) and re-encode it."""
    body, _, sigs = note.rpartition("\n\n")
    line, _, rest = sigs.partition("\n")
    name, _, b64 = line.partition(" ")[2].partition(" ")
    blob = bytearray(base64.b64decode(b64))
    blob[4 + offset] ^= 0x01
    return f"{body}\n\n{EM} {name} {base64.b64encode(bytes(blob)).decode()}\n{rest}"


# --------------------------------------------------------------------------------------------------
# Keys


def test_key_id_by_hand() -> None:
    verifier = Verifier.from_key(PETER_VKEY)
    public = base64.b64decode(PETER_VKEY.split("+")[2])[1:]
    by_hand = hashlib.sha256(b"PeterNeumann" + b"\n" + b"\x01" + public).digest()[:4]
    assert by_hand.hex() == "c74f20a3"
    assert verifier.key_id == int.from_bytes(by_hand, "big") == 0xC74F20A3
    assert ed25519_key_id("PeterNeumann", public) == 0xC74F20A3
    assert verifier.public_key == public
    assert verifier.key == PETER_VKEY


def test_signer_key_matches_reference() -> None:
    signer = Signer.from_key(PETER_SKEY)
    assert signer.name == "PeterNeumann"
    assert signer.key_id == 0xC74F20A3
    assert signer.verifier.key == PETER_VKEY
    assert "AYEK" not in repr(signer)  # the seed never shows


def test_generated_keys_round_trip(keys: tuple[Signer, Verifier]) -> None:
    signer, verifier = keys
    assert signer.verifier == verifier
    skey, vkey = generate_signer("x")
    assert skey.startswith("PRIVATE+KEY+x+")
    assert Signer.from_key(skey).verifier.key == vkey


@pytest.mark.parametrize(
    "name", ["", "a b", "a+b", "a\tb", "a\nb", "a\u00a0b", "a\u3000b", "a\u2028b", "a\x01"]
)
def test_invalid_key_names(name: str) -> None:
    with pytest.raises(ValueError):
        generate_signer(name)


def test_mangled_keys_are_refused() -> None:
    # As the reference implementation's tests: every proper substring and every one-byte change.
    for key, parse in [(PETER_VKEY, Verifier.from_key), (PETER_SKEY, Signer.from_key)]:
        raw = key.encode()
        for i in range(len(raw) + 1):
            for j in range(i + 1, len(raw) + 1):
                if (i, j) != (0, len(raw)):
                    with pytest.raises(ValueError):
                        parse(raw[i:j].decode())
        for i in range(len(raw)):
            bad = bytearray(raw)
            bad[i] += 1
            with pytest.raises(ValueError):
                parse(bad.decode())
    # Wrong length and unknown algorithm, each with a matching key ID.
    with pytest.raises(ValueError):
        Verifier.from_key(
            "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=="
        )
    with pytest.raises(ValueError):
        Verifier.from_key("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
    with pytest.raises(ValueError):  # upper-case key ID
        Verifier.from_key("PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
    with pytest.raises(ValueError):  # a verifier whose key ID does not belong to its key
        Verifier("PeterNeumann", 0x12345678, Verifier.from_key(PETER_VKEY).public_key)


# --------------------------------------------------------------------------------------------------
# Notes


def test_reference_signature_byte_for_byte() -> None:
    note = sign_note(GO_TEXT, Signer.from_key(PETER_SKEY))
    assert note == GO_TEXT + "\n" + PETER_SIG
    body, sigs = open_note(note, [Verifier.from_key(PETER_VKEY)])
    assert body == GO_TEXT
    assert [(s.name, s.key_id) for s in sigs] == [("PeterNeumann", 0xC74F20A3)]


def test_reference_two_signatures() -> None:
    note = GO_TEXT + "\n" + PETER_SIG + ENOCH_SIG
    peter, enoch = Verifier.from_key(PETER_VKEY), Verifier.from_key(ENOCH_VKEY)
    assert [s.name for s in open_note(note, [peter])[1]] == ["PeterNeumann"]
    assert [s.name for s in open_note(note, [enoch])[1]] == ["EnochRoot"]
    assert [s.name for s in open_note(note.encode(), [enoch, peter])[1]] == [
        "PeterNeumann",
        "EnochRoot",
    ]


def test_spec_example() -> None:
    vkey = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
    note = (
        f"This is an example message.\n\n{EM} example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfX"
        "ppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
    )
    assert open_note(note, [Verifier.from_key(vkey)])[0] == "This is an example message.\n"


def test_round_trip(keys: tuple[Signer, Verifier]) -> None:
    signer, verifier = keys
    body = "first line\n\nsecond paragraph, \u00e9\u00e8 \u2014 unicode\n"
    note = sign_note(body, signer)
    got, sigs = open_note(note, [verifier])
    assert got == body
    assert sigs == [NoteSignature(signer.name, signer.key_id, sigs[0].signature)]
    assert verifier.verify(body.encode(), sigs[0].signature)


def test_unknown_signatures_are_ignored(keys: tuple[Signer, Verifier]) -> None:
    signer, verifier = keys
    other = Signer.from_key(generate_signer("witness.example")[0])
    # Same name as a known key but another key ID: unknown, ignored.
    impostor = Signer.from_key(generate_signer(signer.name)[0])
    note = sign_note("body\n", other, impostor, signer)
    assert [s.name for s in open_note(note, [verifier])[1]] == [signer.name]
    with pytest.raises(NoteError, match="no valid signature"):
        open_note(sign_note("body\n", other, impostor), [verifier])
    with pytest.raises(NoteError, match="no valid signature"):
        open_note(note, [])


def test_tampered_body(keys: tuple[Signer, Verifier]) -> None:
    signer, verifier = keys
    note = sign_note("origin\n5\nroot\n", signer)
    with pytest.raises(NoteError, match="invalid signature"):
        open_note(note.replace("5", "6", 1), [verifier])


def test_tampered_signature(keys: tuple[Signer, Verifier]) -> None:
    signer, verifier = keys
    note = sign_note("body\n", signer)
    for offset in (0, 31, 32, 63):
        with pytest.raises(NoteError, match="invalid signature"):
            open_note(_flip_sig_byte(note, offset), [verifier])


def test_wrong_key(keys: tuple[Signer, Verifier]) -> None:
    signer, verifier = keys
    other = Signer.from_key(generate_signer(signer.name)[0])
    with pytest.raises(NoteError):
        open_note(sign_note("body\n", other), [verifier])
    # A signature by another key, relabelled with the known key's ID, is a bad signature.
    forged_blob = signer.key_id.to_bytes(4, "big") + other.sign(b"body\n")
    forged = f"body\n\n{EM} {signer.name} {base64.b64encode(forged_blob).decode()}\n"
    with pytest.raises(NoteError, match="invalid signature"):
        open_note(forged, [verifier])
    # ... even when a valid signature from the same key follows.
    with pytest.raises(NoteError, match="invalid signature"):
        open_note(forged + sign_note("body\n", signer).split("\n\n")[1], [verifier])


def test_duplicate_signature_lines_are_checked_once(keys: tuple[Signer, Verifier]) -> None:
    signer, verifier = keys
    note = sign_note("body\n", signer)
    sig_line = note.split("\n\n")[1]
    assert len(open_note(note + sig_line, [verifier])[1]) == 1


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda n: n.replace("\n\n", "\n"), "blank line"),
        (lambda n: n[:-1], "newline"),
        (lambda n: n + "\n", "newline"),
        (lambda n: n.replace(EM + " ", "- "), "em dash"),
        (lambda n: n.replace(EM + " ", "\u2013 "), "em dash"),
        (lambda n: n.replace(EM + " ", EM), "em dash"),
        (lambda n: n.replace(EM + " ", EM + "  "), "malformed"),
        (lambda n: n + "trailing text\n", "em dash"),
        (lambda n: n.replace("body", "bo\tdy"), "control"),
        (lambda n: n.replace("body", "bo\rdy"), "control"),
        (lambda n: n.replace("body", "bo\x00dy"), "control"),
        (lambda n: n.replace("body", "bo\udc80dy"), "Unicode"),
        (lambda n: n[:-3] + "!\n", "base64"),
        (lambda n: n.rpartition(" ")[0] + " \n", "malformed"),
        (lambda n: n.rpartition(" ")[0] + " AAAA\n", "malformed"),
        (lambda n: n.rpartition(" ")[0] + " " + n.rpartition(" ")[2][:-2] + "\n", "base64"),
    ],
)
def test_malformed_notes(
    keys: tuple[Signer, Verifier], mutate: Callable[[str], str], message: str
) -> None:
    signer, verifier = keys
    note = sign_note("body\n", signer)
    with pytest.raises(NoteError, match=message):
        open_note(mutate(note), [verifier])


def test_invalid_utf8(keys: tuple[Signer, Verifier]) -> None:
    signer, verifier = keys
    raw = sign_note("body\n", signer).encode()
    with pytest.raises(NoteError, match="UTF-8"):
        open_note(raw.replace(b"body", b"bo\xffdy"), [verifier])


def test_too_long_note(keys: tuple[Signer, Verifier]) -> None:
    signer, verifier = keys
    big = ("x" * 99 + "\n") * (MAX_NOTE_SIZE // 100 + 1)
    note = sign_note(big, signer)
    with pytest.raises(NoteError, match="larger"):
        open_note(note, [verifier])
    with pytest.raises(NoteError, match="larger"):
        open_note(note.encode(), [verifier])
    assert open_note(note, [verifier], max_size=len(note.encode()))[0] == big


def test_too_many_signatures(keys: tuple[Signer, Verifier]) -> None:
    signer, verifier = keys
    others = [Signer.from_key(generate_signer(f"w{i}")[0]) for i in range(100)]
    note = sign_note("body\n", signer, *others)
    with pytest.raises(NoteError, match="more than 100"):
        open_note(note, [verifier])
    assert open_note(note, [verifier], max_signatures=101)[0] == "body\n"


def test_sign_refuses_bad_bodies(keys: tuple[Signer, Verifier]) -> None:
    signer, _ = keys
    for body in ["", "no newline", "ctrl\x07\n", "bad \udc80\n"]:
        with pytest.raises(NoteError):
            sign_note(body, signer)


def test_same_verifier_twice(keys: tuple[Signer, Verifier]) -> None:
    signer, verifier = keys
    note = sign_note("body\n", signer)
    assert open_note(note, [verifier, verifier])[0] == "body\n"  # the same key twice is fine


# --------------------------------------------------------------------------------------------------
# Checkpoints

ROOT = InMemoryTree([b"a", b"b", b"c"]).root()
ROOT64 = base64.b64encode(ROOT).decode()
URLSAFE64 = base64.urlsafe_b64encode(bytes([0xFF] * 32)).decode()


def test_checkpoint_format_and_parse() -> None:
    body = format_checkpoint("bwv.example.org/audit", 3, ROOT)
    assert body == f"bwv.example.org/audit\n3\n{ROOT64}\n"
    assert parse_checkpoint(body) == Checkpoint("bwv.example.org/audit", 3, ROOT)
    ext = format_checkpoint("o", 3, ROOT, ["— ext one", "two"])
    assert parse_checkpoint(ext).extensions == ("— ext one", "two")
    assert parse_checkpoint(ext).body() == ext
    empty = format_checkpoint("o", 0, EMPTY_ROOT)
    assert parse_checkpoint(empty).size == 0
    assert parse_checkpoint(f"o\n{MAX_TREE_SIZE}\n{ROOT64}\n").size == MAX_TREE_SIZE


def test_signed_checkpoint_round_trip(keys: tuple[Signer, Verifier]) -> None:
    signer, verifier = keys
    note = sign_note(format_checkpoint(signer.name, 3, ROOT), signer)
    checkpoint, sigs = open_checkpoint(note, [verifier])
    assert checkpoint == Checkpoint(signer.name, 3, ROOT)
    assert sigs[0].key_id == signer.key_id


@pytest.mark.parametrize(
    "body",
    [
        f"o\n3\n{ROOT64}",  # no final newline
        "o\n3\n",  # too few lines
        f"o\n3{ROOT64}\n",
        f"\n3\n{ROOT64}\n",  # empty origin
        f"o\n03\n{ROOT64}\n",  # leading zero
        f"o\n00\n{base64.b64encode(EMPTY_ROOT).decode()}\n",
        f"o\n+3\n{ROOT64}\n",
        f"o\n-3\n{ROOT64}\n",
        f"o\n 3\n{ROOT64}\n",
        f"o\n3 \n{ROOT64}\n",
        f"o\n1_0\n{ROOT64}\n",
        f"o\n\u0663\n{ROOT64}\n",  # ARABIC-INDIC DIGIT THREE
        f"o\n0x3\n{ROOT64}\n",
        f"o\n\n{ROOT64}\n",
        f"o\n{MAX_TREE_SIZE + 1}\n{ROOT64}\n",
        f"o\n3\n{ROOT64.rstrip('=')}\n",  # unpadded
        f"o\n3\n{ROOT64[:-2]}B=\n",  # non-canonical trailing bits
        f"o\n3\n{base64.b64encode(ROOT[:31]).decode()}\n",
        f"o\n3\n{base64.b64encode(ROOT + b'x').decode()}\n",
        f"o\n3\n{URLSAFE64}\n",  # base64url alphabet
        f"o\n3\n {ROOT64}\n",
        f"o\n0\n{ROOT64}\n",  # size 0 must carry the empty tree hash
        f"o\n3\n{ROOT64}\n\n",  # empty extension line
        f"o\n3\n{ROOT64}\next\n\nmore\n",
        f"o\r\n3\n{ROOT64}\n",
    ],
)
def test_checkpoint_strictness(body: str) -> None:
    with pytest.raises(NoteError):
        parse_checkpoint(body)


def test_format_checkpoint_refuses_bad_fields() -> None:
    for args in [
        ("", 3, ROOT),
        ("a\nb", 3, ROOT),
        ("o", -1, ROOT),
        ("o", MAX_TREE_SIZE + 1, ROOT),
        ("o", True, ROOT),
        ("o", 3, ROOT[:31]),
    ]:
        with pytest.raises(ValueError):
            format_checkpoint(*args)
    for ext in [[""], ["a\nb"]]:
        with pytest.raises(ValueError):
            format_checkpoint("o", 3, ROOT, ext)
