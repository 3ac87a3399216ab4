"""The audit API on the live platform: what it serves verifies with the pure verifier against the
signed checkpoint (and the checkpoint against the public key); who may read what; every call is
itself audited; bad sizes get clear 400s."""

from __future__ import annotations

import base64
import io
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from pypdf import PdfReader
from sqlalchemy import select
from typer.testing import CliRunner

from openbwv.audit.merkle import ProofError, leaf_hash, verify_consistency, verify_inclusion
from openbwv.audit.models import AuditEvent
from openbwv.audit.note import Checkpoint, Verifier, open_checkpoint
from openbwv.composition import cli
from openbwv.db.session import unit_of_work
from openbwv.media.synth import make_clip
from tests.support import tus
from tests.support.evidence import ingest
from tests.support.stack import PROFILES, Stack
from tests.support.waiting import wait_until


@dataclass
class Scene:
    officer: httpx.Client
    officer_name: str
    auditor: httpx.Client
    auditor_name: str
    outsider: httpx.Client  # an investigator in another borough
    anonymous: httpx.Client
    item_id: str


def client(url: str, token: str | None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=url, headers=headers, timeout=60)


@pytest.fixture(scope="module")
def scene(
    stack: Stack, live_server: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Scene]:
    officer = stack.user("officer", borough="E09000033", team="Audit Team")
    auditor = stack.user("auditor")
    outsider = stack.user("investigator", borough="E09000001", team="Elsewhere")
    officer_client = client(live_server, stack.user_token(officer))
    clip = make_clip(tmp_path_factory.mktemp("audit") / "clip.mp4", seconds=1, seed=4242)
    url = ingest(officer_client, clip)
    item_id = url.rstrip("/").rsplit("/", 1)[-1]
    assert officer_client.get(f"/api/v1/evidence/{item_id}").status_code == 200
    built = Scene(
        officer_client,
        officer.username,
        client(live_server, stack.user_token(auditor)),
        auditor.username,
        client(live_server, stack.user_token(outsider)),
        client(live_server, None),
        item_id,
    )
    try:
        yield built
    finally:
        for c in (built.officer, built.auditor, built.outsider, built.anonymous):
            c.close()


def anchored_trail(api: httpx.Client, item_id: str, actions: set[str]) -> dict[str, Any]:
    """The trail once every wanted action is anchored in a signed checkpoint."""

    def ready() -> dict[str, Any] | None:
        trail = api.get(f"/api/v1/evidence/{item_id}/audit").json()
        done = {event["event"]["action"] for event in trail["events"]}
        return trail if actions <= done else None

    return wait_until(ready, timeout=60, what=f"{actions} to be integrated")


def signed_checkpoint(api: httpx.Client) -> tuple[Checkpoint, Verifier, str]:
    response = api.get("/api/v1/audit/public-key")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    verifier = Verifier.from_key(response.text.strip())
    note = api.get("/api/v1/audit/checkpoint")
    assert note.status_code == 200
    assert note.headers["content-type"] == "text/plain; charset=utf-8"
    checkpoint, _ = open_checkpoint(note.text, [verifier])
    return checkpoint, verifier, note.text


def unb64(values: list[str]) -> list[bytes]:
    return [base64.b64decode(value) for value in values]


def test_trail_proofs_verify_against_the_signed_checkpoint(scene: Scene) -> None:
    trail = anchored_trail(scene.officer, scene.item_id, {"evidence.ingest", "evidence.view"})
    verifier = Verifier.from_key(trail["public_key"])
    checkpoint, _ = open_checkpoint(trail["checkpoint"], [verifier])
    assert checkpoint.size == trail["tree_size"]
    assert checkpoint.origin == "openbwv.local/audit"
    indexes = [event["index"] for event in trail["events"]]
    assert indexes == sorted(indexes) and len(set(indexes)) == len(indexes)
    for event in trail["events"]:
        leaf = base64.b64decode(event["entry"])
        assert json.loads(leaf) == event["event"]
        assert event["event"]["evidence_id"] == scene.item_id
        digest = leaf_hash(leaf)
        assert base64.b64decode(event["leaf_hash"]) == digest
        proof = unb64(event["inclusion_proof"])
        verify_inclusion(digest, event["index"], checkpoint.size, proof, checkpoint.root_hash)
        with pytest.raises(ProofError):  # one byte changed and the proof no longer holds
            forged = leaf.replace(b'"success"', b'"sucCess"')
            verify_inclusion(
                leaf_hash(forged), event["index"], checkpoint.size, proof, checkpoint.root_hash
            )


