"""Writes of the policy: the built-in roles, seeded as reference data."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from openbwv.access.models import Role
from openbwv.access.policy.roles import DEFAULT_ROLE_SPECS


def ensure_builtin_roles(session: Session) -> None:
    """The built-in roles (reference data; idempotent: an administrator may change them)."""
    existing_roles = set(session.scalars(select(Role.name)))
    for spec in DEFAULT_ROLE_SPECS:
        if spec.name not in existing_roles:
            session.add(
                Role(
                    name=spec.name,
                    description=spec.description,
                    scope=spec.scope,
                    permissions=list(spec.permissions),
                    builtin=True,
                )
            )
