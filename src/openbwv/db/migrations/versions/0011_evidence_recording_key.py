"""evidence_items.recording_key: the clips of one recording share a key, so pages can group them

Filled for the items already held from what their metadata says (Axis: the account and the
recording's container, or for rejected content its original container; uploads and imports: a
`recording` value with a camera serial). A frozen copy of `openbwv.evidence.recording_keys`, so
this migration means the same thing whatever the code becomes.

Revision ID: 0011
Revises: 0009 (the lead rebases the chain onto 0010)
Create Date: 2026-12-04 09:00:00.000000
"""

import hashlib
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000
_items = sa.table(
    "evidence_items",
    sa.column("id", sa.Uuid()),
    sa.column("source", sa.String()),
    sa.column("camera_serial", sa.String()),
    sa.column("extra_metadata", sa.JSON()),
    sa.column("recording_key", sa.String()),
)


def _digest(kind: str, *parts: str) -> str:
    joined = "\x1f".join(part[:512] for part in parts)
    return f"{kind}:{hashlib.sha256(joined.encode()).hexdigest()[:40]}"


def _axis(axis: dict[str, Any]) -> str | None:
    account, container = axis.get("account"), axis.get("container")
    if not isinstance(account, str) or not isinstance(container, str):
        return None
    if container.startswith("RejectedContent_"):
        for meta in (axis.get("clip"), axis.get("recording")):
            original = (
                meta.get("RejectedContentOriginalContainer") if isinstance(meta, dict) else None
            )
            if isinstance(original, str) and original:
                return _digest("axis", account, original)
    return _digest("axis", account, container)


def key_for(source: str, camera_serial: str | None, extra: Any) -> str | None:
    if not isinstance(extra, dict):
        return None
    if source == "axis" and isinstance(extra.get("axis"), dict):
        return _axis(extra["axis"])
    recording = extra.get("recording")
    if not isinstance(recording, str) or not recording.strip():
        return None
    if source in ("tus", "import") and camera_serial:
        return _digest("upload", camera_serial, recording.strip())
    return None


def _backfill() -> None:
    bind = op.get_bind()
    last = None
    while True:
        query = sa.select(
            _items.c.id, _items.c.source, _items.c.camera_serial, _items.c.extra_metadata
        ).order_by(_items.c.id)
        if last is not None:
            query = query.where(_items.c.id > last)
        rows = bind.execute(query.limit(BATCH)).all()
        if not rows:
            return
        for item_id, source, serial, extra in rows:
            key = key_for(source, serial, extra)
            if key is not None:
                bind.execute(
                    sa.update(_items).where(_items.c.id == item_id).values(recording_key=key)
                )
        last = rows[-1][0]


def upgrade() -> None:
    with op.batch_alter_table("evidence_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recording_key", sa.String(length=64), nullable=True))
    _backfill()
    with op.batch_alter_table("evidence_items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_evidence_recording",
            ["recording_key", "occurred_at", "id"],
            unique=False,
            sqlite_where=sa.text("recording_key IS NOT NULL"),
            postgresql_where=sa.text("recording_key IS NOT NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("evidence_items", schema=None) as batch_op:
        batch_op.drop_index("ix_evidence_recording")
        batch_op.drop_column("recording_key")
