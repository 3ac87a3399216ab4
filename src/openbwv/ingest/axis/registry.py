"""`System/`, `Users/` and `Devices/`: what the body worn system registers, and what we publish.

The body worn system stores its system id object (StoreReadSystemID: it reads it back to check it
talks to the same destination), one object per user (`Users/<UserUUID>`: Name, UserID, Active)
and per camera (`Devices/<BWCSerialNumber>`: Name, Model, Active). Each is kept with its metadata
and linked to the openbwv officer (UserID = warrant number or username) or fleet camera (serial)
it names. `Capabilities.json` and `Categories.json` (the force's categories) are published by us,
read-only, each with the MD5 ETag the body worn system checks.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from openbwv.fleet.cameras.queries import find_camera
from openbwv.ingest.axis import errors, queries
from openbwv.ingest.axis.models import AxisEntity
from openbwv.ingest.axis.names import CAPABILITIES, CATEGORIES, DEVICES, USERS
from openbwv.timeutil import utcnow

MAX_ENTITY_BODY = 64 * 1024
CAPABILITY_DOCUMENT: dict[str, dict[str, bool]] = {
    "Read": {"ReadCategories": True},
    "Store": {
        "StoreBookmarks": True,
        "StoreRejectedContent": True,
        "StoreUserIDKey": True,
        "StoreSignedVideo": False,  # signed video cannot yet be verified and shown as such
        "StoreGNSSTrackRecording": True,
    },
    "StoreAndRead": {"StoreReadSystemID": True},
}
PUBLISHED = (CAPABILITIES, CATEGORIES)


@dataclass(frozen=True)
class Served:
    """An object as served by HEAD/GET."""

    body: bytes
    content_type: str
    meta: dict[str, str]
    md5: str
    last_modified: datetime


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def capabilities_body() -> bytes:
    return _json(CAPABILITY_DOCUMENT)


def categories_body(session: Session) -> bytes:
    return _json([{"Name": c.label, "Id": c.name} for c in queries.categories(session)])


def published(session: Session, name: str) -> Served | None:
    if name == CAPABILITIES:
        body = capabilities_body()
    elif name == CATEGORIES:
        body = categories_body(session)
    else:
        return None
    return Served(body, "application/json", {}, hashlib.md5(body).hexdigest(), utcnow())  # noqa: S324


def check_system(existing: AxisEntity | None, meta: dict[str, str]) -> dict[str, str]:
    """The ConnectionId is set when the system object is created and never changes."""
    if existing is None:
        return meta
    before = existing.meta.get("ConnectionId")
    after = meta.get("ConnectionId")
    if before and after and before != after:
        raise errors.forbidden("the ConnectionId of a system object never changes")
    return {**meta, "ConnectionId": before} if before and not after else meta


def link(session: Session, entity: AxisEntity) -> None:
    """Resolve the officer or camera an entity names (again: either may be added later)."""
    if entity.container == USERS:
        reference = entity.meta.get("UserID")
        entity.alias = reference[:128] if reference else None
        user = queries.find_officer(session, reference) if reference else None
        entity.user_id = user.id if user else None
    elif entity.container == DEVICES:
        camera = find_camera(session, entity.name)
        entity.camera_id = camera.id if camera else None


def served_entity(session: Session, account: str, container: str, name: str) -> Served | None:
    entity = queries.entity(session, account, container, name)
    if entity is None:
        return None
    return Served(
        entity.body, "application/octet-stream", dict(entity.meta), entity.md5, entity.updated_at
    )


def officer_reference(user: AxisEntity | None, user_ref: str) -> str:
    """What the evidence records as the officer: the user's UserID (warrant number or
    username) when the body worn system has one, else the reference the recording carries."""
    if user is not None and user.meta.get("UserID"):
        return user.meta["UserID"][:64]
    return user_ref[:64]