def test_checkpoint_signature_checks_out_and_a_forgery_does_not(scene: Scene) -> None:
    checkpoint, verifier, note = signed_checkpoint(scene.officer)
    assert checkpoint.size > 0
    tampered = note.replace(f"\n{checkpoint.size}\n", f"\n{checkpoint.size + 1}\n", 1)
    with pytest.raises(ValueError, match="invalid signature"):
        open_checkpoint(tampered, [verifier])


def test_entries_and_proof_endpoints_verify_independently(scene: Scene) -> None:
    anchored_trail(scene.auditor, scene.item_id, {"evidence.ingest"})
    first, _, _ = signed_checkpoint(scene.auditor)
    start = max(0, first.size - 5)
    page = scene.auditor.get(
        "/api/v1/audit/entries", params={"start": start, "end": first.size - 1}
    )
    assert page.status_code == 200, page.text
    body = page.json()
    assert [entry["index"] for entry in body["entries"]] == list(range(start, first.size))
    for entry in body["entries"]:
        leaf = base64.b64decode(entry["entry"])
        assert json.loads(leaf) == entry["event"]
        proof = scene.auditor.get(
            "/api/v1/audit/proof/inclusion",
            params={"index": entry["index"], "tree_size": first.size},
        ).json()
        assert base64.b64decode(proof["leaf_hash"]) == leaf_hash(leaf)
        verify_inclusion(
            leaf_hash(leaf), entry["index"], first.size, unb64(proof["proof"]), first.root_hash
        )

    # The log grows (these reads are audited); a later checkpoint extends the first.
    for _ in range(3):
        scene.officer.get(f"/api/v1/evidence/{scene.item_id}")

    def grown() -> Checkpoint | None:
        checkpoint, _, _ = signed_checkpoint(scene.auditor)
        return checkpoint if checkpoint.size > first.size else None

    second = wait_until(grown, timeout=60, what="a larger checkpoint")
    proof = scene.auditor.get(
        "/api/v1/audit/proof/consistency", params={"first": first.size, "second": second.size}
    ).json()
    assert (proof["first"], proof["second"]) == (first.size, second.size)
    verify_consistency(
        first.size, second.size, unb64(proof["proof"]), first.root_hash, second.root_hash
    )
    with pytest.raises(ProofError):
        verify_consistency(
            first.size, second.size, unb64(proof["proof"]), bytes(32), second.root_hash
        )


def test_sizes_and_indexes_are_validated(scene: Scene) -> None:
    checkpoint, _, _ = signed_checkpoint(scene.auditor)
    size = checkpoint.size
    bad = [
        ("/api/v1/audit/proof/inclusion", {"index": 0, "tree_size": 0}),
        ("/api/v1/audit/proof/inclusion", {"index": 0, "tree_size": size + 1000}),
        ("/api/v1/audit/proof/inclusion", {"index": size, "tree_size": size}),
        ("/api/v1/audit/proof/inclusion", {"index": -1, "tree_size": size}),
        ("/api/v1/audit/proof/consistency", {"first": 0, "second": size}),
        ("/api/v1/audit/proof/consistency", {"first": 2, "second": 1}),
        ("/api/v1/audit/proof/consistency", {"first": 1, "second": size + 1000}),
        ("/api/v1/audit/entries", {"start": size + 1000}),
        ("/api/v1/audit/entries", {"start": -1}),
        ("/api/v1/audit/entries", {"start": 3, "end": 2}),
    ]
    for path, params in bad:
        response = scene.auditor.get(path, params=params)
        assert response.status_code == 400, (path, params, response.text)
        problem = response.json()
        assert response.headers["content-type"] == "application/problem+json"
        assert problem["detail"], problem
    garbage = scene.auditor.get(
        "/api/v1/audit/proof/inclusion", params={"index": "x", "tree_size": 1}
    )
    assert garbage.status_code == 422
    capped = scene.auditor.get("/api/v1/audit/entries", params={"start": 0, "end": size + 10**6})
    assert capped.status_code == 200
    page = capped.json()  # the log may have grown meanwhile: it answers for its own tree size
    assert page["tree_size"] >= size
    assert len(page["entries"]) == page["end"] + 1 == min(page["tree_size"], 1000)


