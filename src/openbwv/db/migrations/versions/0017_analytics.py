"""analytics: complaints, their officers and linked footage, monthly counts; case outcomes and
the domestic abuse flag on cases

Revision ID: 0017
Revises: 0012
Create Date: 2026-12-03 14:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import openbwv.db.base

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = openbwv.db.base.UTCDateTime(timezone=True)
JSON = openbwv.db.base.JSONType


def upgrade() -> None:
    op.create_table(
        "complaints",
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("borough", sa.String(length=9), nullable=True),
        sa.Column("incident_number", sa.String(length=32), nullable=True),
        sa.Column("occurred_from", UTC, nullable=True),
        sa.Column("occurred_to", UTC, nullable=True),
        sa.Column("place", sa.String(length=200), nullable=True),
        sa.Column("allegations", JSON, nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("outcome_on", sa.Date(), nullable=True),
        sa.Column("hold_ids", JSON, nullable=False),
        sa.Column("simulated", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["borough"], ["boroughs.gss_code"], name=op.f("fk_complaints_borough_boroughs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaints")),
        sa.UniqueConstraint("reference", name=op.f("uq_complaints_reference")),
    )
    op.create_index("ix_complaints_received", "complaints", ["received_on"])
    op.create_table(
        "complaint_officers",
        sa.Column("complaint_id", sa.Uuid(), nullable=False),
        sa.Column("warrant", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("borough", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name=op.f("fk_complaint_officers_complaint_id_complaints"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("complaint_id", "warrant", name=op.f("pk_complaint_officers")),
    )
    op.create_index("ix_complaint_officers_team", "complaint_officers", ["team_id"])
    op.create_table(
        "complaint_items",
        sa.Column("complaint_id", sa.Uuid(), nullable=False),
        sa.Column("evidence_id", sa.Uuid(), nullable=False),
        sa.Column("linked_by", sa.String(length=128), nullable=False),
        sa.Column("linked_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name=op.f("fk_complaint_items_complaint_id_complaints"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["evidence_id"],
            ["evidence_items.id"],
            name=op.f("fk_complaint_items_evidence_id_evidence_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("complaint_id", "evidence_id", name=op.f("pk_complaint_items")),
    )
    op.create_table(
        "analytics_counts",
        sa.Column("borough", sa.String(length=9), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("measure", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("simulated", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["borough"], ["boroughs.gss_code"], name=op.f("fk_analytics_counts_borough_boroughs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_counts")),
        sa.UniqueConstraint(
            "borough",
            "team_id",
            "month",
            "measure",
            name=op.f("uq_analytics_counts_borough_team_id_month_measure"),
        ),
    )
    op.create_index("ix_analytics_counts_month", "analytics_counts", ["month", "measure"])
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("outcome", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("outcome_at", UTC, nullable=True))
        batch_op.add_column(
            sa.Column("domestic_abuse", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("domestic_abuse")
        batch_op.drop_column("outcome_at")
        batch_op.drop_column("outcome")
    op.drop_index("ix_analytics_counts_month", table_name="analytics_counts")
    op.drop_table("analytics_counts")
    op.drop_table("complaint_items")
    op.drop_index("ix_complaint_officers_team", table_name="complaint_officers")
    op.drop_table("complaint_officers")
    op.drop_index("ix_complaints_received", table_name="complaints")
    op.drop_table("complaints")
