"""case membership expiry; case status open/closed (concluded_at becomes closed_at)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 07:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import openbwv.db.base

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case_members", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("expires_at", openbwv.db.base.UTCDateTime(timezone=True), nullable=True)
        )
    # Every case is open or closed: the old "concluded" (and anything else) reads as closed.
    op.execute("UPDATE cases SET status = 'closed' WHERE status IS NULL OR status <> 'open'")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.alter_column("concluded_at", new_column_name="closed_at")
        batch_op.alter_column(
            "status",
            existing_type=sa.String(length=16),
            existing_nullable=False,
            server_default="open",
        )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.alter_column(
            "status",
            existing_type=sa.String(length=16),
            existing_nullable=False,
            server_default=None,
        )
        batch_op.alter_column("closed_at", new_column_name="concluded_at")
    op.execute("UPDATE cases SET status = 'concluded' WHERE status = 'closed'")
    with op.batch_alter_table("case_members", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
