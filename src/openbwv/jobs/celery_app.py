"""The Celery application, configured from settings: at scale, `BWV_BROKER_URL=redis://…` or
`amqp://…`. Messages are JSON and carry only a job id; the job row is the source of truth (see
jobs.service).

Without a broker (the embedded default) no message is sent: workers claim job rows directly
(jobs.queue, jobs.worker). The app is still built there, on an in-memory transport that nothing
sends to, so that `jobs.tasks` imports everywhere.
"""

from __future__ import annotations

from typing import Any

from celery import Celery
from kombu import Queue
from kombu.transport import sqlalchemy as sqla_transport

from openbwv.config import Settings, get_settings

QUEUES = ("ingest", "media", "ml", "default", "audit")
_apps: dict[str, Celery] = {}


EMBEDDED_POLL_SECONDS = 0.2


def _tune_embedded_transport() -> None:
    # kombu passes broker_transport_options straight to create_engine, so the polling interval of
    # the SQLAlchemy transport is set on its classes instead: the channel's for reads, and the
    # transport's, which the worker sleeps for whenever its prefetch window is full (1 s by
    # default: a worker slot would take a new job only once a second).
    sqla_transport.Channel.polling_interval = EMBEDDED_POLL_SECONDS  # type: ignore[attr-defined]
    sqla_transport.Transport.polling_interval = EMBEDDED_POLL_SECONDS


def make_celery(settings: Settings | None = None) -> Celery:
    settings = settings or get_settings()
    broker = settings.resolved_broker_url or "memory://"
    if broker in _apps:
        return _apps[broker]
    sqlalchemy_transport = broker.startswith("sqla+")
    if sqlalchemy_transport:
        _tune_embedded_transport()
    app = Celery("openbwv", broker=broker, include=["openbwv.jobs.tasks"])
    config: dict[str, Any] = {
        "task_serializer": "json",
        "accept_content": ["json"],
        "result_backend": None,
        "task_ignore_result": True,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_default_queue": "default",
        "task_queues": [Queue(name) for name in QUEUES],
        "broker_connection_retry_on_startup": True,
        "worker_hijack_root_logger": False,
        "broker_transport_options": {"visibility_timeout": 3600},
        "enable_utc": True,
        "timezone": "UTC",
    }
    if sqlalchemy_transport:
        config["broker_transport_options"] = {}
    app.conf.update(config)
    _apps[broker] = app
    return app


def get_celery() -> Celery:
    return make_celery()
