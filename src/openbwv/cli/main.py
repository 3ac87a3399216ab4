"""`bwv`: the command line, built from what the domains contributed (`build_cli`), plus the
infrastructure's own commands: `serve`, `worker` and `db`. The entry point is
`openbwv.composition:main`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import typer
import uvicorn

from openbwv.api.server import HTTP_PROTOCOL
from openbwv.cli.db import db_app
from openbwv.cli.errors import Commands
from openbwv.config import get_settings
from openbwv.db.migrate import upgrade
from openbwv.jobs.celery_app import QUEUES as JOB_QUEUES
from openbwv.jobs.celery_app import get_celery
from openbwv.jobs.sweeper import SweeperThread
from openbwv.logging import configure_logging
from openbwv.platform import Platform

APP_FACTORY = "openbwv.composition:create_app"  # named, not imported: the root imports this
QUEUES = ",".join(JOB_QUEUES)


def build_cli(platform: Platform) -> typer.Typer:
    app = typer.Typer(
        help="openbwv — body-worn video evidence, camera to court.",
        no_args_is_help=True,
        cls=Commands,
        pretty_exceptions_enable=False,  # tracebacks only with --debug, and never with locals
    )
    app.callback()(_options)
    app.add_typer(db_app, name="db")
    for name, group in platform.command_groups:
        app.add_typer(group, name=name)
    for name, command in platform.commands:
        app.command(name)(command)
    app.command()(serve)
    app.command()(worker)
    return app


def _options(
    debug: bool = typer.Option(False, "--debug", help="Show a traceback when a command fails."),
) -> None:
    """openbwv — body-worn video evidence, camera to court."""


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    worker: bool = typer.Option(True, help="Also run a local worker (the embedded default)."),
    workers: int | None = typer.Option(
        None,
        min=1,
        max=64,
        show_default=False,
        help="API processes (default: BWV_API_WORKERS, else one per CPU, at most 8).",
    ),
) -> None:
    """Run the API (and, by default, a worker on the embedded broker)."""
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    upgrade(settings)
    child = None
    if worker:
        # The local worker's banner and one line per job go to a file, not the console the
        # person started the platform from (`make run` prints the address and sign-in only).
        logs = settings.resolved_data_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        worker_log = (logs / "worker.log").open("ab")
        child = subprocess.Popen(
            [sys.executable, "-m", "openbwv.composition", "worker"],
            env=os.environ.copy(),
            stdout=worker_log,
            stderr=subprocess.STDOUT,
        )
        typer.echo(f"Jobs run in a local worker; its log is {logs / 'worker.log'}", err=True)
    try:
        uvicorn.run(
            APP_FACTORY,
            factory=True,
            host=host,
            port=port,
            proxy_headers=True,
            log_level=settings.log_level.lower(),
            http=HTTP_PROTOCOL,
            workers=workers or settings.resolved_api_workers,
        )
    finally:
        if child is not None:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()


def worker(
    concurrency: int | None = typer.Option(
        None,
        min=1,
        show_default=False,
        help="Parallel jobs (default: BWV_WORKER_CONCURRENCY, 2 unless set).",
    ),
    queues: str = typer.Option(QUEUES, help="Queues to consume."),
    pool: str = typer.Option("threads", help="Celery pool: threads, prefork or solo."),
) -> None:
    """Run a Celery worker (at scale: BWV_BROKER_URL=redis://… or amqp://…)."""
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    celery = get_celery()
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
