"""search at 10 M items: PostgreSQL statistics of how an item's camera, officer and team
determine its borough

Revision ID: 0019
Revises: 0017
Create Date: 2026-12-04 19:10:00.000000

A camera, an officer and a team each belong to one borough, so "camera X in borough B" matches
as many items as "camera X" alone. Without these statistics the planner multiplies the two
selectivities, expects a thirty-second of the camera's items, and joins the camera's index with
the whole borough's (312,000 entries at 10 M items: half a second) instead of walking the
camera's own newest items. Functional-dependency statistics tell it; ANALYZE fills them.
SQLite has no such statistics (and its planner does not make this choice).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATISTICS = "st_evidence_owner_dependencies"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"CREATE STATISTICS {STATISTICS} (dependencies)"
        " ON camera_serial, officer, officer_user_id, team_id, borough FROM evidence_items"
    )
    op.execute("ANALYZE evidence_items")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP STATISTICS IF EXISTS {STATISTICS}")
