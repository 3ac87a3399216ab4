"""What an Axis body worn system has told us: its tokens, containers, registered users and
devices, and every object it stored (each version kept: nothing a device sent is overwritten)."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from openbwv.db.base import Base, IdMixin, TimestampMixin
from openbwv.timeutil import utcnow


class AxisAuthToken(IdMixin, Base):
    """An X-Auth-Token handed out by `GET /auth/v1.0`: only its SHA-256 is kept."""

    __tablename__ = "axis_auth_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    api_token_id: Mapped[uuid.UUID] = mapped_column()  # the device credential behind it
    account: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    source_ip: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("ix_axis_auth_tokens_expires", "expires_at"),)


class ContainerKind(enum.StrEnum):
    SYSTEM = "system"
    USERS = "users"
    DEVICES = "devices"
    RECORDING = "recording"
    REJECTED = "rejected"  # RejectedContent_<time>_<uuid>: never refused


class RecordingStatus(enum.StrEnum):
    TRANSFERRING = "transferring"
    COMPLETE = "complete"  # Status: Complete received; sealed
    ABANDONED = "abandoned"  # never completed; finished by the sweeper, still open to the device


class AxisContainer(IdMixin, TimestampMixin, Base):
    __tablename__ = "axis_containers"

    account: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(512))
    kind: Mapped[str] = mapped_column(String(16))
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)  # X-Container-Meta-*, decoded
    user_ref: Mapped[str | None] = mapped_column(String(256))  # <UserID> from the name
    camera_serial: Mapped[str | None] = mapped_column(String(64))
    trigger_on: Mapped[datetime | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default=RecordingStatus.TRANSFERRING)
    completed_at: Mapped[datetime | None] = mapped_column()
    created_by: Mapped[uuid.UUID | None] = mapped_column()

    __table_args__ = (
        UniqueConstraint("account", "name"),
        Index("ix_axis_containers_status_updated", "status", "updated_at"),
    )


class AxisEntity(IdMixin, TimestampMixin, Base):
    """An object in System/, Users/ or Devices/: a body worn system, a user or a camera as the
    body worn system knows it, linked to the openbwv user or fleet camera it resolves to."""

    __tablename__ = "axis_entities"

    account: Mapped[str] = mapped_column(String(100))
    container: Mapped[str] = mapped_column(String(16))  # System | Users | Devices
    name: Mapped[str] = mapped_column(String(512))
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    body: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    md5: Mapped[str] = mapped_column(String(32))
    alias: Mapped[str | None] = mapped_column(String(128))  # Users: the user-supplied UserID
    user_id: Mapped[uuid.UUID | None] = mapped_column()  # Users: the resolved officer
    camera_id: Mapped[uuid.UUID | None] = mapped_column()  # Devices: the fleet camera
    created_by: Mapped[uuid.UUID | None] = mapped_column()

    __table_args__ = (
        UniqueConstraint("account", "container", "name"),
        Index("ix_axis_entities_alias", "account", "container", "alias"),
    )


class ObjectKind(enum.StrEnum):
    CLIP = "clip"
    KEY = "key"
    BOOKMARK = "bookmark"
    GNSS = "gnss"
    OTHER = "other"


class ClipState(enum.StrEnum):
    PROCESSING = "processing"  # plaintext: probe started
    AWAITING_KEY = "awaiting_key"  # looks encrypted; no key yet
    DECRYPTING = "decrypting"  # key matched; decryption job started


class AxisObject(IdMixin, Base):
    """One version of an object in a recording (or rejected content) container.

    Clips are evidence originals (in write-once storage, `evidence_id`); small objects (key files,
    bookmarks, GNSS tracks) are kept byte for byte in `body`.
    """

    __tablename__ = "axis_objects"

    container_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("axis_containers.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(1024))
    kind: Mapped[str] = mapped_column(String(16))
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    md5: Mapped[str] = mapped_column(String(32))
    sha256: Mapped[str] = mapped_column(String(64))
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    content_type: Mapped[str] = mapped_column(String(127), default="application/octet-stream")
    evidence_id: Mapped[uuid.UUID | None] = mapped_column()
    clip_state: Mapped[str | None] = mapped_column(String(16))
    key_object_id: Mapped[uuid.UUID | None] = mapped_column()  # the key that decrypts this
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    meta_updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[uuid.UUID | None] = mapped_column()

    __table_args__ = (
        UniqueConstraint("container_id", "name", "sha256"),
        Index("ix_axis_objects_container_name", "container_id", "name", "created_at"),
        Index("ix_axis_objects_evidence", "evidence_id"),
    )
