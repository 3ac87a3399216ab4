"""A small force for access tests: two boroughs, teams, officers, and items in every relation to
a subject (own, team, same borough, other borough, restricted, linked to the subject's case)."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

from PIL import Image

from tests.support.stack import Stack

HOME = "E09000033"  # Westminster
AWAY = "E09000007"  # Camden
RELATIONS = ("own", "team", "borough", "other_borough", "restricted", "case")
ROLES = (
    "officer",
    "supervisor",
    "investigator",
    "disclosure_officer",
    "professional_standards",
    "information_rights",
    "fleet_manager",
    "administrator",
    "auditor",
    "device",
    "external",
)


@dataclass
class Subject:
    role: str
    user: Any
    token: str
    items: dict[str, uuid.UUID] = field(default_factory=dict)
    case_id: uuid.UUID | None = None


def _jpeg() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (32, 18), (40, 90, 160)).save(buffer, "JPEG")
    return buffer.getvalue()


def make_item(owner: Any, categories: tuple[str, ...] = ()) -> uuid.UUID:
    """An evidence item with a real stored original and thumbnails, owned by `owner`."""
    from openbwv.db.session import unit_of_work
    from openbwv.evidence.models import (
        Derivative,
        DerivativeKind,
        DerivativeStatus,
        EvidenceCategory,
        EvidenceItem,
    )
    from openbwv.storage.factory import derivatives, originals

    original = originals().put_bytes(os.urandom(2048))
    poster = derivatives().put_bytes(_jpeg())
    with unit_of_work() as session:
        item = EvidenceItem(
            sha256=original.sha256,
            size_bytes=original.size,
            media_type="video/mp4",
            source="test",
            officer=owner.username,
            officer_user_id=owner.id,
            borough=owner.borough,
            team_id=owner.team_id,
            status="ready",
        )
        session.add(item)
        session.flush()
        for kind in (DerivativeKind.POSTER, DerivativeKind.STRIP):
            session.add(
                Derivative(
                    evidence_id=item.id,
                    kind=kind,
                    params={},
                    params_hash="0" * 64,
                    storage_key=poster.key,
                    sha256=poster.sha256,
                    size_bytes=poster.size,
                    media_type="image/jpeg",
                )
            )
        session.add(
            Derivative(
                evidence_id=item.id,
                kind=DerivativeKind.PLAYBACK,
                params={},
                params_hash="0" * 64,
                status=DerivativeStatus.NOT_NEEDED,
            )
        )
        for category in categories:
            session.add(EvidenceCategory(evidence_id=item.id, category=category))
        return item.id


def make_case(owner: Any, members: list[tuple[Any, str]], items: list[uuid.UUID]) -> uuid.UUID:
    from openbwv.cases.models import Case, CaseItem, CaseMember
    from openbwv.db.session import unit_of_work

    with unit_of_work() as session:
        case = Case(
            crime_reference=f"CR{uuid.uuid4().hex[:10]}",
            title="Test case",
            borough=owner.borough,
            created_by=owner.id,
        )
        session.add(case)
        session.flush()
        for member, role in members:
            session.add(CaseMember(case_id=case.id, user_id=member.id, role=role))
        for item_id in items:
            session.add(CaseItem(case_id=case.id, evidence_id=item_id))
        return case.id


def build_subjects(stack: Stack) -> dict[str, Subject]:
    """One subject per role, all in Westminster team A1, each with items in every relation."""
    team = f"A1-{uuid.uuid4().hex[:6]}"
    teammate = stack.user("officer", borough=HOME, team=team)
    colleague = stack.user("officer", borough=HOME, team=f"A2-{uuid.uuid4().hex[:6]}")
    away = stack.user("officer", borough=AWAY, team=f"B1-{uuid.uuid4().hex[:6]}")
    subjects = {}
    for role in ROLES:
        if role == "external":
            user = stack.user(role, kind="external")
        else:
            user = stack.user(role, borough=HOME, team=team)
        subject = Subject(role, user, stack.user_token(user))
        subject.items = {
            "own": make_item(user),
            "team": make_item(teammate),
            "borough": make_item(colleague),
            "other_borough": make_item(away),
            "restricted": make_item(teammate, ("domestic_abuse",)),
            "case": make_item(away),
        }
        member_role = "external" if role == "external" else "member"
        subject.case_id = make_case(away, [(user, member_role)], [subject.items["case"]])
        subjects[role] = subject
    return subjects