def test_entries_default_to_the_newest_page(scene: Scene) -> None:
    """Without `start` (it answered 422), the last 1000 entries up to the latest checkpoint."""
    anchored_trail(scene.auditor, scene.item_id, {"evidence.ingest"})
    newest = scene.auditor.get("/api/v1/audit/entries")
    assert newest.status_code == 200, newest.text
    page = newest.json()
    size = page["tree_size"]
    assert size > 0 and page["end"] == size - 1 and page["start"] == max(0, size - 1000)
    assert [e["index"] for e in page["entries"]] == list(range(page["start"], size))
    # With only `end`: the page that ends there.
    upto = scene.auditor.get("/api/v1/audit/entries", params={"end": 2}).json()
    assert (upto["start"], upto["end"]) == (0, 2)
    assert [e["index"] for e in upto["entries"]] == [0, 1, 2]
    assert scene.officer.get("/api/v1/audit/entries").status_code == 403


def test_who_may_read_what(scene: Scene) -> None:
    item = scene.item_id
    trail_path = f"/api/v1/evidence/{item}/audit"
    # The auditor reads entries and trails, never the footage or the item itself.
    assert scene.auditor.get("/api/v1/audit/entries", params={"start": 0}).status_code == 200
    assert scene.auditor.get(trail_path).status_code == 200
    for path in ("", "/original", "/playback", "/thumbnail"):
        assert scene.auditor.get(f"/api/v1/evidence/{item}{path}").status_code == 404
    # The officer sees their own item's trail but not the log's entries.
    assert scene.officer.get(trail_path).status_code == 200
    denied = scene.officer.get("/api/v1/audit/entries", params={"start": 0})
    assert denied.status_code == 403
    # Everyone authenticated may fetch the checkpoint, the key and proofs (hashes only).
    for c in (scene.officer, scene.outsider, scene.auditor):
        assert c.get("/api/v1/audit/checkpoint").status_code == 200
        assert c.get("/api/v1/audit/public-key").status_code == 200
        assert (
            c.get("/api/v1/audit/proof/inclusion", params={"index": 0, "tree_size": 1}).status_code
            == 200
        )
    # Another borough's item is indistinguishable from one that does not exist.
    missing = f"/api/v1/evidence/{uuid.uuid4()}/audit"
    for path in (trail_path, f"/api/v1/evidence/{item}/custody-report", missing):
        response = scene.outsider.get(path)
        assert response.status_code == 404, path
        assert response.json()["detail"] == "no such evidence item"
    assert scene.auditor.get(missing).status_code == 404
    assert scene.auditor.get("/api/v1/evidence/not-a-uuid/audit").status_code == 404
    # Nothing without authentication but what is public by nature: the key and the checkpoint.
    for path in (
        trail_path,
        "/api/v1/audit/entries?start=0",
        "/api/v1/audit/proof/consistency?first=1&second=1",
    ):
        assert scene.anonymous.get(path).status_code == 401, path


