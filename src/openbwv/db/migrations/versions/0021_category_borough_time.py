"""search at 10 M items: each item's category row carries the item's borough and time, kept by
triggers, with indexes that start from the category

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-08 01:30:00.000000

A category search walked the searcher's borough newest first and probed each item's categories:
5,879 probes to find 201 uses of force at 10 M items (3.5 % of items), 30–50 ms of each search.
With the borough and time on the category row, (category, borough, occurred_at) lists a borough's
newest items of a category directly, and (category, occurred_at) the force's. Triggers copy the
values on every insert of a category and on every change of an item's borough or time, so no
write path (the ORM, a bulk load, a hand-written fix) can leave them stale; the columns are
never written by the application.

The backfill rewrites every category row: at 10 M items (7 M category rows) on the 2-core
development machine it took about 7 minutes and the two indexes 1–2 more, with the table locked.
Run `VACUUM ANALYZE evidence_categories` afterwards (a migration runs in a transaction, where
VACUUM cannot): until then the new index's scans visit the rewritten rows' heap pages.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BOROUGH_INDEX = "ix_evidence_categories_borough_occurred"
FORCE_INDEX = "ix_evidence_categories_occurred"
OLD_INDEX = "ix_evidence_categories_category"  # (category): a prefix of FORCE_INDEX

POSTGRES = [
    """CREATE FUNCTION evidence_category_copy_item() RETURNS trigger AS $$
    BEGIN
        SELECT borough, occurred_at INTO NEW.borough, NEW.occurred_at
            FROM evidence_items WHERE id = NEW.evidence_id;
        RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER evidence_category_item BEFORE INSERT OR UPDATE ON evidence_categories"
    " FOR EACH ROW EXECUTE FUNCTION evidence_category_copy_item()",
    """CREATE FUNCTION evidence_item_copy_to_categories() RETURNS trigger AS $$
    BEGIN
        UPDATE evidence_categories SET borough = NEW.borough, occurred_at = NEW.occurred_at
            WHERE evidence_id = NEW.id;
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER evidence_item_categories AFTER UPDATE OF borough, occurred_at"
    " ON evidence_items FOR EACH ROW"
    " WHEN (OLD.borough IS DISTINCT FROM NEW.borough"
    " OR OLD.occurred_at IS DISTINCT FROM NEW.occurred_at)"
    " EXECUTE FUNCTION evidence_item_copy_to_categories()",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS evidence_item_categories ON evidence_items",
    "DROP FUNCTION IF EXISTS evidence_item_copy_to_categories()",
    "DROP TRIGGER IF EXISTS evidence_category_item ON evidence_categories",
    "DROP FUNCTION IF EXISTS evidence_category_copy_item()",
]
# SQLite's BEFORE triggers cannot set NEW's columns: the row is completed after its insert (or
# a change of its own copies); the trigger's own UPDATE does not fire it again (SQLite's
# recursive triggers are off).
SQLITE_COMPLETE_ROW = (
    " BEGIN UPDATE evidence_categories SET"
    " borough = (SELECT borough FROM evidence_items WHERE id = NEW.evidence_id),"
    " occurred_at = (SELECT occurred_at FROM evidence_items WHERE id = NEW.evidence_id)"
    " WHERE evidence_id = NEW.evidence_id AND category = NEW.category; END"
)
SQLITE = [
    "CREATE TRIGGER evidence_category_item AFTER INSERT ON evidence_categories"
    + SQLITE_COMPLETE_ROW,
    "CREATE TRIGGER evidence_category_moved AFTER UPDATE OF evidence_id, borough, occurred_at"
    " ON evidence_categories" + SQLITE_COMPLETE_ROW,
    "CREATE TRIGGER evidence_item_categories AFTER UPDATE OF borough, occurred_at"
    " ON evidence_items WHEN OLD.borough IS NOT NEW.borough"
    " OR OLD.occurred_at IS NOT NEW.occurred_at BEGIN"
    " UPDATE evidence_categories SET borough = NEW.borough, occurred_at = NEW.occurred_at"
    " WHERE evidence_id = NEW.id; END",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS evidence_item_categories",
    "DROP TRIGGER IF EXISTS evidence_category_moved",
    "DROP TRIGGER IF EXISTS evidence_category_item",
]
BACKFILL = (
    "UPDATE evidence_categories SET"
    " borough = (SELECT borough FROM evidence_items WHERE id = evidence_categories.evidence_id),"
    " occurred_at = (SELECT occurred_at FROM evidence_items"
    " WHERE id = evidence_categories.evidence_id)"
)
BACKFILL_POSTGRES = (
    "UPDATE evidence_categories AS c SET borough = i.borough, occurred_at = i.occurred_at"
    " FROM evidence_items AS i WHERE i.id = c.evidence_id"
)


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("evidence_categories", schema=None) as batch_op:
        batch_op.add_column(sa.Column("borough", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_index(OLD_INDEX)
    op.execute(BACKFILL_POSTGRES if postgres else BACKFILL)
    for statement in POSTGRES if postgres else SQLITE:
        op.execute(statement)
    with op.batch_alter_table("evidence_categories", schema=None) as batch_op:
        batch_op.create_index(BOROUGH_INDEX, ["category", "borough", "occurred_at", "evidence_id"])
        batch_op.create_index(FORCE_INDEX, ["category", "occurred_at", "evidence_id"])
    if postgres:
        op.execute("ANALYZE evidence_categories")


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRES_DOWN if postgres else SQLITE_DOWN:
        op.execute(statement)
    with op.batch_alter_table("evidence_categories", schema=None) as batch_op:
        batch_op.drop_index(FORCE_INDEX)
        batch_op.drop_index(BOROUGH_INDEX)
        batch_op.create_index(OLD_INDEX, ["category"])
        batch_op.drop_column("occurred_at")
        batch_op.drop_column("borough")
