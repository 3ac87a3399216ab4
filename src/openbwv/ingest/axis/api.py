"""Every route of the Axis destination: the Swift protocol and its administration."""

from __future__ import annotations

from fastapi import APIRouter

from openbwv.ingest.axis import admin, swift

router = APIRouter()
# The routes themselves (not nested routers), so the application's route table lists them.
router.routes.extend([*swift.router.routes, *admin.router.routes])