def actions_of(username: str) -> list[tuple[str, str, str | None]]:
    """What a user did (acting through their token: the actor's name carries the username)."""
    with unit_of_work() as session:
        rows = session.execute(
            select(AuditEvent.action, AuditEvent.result, AuditEvent.evidence_id)
            .where(AuditEvent.actor_name.contains(username))
            .order_by(AuditEvent.id)
        ).all()
    return [
        (action, result, str(evidence) if evidence else None) for action, result, evidence in rows
    ]


def test_every_call_is_audited(scene: Scene) -> None:
    before = len(actions_of(scene.auditor_name))
    scene.auditor.get("/api/v1/audit/checkpoint")
    scene.auditor.get("/api/v1/audit/public-key")
    scene.auditor.get("/api/v1/audit/entries", params={"start": 0, "end": 1})
    scene.auditor.get("/api/v1/audit/proof/inclusion", params={"index": 0, "tree_size": 1})
    scene.auditor.get(f"/api/v1/evidence/{scene.item_id}/audit")
    scene.auditor.get(f"/api/v1/evidence/{scene.item_id}/custody-report")
    new = actions_of(scene.auditor_name)[before:]
    assert [(a, r) for a, r, _ in new] == [
        ("audit.checkpoint", "success"),
        ("audit.public_key", "success"),
        ("audit.entries", "success"),
        ("audit.proof", "success"),
        ("audit.trail", "success"),
        ("audit.custody_report", "success"),
    ]
    assert new[4][2] == scene.item_id and new[5][2] == scene.item_id
    officer_before = len(actions_of(scene.officer_name))
    scene.officer.get("/api/v1/audit/entries", params={"start": 0})
    assert actions_of(scene.officer_name)[officer_before:] == [("audit.read", "denied", None)]


def test_custody_report_html_and_pdf(scene: Scene) -> None:
    trail = anchored_trail(scene.officer, scene.item_id, {"evidence.ingest", "evidence.view"})
    item = scene.officer.get(f"/api/v1/evidence/{scene.item_id}").json()
    html = scene.officer.get(f"/api/v1/evidence/{scene.item_id}/custody-report")
    assert html.status_code == 200
    assert html.headers["content-type"] == "text/html; charset=utf-8"
    page = html.text
    assert item["sha256"] in page
    assert "<script" not in page and "http://" not in page and "https://" not in page
    for event in trail["events"]:
        assert f'id="leaf-{event["index"]}"' in page
        assert base64.b64decode(event["leaf_hash"]).hex() in page
    assert "SHA-256 of the byte 0x00 followed by the entry" in page
    assert trail["public_key"] in page

    pdf = scene.officer.get(
        f"/api/v1/evidence/{scene.item_id}/custody-report", params={"format": "pdf"}
    )
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and pdf.content.rstrip().endswith(b"%%EOF")
    reader = PdfReader(io.BytesIO(pdf.content))
    text = "".join(p.extract_text() for p in reader.pages)
    assert item["sha256"] in text.replace("\n", "")
    for event in trail["events"][:3]:
        assert base64.b64decode(event["leaf_hash"]).hex() in text
    assert (
        scene.auditor.get(
            f"/api/v1/evidence/{scene.item_id}/custody-report", params={"format": "pdf"}
        ).status_code
        == 200
    )
    assert (
        scene.officer.get(
            f"/api/v1/evidence/{scene.item_id}/custody-report", params={"format": "doc"}
        ).status_code
        == 422
    )


def test_the_whole_platform_log_verifies(scene: Scene, tmp_path: Path) -> None:
    """The shared log, after everything above, passes `bwv audit verify`, also against a
    checkpoint saved from the API."""
    _, _, note = signed_checkpoint(scene.officer)
    saved = tmp_path / "saved.txt"
    saved.write_text(note)
    result = CliRunner().invoke(cli(), ["audit", "verify", "--checkpoint", str(saved)])
    assert result.exit_code == 0, result.output
    assert "OK:" in result.output


NAMES = "Ólafsdóttir, Đặng, Σοφία, Олена"


