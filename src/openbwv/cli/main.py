"""`bwv`: serve, worker, import, fsck, demo, token, db."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import typer

from openbwv.audit.cli import audit_app
from openbwv.cli import admin, data, users
from openbwv.config import get_settings
from openbwv.fleet.cli import fleet_app
from openbwv.ingest.axis.cli import axis_app
from openbwv.logging import configure_logging
from openbwv.simulate.cli import simulate_command

app = typer.Typer(help="openbwv — body-worn video evidence, camera to court.", no_args_is_help=True)
app.add_typer(admin.token_app, name="token")
app.add_typer(admin.db_app, name="db")
app.add_typer(audit_app, name="audit")
app.add_typer(fleet_app, name="fleet")
app.add_typer(users.user_app, name="user")
app.add_typer(axis_app, name="axis")
app.command("import")(data.import_command)
app.command("fsck")(data.fsck_command)
app.command("demo")(data.demo_command)
app.command("simulate")(simulate_command)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    worker: bool = typer.Option(True, help="Also run a local worker (the embedded default)."),
) -> None:
    """Run the API (and, by default, a worker on the embedded broker)."""
    import uvicorn

    from openbwv.db.migrate import upgrade

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    upgrade(settings)
    child = None
    if worker:
        child = subprocess.Popen(
            [sys.executable, "-m", "openbwv.cli.main", "worker"], env=os.environ.copy()
        )
    try:
        uvicorn.run(
            "openbwv.api.app:create_app",
            factory=True,
            host=host,
            port=port,
            proxy_headers=True,
            log_level=settings.log_level.lower(),
        )
    finally:
        if child is not None:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()


@app.command()
def worker(
    concurrency: int = typer.Option(0, help="Parallel jobs (default: BWV_WORKER_CONCURRENCY)."),
    queues: str = typer.Option("ingest,media,ml,default,audit", help="Queues to consume."),
    pool: str = typer.Option("threads", help="Celery pool: threads, prefork or solo."),
) -> None:
    """Run a Celery worker (at scale: BWV_BROKER_URL=redis://… or amqp://…)."""
    from openbwv.jobs.celery_app import get_celery
    from openbwv.jobs.sweeper import SweeperThread

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    celery = get_celery()
    import openbwv.jobs.tasks  # noqa: F401 - registers the task

    SweeperThread().start()
    celery.worker_main(
        [
            "worker",
            f"--loglevel={settings.log_level}",
            f"--queues={queues}",
            f"--concurrency={concurrency or settings.worker_concurrency}",
            f"--pool={pool}",
            "--without-gossip",
            "--without-mingle",
        ]
    )


if __name__ == "__main__":
    app()
