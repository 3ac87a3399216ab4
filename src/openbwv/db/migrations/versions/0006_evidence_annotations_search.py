"""evidence notes, tags, saved searches; GPS track bounding boxes for area search

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 07:27:58.587202
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import openbwv.db.base

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BOX_EXPRESSION = "box(point(track_min_lon, track_min_lat), point(track_max_lon, track_max_lat))"


def upgrade() -> None:
    op.create_table(
        "evidence_notes",
        sa.Column("evidence_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("author_name", sa.String(length=128), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", openbwv.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evidence_id"],
            ["evidence_items.id"],
            name=op.f("fk_evidence_notes_evidence_id_evidence_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_notes")),
    )
    with op.batch_alter_table("evidence_notes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_evidence_notes_evidence_created", ["evidence_id", "created_at"], unique=False
        )

    op.create_table(
        "evidence_tags",
        sa.Column("evidence_id", sa.Uuid(), nullable=False),
        sa.Column("tag", sa.String(length=40), nullable=False),
        sa.Column("added_by", sa.Uuid(), nullable=True),
        sa.Column("added_at", openbwv.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["evidence_id"],
            ["evidence_items.id"],
            name=op.f("fk_evidence_tags_evidence_id_evidence_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("evidence_id", "tag", name=op.f("pk_evidence_tags")),
    )
    with op.batch_alter_table("evidence_tags", schema=None) as batch_op:
        batch_op.create_index("ix_evidence_tags_tag", ["tag"], unique=False)

    op.create_table(
        "saved_searches",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("created_at", openbwv.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_saved_searches_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_searches")),
        sa.UniqueConstraint("user_id", "name", name=op.f("uq_saved_searches_user_id_name")),
    )
    with op.batch_alter_table("evidence_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("track_min_lat", sa.Double(), nullable=True))
        batch_op.add_column(sa.Column("track_max_lat", sa.Double(), nullable=True))
        batch_op.add_column(sa.Column("track_min_lon", sa.Double(), nullable=True))
        batch_op.add_column(sa.Column("track_max_lon", sa.Double(), nullable=True))
        batch_op.create_index(
            "ix_evidence_track_box",
            ["track_min_lat", "track_max_lat", "track_min_lon", "track_max_lon"],
            unique=False,
        )
    _backfill_track_boxes()
    if op.get_bind().dialect.name == "postgresql":
        # Overlap of two boxes on an R-tree: what `evidence.search` asks with `&&`.
        op.execute(
            f"CREATE INDEX ix_evidence_track_gist ON evidence_items USING gist ({BOX_EXPRESSION})"
            " WHERE track_min_lat IS NOT NULL"
        )


def _backfill_track_boxes() -> None:
    """Items stored before this migration: their boxes from their tracks, in batches."""
    bind = op.get_bind()
    items = sa.table(
        "evidence_items",
        sa.column("id", sa.Uuid()),
        sa.column("gps_track", sa.JSON()),
        sa.column("track_min_lat", sa.Double()),
        sa.column("track_max_lat", sa.Double()),
        sa.column("track_min_lon", sa.Double()),
        sa.column("track_max_lon", sa.Double()),
    )
    last = None
    while True:
        query = sa.select(items.c.id, items.c.gps_track).where(items.c.gps_track.is_not(None))
        if last is not None:
            query = query.where(items.c.id > last)
        rows = bind.execute(query.order_by(items.c.id).limit(1000)).all()
        if not rows:
            return
        for item_id, track in rows:
            points = _points(json.loads(track) if isinstance(track, str) else track)
            if points:
                lats, lons = [p[0] for p in points], [p[1] for p in points]
                bind.execute(
                    items.update()
                    .where(items.c.id == item_id)
                    .values(
                        track_min_lat=min(lats),
                        track_max_lat=max(lats),
                        track_min_lon=min(lons),
                        track_max_lon=max(lons),
                    )
                )
        last = rows[-1][0]


def _points(track: object) -> list[tuple[float, float]]:
    points = []
    for entry in track if isinstance(track, list) else []:
        if isinstance(entry, list) and len(entry) >= 3:
            lat, lon = entry[1], entry[2]
            if isinstance(lat, int | float) and isinstance(lon, int | float):
                points.append((float(lat), float(lon)))
    return points


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_evidence_track_gist")
    with op.batch_alter_table("evidence_items", schema=None) as batch_op:
        batch_op.drop_index("ix_evidence_track_box")
        batch_op.drop_column("track_max_lon")
        batch_op.drop_column("track_min_lon")
        batch_op.drop_column("track_max_lat")
        batch_op.drop_column("track_min_lat")
    op.drop_table("saved_searches")
    with op.batch_alter_table("evidence_tags", schema=None) as batch_op:
        batch_op.drop_index("ix_evidence_tags_tag")
    op.drop_table("evidence_tags")
    with op.batch_alter_table("evidence_notes", schema=None) as batch_op:
        batch_op.drop_index("ix_evidence_notes_evidence_created")
    op.drop_table("evidence_notes")
