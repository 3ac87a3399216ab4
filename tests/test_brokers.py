"""The same pipeline on RabbitMQ (AMQP), when `.ci/run` says where it is (BWV_TEST_AMQP_URL)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.stack import Stack
from tests.support.waiting import wait_until

AMQP_URL = os.environ.get("BWV_TEST_AMQP_URL")


@pytest.fixture
def amqp_stack(stack: Stack) -> Iterator[Stack]:
    from kombu import Connection

    from openbwv.config import reset_settings

    assert AMQP_URL
    with Connection(AMQP_URL) as connection:  # unreachable → fail, never skip
        connection.ensure_connection(max_retries=1)
        for queue in ("ingest", "media", "ml", "default", "audit"):
            connection.default_channel.queue_purge(queue) if _exists(connection, queue) else None
    previous = os.environ.get("BWV_BROKER_URL")
    os.environ["BWV_BROKER_URL"] = AMQP_URL
    reset_settings()
    worker = stack.start_worker({"BWV_BROKER_URL": AMQP_URL})
    yield stack
    stack.workers.remove(worker)
    os.killpg(worker.pid, 15)
    worker.wait(30)
    if previous is None:
        os.environ.pop("BWV_BROKER_URL")
    else:
        os.environ["BWV_BROKER_URL"] = previous
    reset_settings()


def _exists(connection: object, queue: str) -> bool:
    try:
        connection.default_channel.queue_declare(queue, passive=True)  # type: ignore[attr-defined]
    except Exception:
        return False
    return True


if AMQP_URL:

    def test_pipeline_runs_on_rabbitmq(amqp_stack: Stack, tmp_path: Path, seed: int) -> None:
        from openbwv.db.session import unit_of_work
        from openbwv.evidence.models import EvidenceItem
        from openbwv.ingest.importer import import_file
        from openbwv.media.synth import make_clip

        clip = make_clip(tmp_path / "amqp.mkv", seconds=1, container="mkv", seed=seed)
        evidence_id, created = import_file(clip)
        assert created

        def ready() -> bool:
            with unit_of_work() as session:
                item = session.get(EvidenceItem, __import__("uuid").UUID(evidence_id))
                return item is not None and item.status == "ready"

        wait_until(ready, timeout=120, what="processing through RabbitMQ")
