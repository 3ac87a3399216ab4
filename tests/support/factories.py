"""The one place tests make officers, cameras, evidence items and cases.

Everything made here is unique by construction (random warrant numbers, serials, hashes and
crime references), so tests can share one database per deployment without knowing of each other.
Officers and cameras go through the platform's own services; items are written as records (with
real stored bytes when the test needs them), since most tests are about who sees what, not about
ingest.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from datetime import datetime, timedelta
from io import BytesIO
from typing import Any

from PIL import Image

from openbwv.access.admin.service import UserSpec, create_user
from openbwv.access.policy.roles import FLEET_MANAGE, FLEET_READ
from openbwv.access.principal import Principal
from openbwv.cases.models import Case, CaseItem, CaseMember
from openbwv.db.session import unit_of_work
from openbwv.evidence.models import (
    Derivative,
    DerivativeKind,
    DerivativeStatus,
    EvidenceCategory,
    EvidenceItem,
)
from openbwv.fleet.cameras import service as camera_service
from openbwv.sharing import service as sharing
from openbwv.sharing.cli import OPERATOR as SHARING_OPERATOR
from openbwv.storage.factory import derivatives, originals

FLEET_ACTOR = Principal(
    id=uuid.UUID(int=99),
    name="fleet-test",
    kind="system",
    permissions=frozenset({FLEET_READ, FLEET_MANAGE}),
)


def unique(prefix: str, length: int = 10) -> str:
    return f"{prefix}{uuid.uuid4().hex[:length].upper()}"


def officer(
    borough: str = "E09000007",
    team: str | None = "Response A",
    *,
    display_name: str = "PC Test",
    shoulder_number: str | None = "123CK",
) -> Any:
    """A new officer (a user with the officer role and a warrant number); detached."""
    warrant = unique("W")
    with unit_of_work() as session:
        user = create_user(
            session,
            UserSpec(
                username=warrant.lower(),
                display_name=display_name,
                roles=["officer"],
                borough=borough,
                team=team,
                warrant_number=warrant,
                shoulder_number=shoulder_number,
            ),
        )
        session.expunge(user)
    return user


def camera(
    *,
    prefix: str = "CAM-",
    pool: bool = False,
    borough: str | None = "E09000007",
    model: str = "Axis W110",
    firmware: str | None = None,
    status: str = "in_stock",
) -> str:
    """A new camera in the fleet; returns its serial."""
    serial = unique(prefix)
    with unit_of_work() as session:
        camera_service.register_camera(
            session,
            FLEET_ACTOR,
            camera_service.CameraSpec(
                serial=serial,
                model=model,
                borough=borough,
                pool=pool,
                firmware_version=firmware,
                status=status,
            ),
        )
    return serial


def _jpeg() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (32, 18), (40, 90, 160)).save(buffer, "JPEG")
    return buffer.getvalue()


def _stored_derivatives(item_id: uuid.UUID) -> list[Derivative]:
    poster = derivatives().put_bytes(_jpeg())
    made = [
        Derivative(
            evidence_id=item_id,
            kind=kind,
            params={},
            params_hash="0" * 64,
            storage_key=poster.key,
            sha256=poster.sha256,
            size_bytes=poster.size,
            media_type="image/jpeg",
        )
        for kind in (DerivativeKind.POSTER, DerivativeKind.STRIP)
    ]
    made.append(
        Derivative(
            evidence_id=item_id,
            kind=DerivativeKind.PLAYBACK,
            params={},
            params_hash="0" * 64,
            status=DerivativeStatus.NOT_NEEDED,
        )
    )
    return made


def item(
    owner: Any,
    *,
    occurred: datetime | None = None,
    categories: tuple[str, ...] = (),
    camera: str | None = None,
    title: str | None = None,
    track: list[Any] | None = None,
    duration: float = 30.0,
    stored: bool = False,
    status: str = "ready",
    recording: str | None = None,
    content: bytes | None = None,
) -> uuid.UUID:
    """An evidence item owned by `owner`, in their borough and team. `stored`: with a real
        original in storage and thumbnails (for reads of bytes); else a record only (for lists and
        searches, where the bytes do not matter). `occurred`: its recorded start. `recording`: the
    key of the recording it is a clip of."""
    if stored:
        original = originals().put_bytes(content if content is not None else os.urandom(2048))
        sha256, size = original.sha256, original.size
    else:
        sha256, size = hashlib.sha256(uuid.uuid4().bytes).hexdigest(), 1000
    times: dict[str, Any] = {}
    if occurred is not None:
        times = {
            "recorded_start": occurred,
            "recorded_end": occurred + timedelta(seconds=duration),
            "occurred_at": occurred,
            "duration_seconds": duration,
        }
    with unit_of_work() as session:
        record = EvidenceItem(
            sha256=sha256,
            size_bytes=size,
            media_type="video/mp4",
            source="test",
            camera_serial=camera,
            officer=owner.username,
            officer_user_id=owner.id,
            borough=owner.borough,
            team_id=owner.team_id,
            title=title,
            gps_track=track,
            status=status,
            recording_key=recording,
            **times,
        )
        session.add(record)
        session.flush()
        if stored:
            session.add_all(_stored_derivatives(record.id))
        for category in categories:
            session.add(EvidenceCategory(evidence_id=record.id, category=category))
        return record.id


def case(owner: Any, members: list[tuple[Any, str]], items: list[uuid.UUID]) -> uuid.UUID:
    """A case in the owner's borough with these members (user, role) and linked items."""
    with unit_of_work() as session:
        made = Case(
            crime_reference=f"CR{uuid.uuid4().hex[:10]}",
            title="Test case",
            borough=owner.borough,
            created_by=owner.id,
        )
        session.add(made)
        session.flush()
        for member, role in members:
            session.add(CaseMember(case_id=made.id, user_id=member.id, role=role))
        for item_id in items:
            session.add(CaseItem(case_id=made.id, evidence_id=item_id))
        return made.id


def share_case(
    case_id: uuid.UUID, user: Any, *, download: bool = True, days: int = 30, **options: Any
) -> uuid.UUID:
    """Share a case's items with an external user (as the CLI's operator); the share's id."""
    with unit_of_work() as session:
        made = sharing.create_share(
            session,
            SHARING_OPERATOR,
            sharing.ShareRequest(
                case_id=str(case_id),
                recipient=sharing.Recipient("user", user.display_name, user_id=user.id),
                reason="Test share",
                allow_download=download,
                days=days,
                **options,
            ),
        )
        return made.share.id
