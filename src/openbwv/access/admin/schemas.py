"""API shapes for people, roles, grants, tokens and categories."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from openbwv.timeutil import utcnow


class UserIn(BaseModel):
    username: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{1,63}$")
    display_name: str = Field(min_length=1, max_length=128)
    roles: list[str] = Field(default_factory=list, max_length=20)
    borough: str | None = Field(default=None, max_length=64)
    team: str | None = Field(default=None, max_length=100)
    warrant_number: str | None = Field(default=None, max_length=32)
    shoulder_number: str | None = Field(default=None, max_length=32)
    email: str | None = Field(default=None, max_length=254)
    kind: str = Field(default="internal", pattern="^(internal|external)$")
    organisation: str | None = Field(default=None, max_length=128)
    password: str | None = Field(default=None, min_length=12, max_length=1024)


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    username: str
    display_name: str
    warrant_number: str | None
    shoulder_number: str | None
    kind: str
    organisation: str | None
    borough: str | None
    team_id: uuid.UUID | None
    active: bool
    totp_enabled: bool
    role_names: list[str]
    last_login_at: datetime | None
    locked_until: datetime | None = Field(
        description="While sign-in is locked (too many failures): when the lock ends; else null."
    )
    must_change_password: bool

    @field_validator("locked_until")
    @classmethod
    def _only_a_live_lock(cls, value: datetime | None) -> datetime | None:
        return value if value is not None and value > utcnow() else None


class PasswordIn(BaseModel):
    password: str = Field(min_length=12, max_length=1024)
    temporary: bool = Field(
        default=True, description="The user must set a new password at their next sign-in."
    )


class RolesIn(BaseModel):
    roles: list[str] = Field(max_length=20)


class GrantIn(BaseModel):
    kind: str = Field(pattern="^(category|borough)$")
    target: str = Field(min_length=1, max_length=64)
    reason: str = Field(min_length=5, max_length=2000)


class GrantOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    user_id: uuid.UUID
    kind: str
    target: str
    reason: str | None
    expires_at: datetime | None
    revoked_at: datetime | None


class RoleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    description: str
    permissions: list[str]
    scope: str
    builtin: bool


class RoleIn(BaseModel):
    description: str = Field(default="", max_length=255)
    permissions: list[str] = Field(max_length=100)
    scope: str = Field(pattern="^(none|own|team|borough|force|shared)$")


class TokenIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    role: str = Field(min_length=1, max_length=32)
    expires_days: int = Field(default=0, ge=0, le=3650)
    borough: str | None = Field(default=None, max_length=64)
    scopes: list[str] = Field(default_factory=list, max_length=50)


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    role: str
    prefix: str
    borough: str | None
    scopes: list[str]
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class CategoryIn(BaseModel):
    label: str = Field(min_length=1, max_length=100)
    restricted: bool = False
    evidential: bool = True
    retention_days: int | None = Field(default=None, ge=1, le=36500)


class CategoryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    label: str
    restricted: bool
    evidential: bool
    retention_days: int | None
    builtin: bool
