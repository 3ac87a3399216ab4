"""`bwv`: the command line, built from what the domains contributed (`build_cli`), plus the
infrastructure's own commands: `serve`, `worker` and `db`. The entry point is
`openbwv.composition:main`."""

from __future__ import annotations

import copy
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import typer
import uvicorn
import uvicorn.config

from openbwv.api.server import HTTP_PROTOCOL
from openbwv.cli.db import db_app
from openbwv.cli.errors import Commands
from openbwv.cli.progress import ConsoleProgress, base_url
from openbwv.cli.storage import storage_app
from openbwv.config import get_settings
from openbwv.db.migrate import upgrade
from openbwv.jobs.celery_app import QUEUES as JOB_QUEUES
from openbwv.jobs.celery_app import get_celery
from openbwv.jobs.sweeper import SweeperThread
from openbwv.jobs.worker import LocalWorker
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
    app.add_typer(storage_app, name="storage")
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
    quiet: bool = typer.Option(
        False,
        "--quiet",
        help="Print the address and a progress line only; logs go to DATA_DIR/logs/api.log.",
    ),
) -> None:
    """Run the API (and, by default, a local worker)."""
    settings = get_settings()
    logs = settings.resolved_data_dir / "logs"
    worker_env = os.environ.copy()
    log_config: dict[str, Any] | str | None = uvicorn.config.LOGGING_CONFIG
    if quiet:
        os.environ["BWV_LOG_FILE"] = str(logs / "api.log")  # the API processes inherit it
        get_settings.cache_clear()
        settings = get_settings()
        log_config = _file_log_config(logs / "api.log")
    configure_logging(settings.log_level, settings.log_json, settings.log_file)
    upgrade(settings)
    child = None
    if worker:
        # The local worker's banner and one line per job go to a file, not the console the
        # person started the platform from (`make run` prints the address and sign-in only).
        logs.mkdir(parents=True, exist_ok=True)
        worker_log = (logs / "worker.log").open("ab")
        child = subprocess.Popen(
            [sys.executable, "-m", "openbwv.composition", "worker"],
            env=worker_env,
            stdout=worker_log,
            stderr=subprocess.STDOUT,
        )
        if not quiet:
            typer.echo(f"Jobs run in a local worker; its log is {logs / 'worker.log'}", err=True)
    progress = ConsoleProgress(base_url(host, port), str(logs)) if quiet else None
    if progress is not None:
        progress.start()
    try:
        uvicorn.run(
            APP_FACTORY,
            factory=True,
            host=host,
            port=port,
            proxy_headers=True,
            log_level=settings.log_level.lower(),
            log_config=log_config,
            http=HTTP_PROTOCOL,
            workers=workers or settings.resolved_api_workers,
            # A child importing the app on a busy machine can miss the default 5 s health
            # ping and be killed and restarted as "hung": at 30 s, two API processes on a
            # loaded 2-core machine were restarted over and over for two minutes.
            timeout_worker_healthcheck=120,
        )
    finally:
        if progress is not None:
            progress.stop()
        if child is not None:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()


def _file_log_config(path: Path) -> dict[str, Any]:
    """uvicorn's own logging set-up, with both of its handlers appending to `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    for formatter in config["formatters"].values():
        formatter["use_colors"] = False
        formatter["fmt"] = "%(asctime)s " + formatter["fmt"]
    for handler in config["handlers"].values():
        handler.pop("stream", None)
        handler.update({"class": "logging.FileHandler", "filename": str(path)})
    return config


def worker(
    concurrency: int | None = typer.Option(
        None,
        min=1,
        show_default=False,
        help="Parallel jobs (default: BWV_WORKER_CONCURRENCY, 2 unless set).",
    ),
    queues: str = typer.Option(QUEUES, help="Queues to consume."),
    pool: str = typer.Option(
        "threads", help="Celery pool (with a broker): threads, prefork or solo."
    ),
) -> None:
    """Run a worker: without a broker it claims job rows from the database (the embedded
    default); with BWV_BROKER_URL=redis://… or amqp://… it is a Celery worker."""
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json, settings.log_file)
    slots = concurrency or settings.worker_concurrency
    if settings.database_queue:
        LocalWorker(slots, [q.strip() for q in queues.split(",") if q.strip()]).run()
        return
    celery = get_celery()
    SweeperThread().start()
    celery.worker_main(
        [
            "worker",
            f"--loglevel={settings.log_level}",
            f"--queues={queues}",
            f"--concurrency={slots}",
            f"--pool={pool}",
            "--without-gossip",
            "--without-mingle",
        ]
    )