def _note_in(text: str) -> str:
    """The checkpoint as printed: its lines, from the origin to the signature line."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line == "openbwv.local/audit")
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("— "))
    body = lines[start:end]
    return "\n".join(body) + "\n\n" + lines[end] + "\n"


def test_the_pdf_report_prints_every_character_and_the_checkpoint_exactly(
    scene: Scene, tmp_path: Path
) -> None:
    clip = make_clip(tmp_path / "names.mp4", seconds=1, seed=5151)
    created = tus.upload(scene.officer, clip.read_bytes(), {"filename": f"{NAMES}.mp4"})
    item_id = created.headers["Evidence-Location"].rstrip("/").rsplit("/", 1)[-1]
    trail = anchored_trail(scene.officer, item_id, {"evidence.ingest"})
    verifier = Verifier.from_key(trail["public_key"])
    pdf = scene.officer.get(f"/api/v1/evidence/{item_id}/custody-report", params={"format": "pdf"})
    assert pdf.status_code == 200
    reader = PdfReader(io.BytesIO(pdf.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert NAMES in text
    assert "?" not in text.replace("?format", "")  # nothing replaced on the way into the PDF
    attached = reader.attachments["checkpoint.txt"][0].decode("utf-8")
    printed = _note_in(text)
    assert printed == attached  # the note as printed, byte for byte (the blank line restored)
    checkpoint, _ = open_checkpoint(printed, [verifier])
    assert checkpoint.size >= trail["tree_size"]


def test_the_verifier_key_and_checkpoint_are_public_and_rate_limited(
    scene: Scene, live_server: str, stack: Stack
) -> None:
    """An outside verifier needs no account: the key and the latest checkpoint answer without
    credentials, are not recorded (a signed-in fetch still is), and are limited per address."""
    before = len(actions_of("anonymous"))
    # A loopback address of its own, so the limit it reaches is this test's alone (one per
    # deployment: both live servers run in this process, and so share its per-address counts).
    transport = httpx.HTTPTransport(local_address=f"127.0.0.{9 + PROFILES.index(stack.profile)}")
    with httpx.Client(base_url=live_server, transport=transport, timeout=30) as outside:
        key = outside.get("/api/v1/audit/public-key")
        assert key.status_code == 200, key.text
        verifier = Verifier.from_key(key.text.strip())
        note = outside.get("/api/v1/audit/checkpoint")
        assert note.status_code == 200
        open_checkpoint(note.text, [verifier])  # verifies with the key fetched anonymously
        bad = outside.get(
            "/api/v1/audit/public-key", headers={"Authorization": "Bearer bwv_not_a_token"}
        )
        assert bad.status_code == 401  # credentials presented are checked, never ignored
        answers = [outside.get("/api/v1/audit/public-key").status_code for _ in range(60)]
    assert answers.count(200) == 59 and answers[-1] == 429  # 60 a minute, the first one above
    assert len(actions_of("anonymous")) == before
    assert scene.anonymous.get("/api/v1/audit/checkpoint").status_code == 200  # another address


def test_integers_past_64_bits_are_refused_not_overflowed(scene: Scene) -> None:
    huge = str(2**63)  # one past the largest 64-bit integer: it answered 500
    cases = [
        (f"/api/v1/evidence/{scene.item_id}/audit", {"after": huge}),
        ("/api/v1/audit/entries", {"start": huge}),
        ("/api/v1/audit/entries", {"start": 0, "end": huge}),
        ("/api/v1/audit/proof/inclusion", {"index": 0, "tree_size": huge}),
        ("/api/v1/audit/proof/inclusion", {"index": huge, "tree_size": 1}),
        ("/api/v1/audit/proof/consistency", {"first": 1, "second": huge}),
    ]
    for path, params in cases:
        response = scene.auditor.get(path, params=params)
        assert response.status_code == 422, (path, params, response.text)
        assert response.headers["content-type"] == "application/problem+json"
