"""C2PA credentials on exported copies: signed with the force's certificate when it is
configured (both files, or neither), and saying which credential signed them."""

from __future__ import annotations

from pathlib import Path

import pytest

from openbwv.config import Settings
from openbwv.media.synth import make_clip
from openbwv.sharing.packages import c2pa_sign


def _force_files(tmp_path: Path) -> tuple[Path, Path]:
    pem = c2pa_sign.generate_local_chain("force.example/audit")
    key, chain = c2pa_sign.split_pem(pem)
    (tmp_path / "chain.pem").write_bytes(chain)
    (tmp_path / "key.pem").write_bytes(key)
    return tmp_path / "chain.pem", tmp_path / "key.pem"


def test_the_configured_certificate_signs_and_is_named(tmp_path: Path) -> None:
    cert, key = _force_files(tmp_path)
    settings = Settings(data_dir=tmp_path, c2pa_cert_file=cert, c2pa_key_file=key)
    signed_by = c2pa_sign.credentials(settings)
    assert not signed_by.local
    clip = make_clip(tmp_path / "copy.mp4", seconds=1, seed=7)
    facts = {
        "evidence_id": "e1",
        "sha256": "ab" * 32,
        "original_name": "clip.mkv",
        "original_type": "video/x-matroska",
        "crime_reference": "01/1/26",
    }
    c2pa_sign.sign_copy(clip, tmp_path / "signed.mp4", facts, signed_by)
    found = c2pa_sign.read_credentials(tmp_path / "signed.mp4")
    active = found["manifests"][found["active_manifest"]]
    labels = {a["label"]: a["data"] for a in active["assertions"] if "data" in a}
    assert labels["org.openbwv.signing"]["credential"].startswith("the force's certificate")
    assert labels["org.openbwv.evidence"]["original_sha256"] == "ab" * 32
    assert active["ingredients"][0]["instance_id"] == "urn:openbwv:evidence:e1"
    # Only the trust anchor is unknown to the reader (a force's root is not in its list here).
    codes = {status["code"] for status in found.get("validation_status", [])}
    assert codes <= {"signingCredential.untrusted"}


def test_one_file_without_the_other_is_refused(tmp_path: Path) -> None:
    cert, _key = _force_files(tmp_path)
    with pytest.raises(c2pa_sign.SigningSetupError):
        c2pa_sign.credentials(Settings(data_dir=tmp_path, c2pa_cert_file=cert))
