"""Making identities, clips and recordings for the Axis tests (unique per call: tests share a
database), and reading back what became of them."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from openbwv.db.session import unit_of_work
from openbwv.ingest.axis.client import AxisClient, BookmarkSpec, ClipSpec, RecordingSpec
from openbwv.media.synth import make_clip
from tests.support.waiting import wait_until


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:10].upper()}"


def officer(stack: Any) -> Any:
    """An openbwv officer with a warrant number (what the body worn system's UserID holds)."""
    from openbwv.access.admin.service import UserSpec, create_user

    warrant = unique("W")
    with unit_of_work() as session:
        user = create_user(
            session,
            UserSpec(
                username=warrant.lower(),
                display_name="PC Axis",
                roles=["officer"],
                borough="E09000033",
                team="Team A",
                warrant_number=warrant,
            ),
        )
        session.expunge(user)
    return user


def fleet_camera() -> str:
    """A camera in the fleet; returns its serial."""
    from openbwv.fleet.models import Camera

    serial = unique("ACCC8E")
    with unit_of_work() as session:
        session.add(Camera(serial=serial, model="W110"))
    return serial


def registered(client: AxisClient, warrant: str | None, serial: str) -> str:
    """Register a user (with `warrant` as its UserID) and a camera; returns the user's UUID."""
    user_uuid = str(uuid.uuid4())
    client.register_user(user_uuid, "PC Axis", user_id=warrant)
    client.register_device(serial, f"Camera {serial[-4:]}")
    return user_uuid


def clip_bytes(tmp_path: Path, seed: int, *, container: str = "mkv", seconds: float = 2) -> bytes:
    path = make_clip(
        tmp_path / f"clip-{seed}.{container}", seconds=seconds, seed=seed, container=container
    )  # type: ignore[arg-type]
    return path.read_bytes()


def recording(
    tmp_path: Path,
    seed: int,
    user: str,
    serial: str,
    *,
    clips: int = 1,
    container: str = "mkv",
    start: datetime | None = None,
    bookmarks: list[BookmarkSpec] | None = None,
    track: bool = False,
) -> RecordingSpec:
    """A recording of `clips` two-second clips, starting an hour ago (or at `start`)."""
    began = (start or datetime.now(UTC) - timedelta(hours=1)).replace(microsecond=0)
    specs = []
    for index in range(clips):
        at = began + timedelta(seconds=2 * index)
        data = clip_bytes(tmp_path, seed * 10 + index, container=container)
        specs.append(ClipSpec(data, at, at + timedelta(seconds=2), container))
    points = []
    if track:
        points = [
            (began + timedelta(seconds=s), 51.5 + s * 1e-4, -0.12 - s * 1e-4)
            for s in range(2 * clips)
        ]
    return RecordingSpec(
        user=user,
        serial=serial,
        clips=specs,
        trigger_on=began + timedelta(seconds=1),
        bookmarks=bookmarks or [],
        track=points,
    )


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def evidence(api: httpx.Client, evidence_id: str) -> dict[str, Any]:
    response = api.get(f"/api/v1/evidence/{evidence_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def wait_processed(api: httpx.Client, evidence_id: str, timeout: float = 120) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        item = evidence(api, evidence_id)
        return item if item["status"] != "processing" else None

    return wait_until(done, timeout=timeout, what=f"processing of evidence {evidence_id}")


def items_with_sha(api: httpx.Client, digest: str) -> list[dict[str, Any]]:
    return list(api.get("/api/v1/evidence", params={"sha256": digest}).json()["items"])


def categories_of(evidence_id: str) -> set[str]:
    from sqlalchemy import select

    from openbwv.evidence.models import EvidenceCategory

    with unit_of_work() as session:
        return set(
            session.scalars(
                select(EvidenceCategory.category).where(
                    EvidenceCategory.evidence_id == uuid.UUID(evidence_id)
                )
            )
        )


def markers_of(evidence_id: str) -> list[Any]:
    from openbwv.evidence.annotations.queries import markers_for

    with unit_of_work() as session:
        markers = markers_for(session, uuid.UUID(evidence_id))
        for marker in markers:
            session.expunge(marker)
    return markers


def audit_actions(evidence_id: str) -> list[str]:
    from sqlalchemy import select

    from openbwv.audit.models import AuditEvent

    with unit_of_work() as session:
        return list(
            session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.evidence_id == uuid.UUID(evidence_id))
                .order_by(AuditEvent.id)
            )
        )


def evidence_count() -> int:
    from sqlalchemy import func, select

    from openbwv.evidence.models import EvidenceItem

    with unit_of_work() as session:
        return int(session.scalar(select(func.count(EvidenceItem.id))) or 0)
