"""Who is acting: the authenticated principal every request and task carries."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

SCOPE_RANK = {"none": 0, "shared": 1, "own": 2, "team": 3, "borough": 4, "force": 5}


@dataclass(frozen=True)
class Principal:
    id: uuid.UUID  # the user's id, or the token's for a token without a user
    name: str
    kind: str = "token"  # user | token | system
    roles: tuple[str, ...] = ()
    permissions: frozenset[str] = field(default_factory=frozenset)
    scope: str = "none"  # the widest evidence scope of its roles
    user_id: uuid.UUID | None = None
    borough: str | None = None
    team_id: uuid.UUID | None = None
    external: bool = False
    session_id: uuid.UUID | None = None

    @property
    def role(self) -> str:
        return self.roles[0] if self.roles else ""

    def can(self, permission: str) -> bool:
        return permission in self.permissions


SYSTEM = Principal(id=uuid.UUID(int=0), name="system", kind="system", scope="force")
