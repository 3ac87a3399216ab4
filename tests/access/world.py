"""A small force for access tests: two boroughs, teams, officers, and items in every relation to
a subject (own, team, same borough, other borough, restricted, linked to the subject's case)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from tests.support import factories
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


def make_item(owner: Any, categories: tuple[str, ...] = ()) -> uuid.UUID:
    """An evidence item with a real stored original and thumbnails, owned by `owner`."""
    return factories.item(owner, categories=categories, stored=True)


make_case = factories.case
share_case = factories.share_case


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
        if role == "external":  # membership gives an external user nothing: a share does
            share_case(subject.case_id, user)
        subjects[role] = subject
    return subjects
