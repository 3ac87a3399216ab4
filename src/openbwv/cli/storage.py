"""`bwv storage init`: make the configured store ready before the first upload (infrastructure:
no domain). On S3 it creates the bucket, with Object Lock when `BWV_S3_OBJECT_LOCK_DAYS` > 0, and
checks an existing bucket's lock; on local disk it creates the namespaces' folder. Safe to run
again: an existing bucket is never changed."""

from __future__ import annotations

import typer

from openbwv.config import get_settings
from openbwv.storage.factory import derivatives, originals
from openbwv.storage.s3 import S3Store

storage_app = typer.Typer(
    help="The object store (originals and derivatives).", no_args_is_help=True
)


@storage_app.command("init")
def storage_init() -> None:
    """Create the bucket (with Object Lock for write-once originals) or the folders."""
    settings = get_settings()
    lock = settings.s3_object_lock_days > 0
    for store in (originals(settings), derivatives(settings)):
        if isinstance(store, S3Store):  # (a local store makes its folder when it opens)
            store.ensure_bucket(object_lock=lock and store.write_once)
        store.health()
    where = settings.resolved_storage_url
    if lock and where.startswith("s3://"):
        days = settings.s3_object_lock_days
        typer.echo(f"Storage ready at {where}: originals locked for {days} days (COMPLIANCE)")
    else:
        typer.echo(f"Storage ready at {where}")
