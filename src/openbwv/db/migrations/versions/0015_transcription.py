"""transcription: transcripts, their versions (machine and corrections) and the blocks a running
job has transcribed so far

Revision ID: 0015
Revises: 0012
Create Date: 2026-12-03 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import openbwv.db.base

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")
WHEN = openbwv.db.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "transcripts",
        sa.Column("evidence_id", sa.Uuid(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("model", JSON, nullable=False),
        sa.Column("settings", JSON, nullable=False),
        sa.Column("duration_seconds", sa.Double(), nullable=False),
        sa.Column("speech_seconds", sa.Double(), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evidence_id"],
            ["evidence_items.id"],
            name=op.f("fk_transcripts_evidence_id_evidence_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transcripts")),
        sa.UniqueConstraint("evidence_id", name=op.f("uq_transcripts_evidence_id")),
    )
    op.create_table(
        "transcript_versions",
        sa.Column("transcript_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("author", sa.String(length=128), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("segments", JSON, nullable=False),
        sa.Column("not_transcribed", JSON, nullable=False),
        sa.Column("changes", JSON, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["transcript_id"],
            ["transcripts.id"],
            name=op.f("fk_transcript_versions_transcript_id_transcripts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transcript_versions")),
        sa.UniqueConstraint(
            "transcript_id", "number", name=op.f("uq_transcript_versions_transcript_id_number")
        ),
    )
    op.create_table(
        "transcript_blocks",
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("first_sample", sa.BigInteger(), nullable=False),
        sa.Column("end_sample", sa.BigInteger(), nullable=False),
        sa.Column("result", JSON, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["jobs.id"],
            name=op.f("fk_transcript_blocks_job_id_jobs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("job_id", "first_sample", name=op.f("pk_transcript_blocks")),
    )
    op.create_index("ix_transcript_blocks_job", "transcript_blocks", ["job_id", "first_sample"])


def downgrade() -> None:
    op.drop_index("ix_transcript_blocks_job", table_name="transcript_blocks")
    op.drop_table("transcript_blocks")
    op.drop_table("transcript_versions")
    op.drop_table("transcripts")
