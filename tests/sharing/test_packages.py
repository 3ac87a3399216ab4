"""Evidence packages (docs/packages.md): a real package from real footage verifies with its own
verify.py; each kind of tampering turns exactly the affected entries red; the package is
recorded in the audit log with its SHA-256; the CLI builds the same."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from openbwv.access.models import User
from openbwv.access.policy.queries import principal_for_user
from openbwv.audit.events import record
from openbwv.audit.models import AuditEvent
from openbwv.audit.note import Signer, generate_signer, sign_note
from openbwv.audit.service import integrate
from openbwv.composition import cli
from openbwv.db.session import unit_of_work
from openbwv.evidence.models import EvidenceItem
from openbwv.sharing.packages import service
from openbwv.sharing.packages.c2pa_sign import read_credentials
from tests.sharing.package_helpers import Built, build_package, run_verify
from tests.support import factories
from tests.support.stack import Stack


@pytest.fixture(scope="module")
def built(
    stack: Stack, live_server: str, admin_token: str, tmp_path_factory: pytest.TempPathFactory
) -> Built:
    with httpx.Client(
        base_url=live_server, headers={"Authorization": f"Bearer {admin_token}"}, timeout=60
    ) as api:
        return build_package(stack, api, live_server, tmp_path_factory.mktemp("package"))


def test_a_real_package_verifies_and_says_what_it_holds(built: Built) -> None:
    result = run_verify(built.folder)
    assert result.returncode == 0, result.stdout + result.stderr
    for item_id in built.item_ids:
        assert f"OK   {item_id}" in result.stdout
    assert "OK   consistency" in result.stdout  # extends the checkpoint the recipient held
    unopened = run_verify(built.folder, built.zip_path)  # the ZIP itself, not unpacked
    assert unopened.returncode == 0, unopened.stdout
    manifest = json.loads((built.folder / "manifest.json").read_text())
    assert manifest["crime_reference"] == built.crime_reference
    assert manifest["recipient"] == "CPS London"
    paths = {record["path"]: record for record in manifest["files"]}
    for item in manifest["items"]:
        original = paths[item["files"]["original"]]
        assert original["sha256"] == item["original_sha256"]  # the original, byte for byte
        assert item["custody"]["events"] >= 1  # its ingest, at least
        copy = built.folder / item["files"]["playback"]
        credentials = read_credentials(copy)
        active = credentials["manifests"][credentials["active_manifest"]]
        assert item["original_sha256"] in active["ingredients"][0]["description"]
        assert active["ingredients"][0]["relationship"] == "parentOf"
        evidence = next(a for a in active["assertions"] if a["label"] == "org.openbwv.evidence")
        assert evidence["data"]["is_original"] is False
    graph = json.loads((built.folder / "provenance.jsonld").read_text())["@graph"]
    hashes = {
        facet["uco-observable:hash"][0]["uco-types:hashValue"]["@value"]
        for node in graph
        if node.get("@type") == "uco-observable:File"
        for facet in node["uco-core:hasFacet"]
        if "uco-observable:hash" in facet
    }
    assert {item["original_sha256"] for item in manifest["items"]} <= hashes


def test_the_package_is_in_the_audit_log_with_its_hash(built: Built) -> None:
    with unit_of_work() as session:
        event = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "package.export", AuditEvent.target_id == built.case_id)
            .order_by(AuditEvent.id.desc())
        ).first()
        assert event is not None
        details = event.details
    assert details["sha256"] == hashlib.sha256(built.zip_path.read_bytes()).hexdigest()
    manifest = (built.folder / "manifest.json").read_bytes()
    assert details["manifest_sha256"] == hashlib.sha256(manifest).hexdigest()
    assert details["recipient"] == "CPS London"
    assert details["package_id"] == built.headers["x-package-id"]


def _flip_clip(folder: Path, item: str) -> None:
    path = next((folder / "items" / item / "original").iterdir())
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def _edit_events(folder: Path, item: str, change: Callable[[dict[str, object]], bool]) -> None:
    path = folder / "custody" / "events.jsonl"
    kept, done = [], False
    for line in path.read_text().splitlines():
        event = json.loads(line)
        if not done and event["evidence_id"] == item:
            done = True
            if not change(event):
                continue  # removed
        kept.append(json.dumps(event))
    path.write_text("\n".join(kept) + "\n")


def _alter_proof(event: dict[str, object]) -> bool:
    proof = list(event["inclusion_proof"])  # type: ignore[call-overload]
    if not proof:
        proof = [base64.b64encode(bytes(32)).decode()]
    else:
        raw = bytearray(base64.b64decode(proof[0]))
        raw[0] ^= 0xFF
        proof[0] = base64.b64encode(bytes(raw)).decode()
    event["inclusion_proof"] = proof
    return True


def _forge_checkpoint(folder: Path) -> None:
    """A checkpoint claiming another root, signed by a forger's key of the same name."""
    path = folder / "custody" / "checkpoint.txt"
    origin, size, _root = path.read_text().split("\n\n")[0].splitlines()[:3]
    forger = Signer.from_key(generate_signer(origin)[0])
    fake_root = base64.b64encode(hashlib.sha256(b"forged").digest()).decode()
    path.write_text(sign_note(f"{origin}\n{size}\n{fake_root}\n", forger))


