"""search indexes: items by uploader; free text in titles and notes (SQLite FTS5 trigram,
PostgreSQL pg_trgm)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 09:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite: one trigram full-text table of every title and note, fed by triggers. It finds
# candidates for LIKE '%text%' through its index; the search then checks the real columns, so
# rows left behind by a changed title or a deleted item never show (they only cost space).
SQLITE_TEXT = [
    "CREATE VIRTUAL TABLE evidence_text USING fts5("
    "evidence_id UNINDEXED, body, tokenize = 'trigram')",
    "CREATE TRIGGER evidence_text_item AFTER INSERT ON evidence_items"
    " WHEN NEW.title IS NOT NULL BEGIN"
    " INSERT INTO evidence_text (evidence_id, body) VALUES (NEW.id, NEW.title); END",
    "CREATE TRIGGER evidence_text_title AFTER UPDATE OF title ON evidence_items"
    " WHEN NEW.title IS NOT NULL AND NEW.title IS NOT OLD.title BEGIN"
    " INSERT INTO evidence_text (evidence_id, body) VALUES (NEW.id, NEW.title); END",
    "CREATE TRIGGER evidence_text_note AFTER INSERT ON evidence_notes BEGIN"
    " INSERT INTO evidence_text (evidence_id, body) VALUES (NEW.evidence_id, NEW.text); END",
    "INSERT INTO evidence_text (evidence_id, body)"
    " SELECT id, title FROM evidence_items WHERE title IS NOT NULL"
    " UNION ALL SELECT evidence_id, text FROM evidence_notes",
]
SQLITE_TEXT_DOWN = [
    "DROP TRIGGER IF EXISTS evidence_text_note",
    "DROP TRIGGER IF EXISTS evidence_text_title",
    "DROP TRIGGER IF EXISTS evidence_text_item",
    "DROP TABLE IF EXISTS evidence_text",
]
POSTGRES_TEXT = [
    "CREATE INDEX ix_evidence_title_trgm ON evidence_items USING gin (title gin_trgm_ops)",
    "CREATE INDEX ix_evidence_notes_text_trgm ON evidence_notes USING gin (text gin_trgm_ops)",
]


def upgrade() -> None:
    with op.batch_alter_table("evidence_items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_evidence_ingested_by_occurred",
            ["ingested_by", "occurred_at", "id"],
            unique=False,
            sqlite_where=sa.text("ingested_by IS NOT NULL"),
            postgresql_where=sa.text("ingested_by IS NOT NULL"),
        )
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for statement in SQLITE_TEXT:
            op.execute(statement)
    elif bind.dialect.name == "postgresql":
        # Trigram indexes serve ILIKE '%text%'; without the extension (a managed database that
        # does not offer it) the same search still works, by scanning.
        available = bind.execute(
            sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        ).scalar()
        if available:
            op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            for statement in POSTGRES_TEXT:
                op.execute(statement)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for statement in SQLITE_TEXT_DOWN:
            op.execute(statement)
    elif bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_evidence_notes_text_trgm")
        op.execute("DROP INDEX IF EXISTS ix_evidence_title_trgm")
    with op.batch_alter_table("evidence_items", schema=None) as batch_op:
        batch_op.drop_index("ix_evidence_ingested_by_occurred")
