"""Every read of the Axis destination: auth tokens, containers, registered entities, objects,
and what a recording's objects touch when applied (its clips' items, the force's categories).

Reads of another domain go through its own queries where one answers exactly (device
credentials through `access`, cameras through `fleet`, a category by name through
`categories`); the rest are the protocol's own lookups of those tables.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openbwv.access.models import User
from openbwv.categories.models import Category
from openbwv.evidence.models import EvidenceCategory, EvidenceItem
from openbwv.ingest.axis.models import (
    AxisAuthToken,
    AxisContainer,
    AxisEntity,
    AxisObject,
    ObjectKind,
)
from openbwv.ingest.axis.names import DEVICES, USERS

# --- auth tokens ------------------------------------------------------------------------------


def auth_token(session: Session, token_hash: str) -> AxisAuthToken | None:
    return session.scalar(select(AxisAuthToken).where(AxisAuthToken.token_hash == token_hash))


# --- containers -------------------------------------------------------------------------------


def container(session: Session, container_id: uuid.UUID) -> AxisContainer | None:
    return session.get(AxisContainer, container_id)


def find_container(session: Session, account: str, name: str) -> AxisContainer | None:
    return session.scalar(
        select(AxisContainer).where(AxisContainer.account == account, AxisContainer.name == name)
    )


def container_names(session: Session, account: str) -> list[str]:
    return list(
        session.scalars(
            select(AxisContainer.name)
            .where(AxisContainer.account == account)
            .order_by(AxisContainer.name)
        )
    )


# --- objects ----------------------------------------------------------------------------------


def objects(session: Session, container_id: uuid.UUID) -> list[AxisObject]:
    """Every object version of a container, oldest first."""
    return list(
        session.scalars(
            select(AxisObject)
            .where(AxisObject.container_id == container_id)
            .order_by(AxisObject.created_at)
        )
    )


def versions(session: Session, container_id: uuid.UUID, name: str) -> list[AxisObject]:
    """The versions of one object, oldest first."""
    return list(
        session.scalars(
            select(AxisObject)
            .where(AxisObject.container_id == container_id, AxisObject.name == name)
            .order_by(AxisObject.created_at)
        )
    )


def objects_of_kind(
    session: Session, container_id: uuid.UUID, kind: ObjectKind
) -> list[AxisObject]:
    return list(
        session.scalars(
            select(AxisObject)
            .where(AxisObject.container_id == container_id, AxisObject.kind == kind)
            .order_by(AxisObject.created_at)
        )
    )


def latest_sizes(session: Session, container_id: uuid.UUID) -> dict[str, int]:
    """Each object name of a container with the size of its latest version."""
    rows = session.execute(
        select(AxisObject.name, AxisObject.size_bytes)
        .where(AxisObject.container_id == container_id)
        .order_by(AxisObject.created_at)
    )
    return {name: size for name, size in rows}


# --- System/, Users/ and Devices/ ---------------------------------------------------------------


def entity(session: Session, account: str, container: str, name: str) -> AxisEntity | None:
    return session.scalar(
        select(AxisEntity).where(
            AxisEntity.account == account,
            AxisEntity.container == container,
            AxisEntity.name == name,
        )
    )


def entities(session: Session, account: str, container: str) -> list[AxisEntity]:
    return list(
        session.scalars(
            select(AxisEntity)
            .where(AxisEntity.account == account, AxisEntity.container == container)
            .order_by(AxisEntity.name)
        )
    )


def find_user(session: Session, account: str, user_ref: str) -> AxisEntity | None:
    """The registered user a recording names: by its object name (the UserUUID), else by its
    user-supplied UserID (the most recently registered holder, the ID being unique)."""
    found = entity(session, account, USERS, user_ref)
    if found is not None:
        return found
    return session.scalar(
        select(AxisEntity)
        .where(
            AxisEntity.account == account,
            AxisEntity.container == USERS,
            AxisEntity.alias == user_ref,
        )
        .order_by(AxisEntity.updated_at.desc())
        .limit(1)
    )


def find_device(session: Session, account: str, serial: str) -> AxisEntity | None:
    return entity(session, account, DEVICES, serial)


def find_officer(session: Session, reference: str) -> User | None:
    """The openbwv user a UserID names: warrant number first, then username."""
    for column in (User.warrant_number, User.username):
        user = session.scalar(select(User).where(column == reference))
        if user is not None:
            return user
    return None


# --- categories and evidence items a recording is applied to ------------------------------------


def categories(session: Session) -> list[Category]:
    """The force's categories as published in Categories.json (by label, then name)."""
    return list(session.scalars(select(Category).order_by(Category.label, Category.name)))


def category_labelled(session: Session, label: str) -> Category | None:
    return session.scalar(select(Category).where(func.lower(Category.label) == label.lower()))


def item_category(session: Session, evidence_id: uuid.UUID, name: str) -> EvidenceCategory | None:
    return session.get(EvidenceCategory, (evidence_id, name))


def locked_items(session: Session, evidence_ids: list[uuid.UUID]) -> dict[uuid.UUID, EvidenceItem]:
    """Evidence items by id, row-locked and reloaded (one query for a recording's clips): the
    decryption job and the completion of its recording update the same item's metadata
    concurrently."""
    if not evidence_ids:
        return {}
    rows = session.scalars(
        select(EvidenceItem)
        .where(EvidenceItem.id.in_(evidence_ids))
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    return {item.id: item for item in rows}