@pytest.mark.parametrize("tamper", ["byte", "event", "proof", "checkpoint"])
def test_tampering_turns_exactly_the_affected_entries_red(
    built: Built, tamper: str, tmp_path: Path
) -> None:
    folder = tmp_path / "copy"
    shutil.copytree(built.folder, folder)
    first, second = built.item_ids
    if tamper == "byte":
        _flip_clip(folder, first)
    elif tamper == "event":
        _edit_events(folder, first, lambda _event: False)
    elif tamper == "proof":
        _edit_events(folder, first, _alter_proof)
    else:
        _forge_checkpoint(folder)
    result = run_verify(folder)
    assert result.returncode == 1, result.stdout
    failed = {
        line.split()[1].rstrip(":")
        for line in result.stdout.splitlines()
        if line.startswith("FAIL")
    }
    if tamper == "checkpoint":  # nothing can be proved against it: every item with it
        assert failed == {"checkpoint", first, second}
        assert "signature does not verify" in result.stdout or "no signature" in result.stdout
    else:
        assert failed == {first}, result.stdout
        assert f"OK   {second}" in result.stdout
    reason = {
        "byte": "SHA-256 differs from the manifest",
        "event": "is missing",
        "proof": "inclusion proof fails",
        "checkpoint": "no valid checkpoint",
    }[tamper]
    assert reason in result.stdout


def test_the_cli_builds_a_package_that_verifies(built: Built, tmp_path: Path) -> None:
    out = tmp_path / "cli.zip"
    result = CliRunner().invoke(
        cli(),
        [
            "share",
            "package",
            "--case",
            built.crime_reference,
            "--out",
            str(out),
            "--copies",
            "original",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "SHA-256" in result.output
    with zipfile.ZipFile(out) as archive:
        archive.extractall(tmp_path / "cli")
        names = archive.namelist()
    assert not any(name.endswith("playback.mp4") for name in names)
    assert run_verify(tmp_path / "cli").returncode == 0


def test_withheld_items_are_left_out_or_refused_and_a_held_checkpoint_is_extended(
    stack: Stack, live_server: str, tmp_path: Path
) -> None:
    exporter = stack.user("disclosure_officer", borough="E09000033")
    plain = factories.item(exporter, stored=True)
    restricted = factories.item(exporter, categories=("domestic_abuse",), stored=True)
    flagged = factories.item(exporter, stored=True)
    with unit_of_work() as session:
        item = session.get(EvidenceItem, flagged)
        assert item is not None
        item.flags = [*item.flags, "do_not_disclose"]
    case_id = factories.case(exporter, [(exporter, "member")], [plain, restricted, flagged])
    headers = {"Authorization": f"Bearer {stack.user_token(exporter)}"}
    with httpx.Client(base_url=live_server, headers=headers, timeout=60) as client:
        assert client.get(f"/api/v1/evidence/{plain}").status_code == 200  # an audited read
        integrate()  # ... in a checkpoint the recipient holds
        held = client.get("/api/v1/audit/checkpoint").text
        url = f"/api/v1/cases/{case_id}/packages"
        chosen = client.post(url, json={"items": [str(restricted)], "copies": "original"})
        assert chosen.status_code == 409, chosen.text  # asked for by name: refused outright
        assert "restricted category" in chosen.json()["detail"]
        whole = client.post(url, json={"copies": "original", "known_checkpoint": held})
        assert whole.status_code == 200, whole.text
        assert whole.headers["x-package-withheld"] == "2"
        bad = client.post(url, json={"copies": "original", "known_checkpoint": "not a note\n"})
        assert bad.status_code == 422
    (tmp_path / "p.zip").write_bytes(whole.content)
    with zipfile.ZipFile(tmp_path / "p.zip") as archive:
        archive.extractall(tmp_path / "p")
    manifest = json.loads((tmp_path / "p" / "manifest.json").read_text())
    assert [item["evidence_id"] for item in manifest["items"]] == [str(plain)]
    result = run_verify(tmp_path / "p")
    assert result.returncode == 0, result.stdout
    assert "OK   consistency" in result.stdout  # the package's checkpoint extends the held one
    with unit_of_work() as session:
        event = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "package.export", AuditEvent.target_id == str(case_id))
            .order_by(AuditEvent.id.desc())
        ).first()
        assert event is not None
        reasons = {w["evidence_id"]: w["reason"] for w in event.details["withheld"]}
    assert reasons[str(flagged)] == "flagged do not disclose"
    assert "restricted category" in reasons[str(restricted)]


class _Revoked(Exception):
    pass


def test_a_failing_check_stops_the_stream_and_the_stop_is_recorded(stack: Stack) -> None:
    """Share downloads pass `check` (a share revoked mid-download raises from it)."""
    exporter = stack.user("disclosure_officer", borough="E09000033")
    items = [factories.item(exporter, stored=True) for _ in range(2)]
    case_id = factories.case(exporter, [(exporter, "member")], items)
    with unit_of_work() as session:
        principal = principal_for_user(session, session.get(User, exporter.id))
        record(session, principal, "evidence.view", evidence_id=items[0])  # a log to anchor
    calls = []

    def check() -> None:
        calls.append(1)
        if len(calls) > 1:  # the first file may go; the next is refused
            raise _Revoked

    stream = service.stream_package(
        principal, service.PackageRequest(case_id=str(case_id), copies="original", check=check)
    )
    sent = 0
    with pytest.raises(_Revoked):
        for chunk in stream:
            sent += len(chunk)
    assert 0 < sent < sum(2048 for _ in items) * 2  # the first original went, not the rest
    with unit_of_work() as session:
        event = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "package.export", AuditEvent.target_id == str(case_id))
            .order_by(AuditEvent.id.desc())
        ).first()
        assert event is not None
        assert event.result == "failure"
        assert event.details["stopped"] == "_Revoked"
        assert "sha256" not in event.details
