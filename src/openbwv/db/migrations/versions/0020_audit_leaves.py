"""audit log: events numbered in an insert-only leaf table, found through a pending queue

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 21:00:00.000000

The integrator numbered an event by updating its row (`audit_events.leaf_index`). On PostgreSQL
that wrote a new version of the wide row and an entry in each of its indexes, and the pending
scan walked the dead NULL entries of rows numbered moments ago: integration fell to 0.38 of the
append rate. Now an event row is never updated: its number is a row of `audit_leaves`
(leaf_index → event row), and the events still to number are rows of `audit_pending`, written
beside each event and deleted when it is numbered. Existing numbers and pending events move
across unchanged, so every leaf, proof and checkpoint stays as it was.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "audit_leaves",
        sa.Column("leaf_index", BigId, autoincrement=False, nullable=False),
        sa.Column("event_row", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("leaf_index", name=op.f("pk_audit_leaves")),
        sa.UniqueConstraint("event_row", name=op.f("uq_audit_leaves_event_row")),
    )
    op.create_table(
        "audit_pending",
        sa.Column("seq", BigId, autoincrement=True, nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_pending")),
    )
    op.execute(
        "INSERT INTO audit_leaves (leaf_index, event_row) "
        "SELECT leaf_index, id FROM audit_events WHERE leaf_index IS NOT NULL"
    )
    op.execute(
        "INSERT INTO audit_pending (event_id) "
        "SELECT event_id FROM audit_events WHERE leaf_index IS NULL ORDER BY id"
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_unintegrated")
        batch_op.drop_constraint("uq_audit_events_leaf_index", type_="unique")
        batch_op.drop_column("leaf_index")


def downgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("leaf_index", sa.BigInteger(), nullable=True))
        batch_op.create_unique_constraint("uq_audit_events_leaf_index", ["leaf_index"])
        batch_op.create_index("ix_audit_events_unintegrated", ["leaf_index", "id"], unique=False)
    op.execute(
        "UPDATE audit_events SET leaf_index = (SELECT leaf_index FROM audit_leaves "
        "WHERE audit_leaves.event_row = audit_events.id)"
    )
    op.drop_table("audit_pending")
    op.drop_table("audit_leaves")
