"""Making items for retention tests: records whose recorded start is as old as a test needs
(the clock is the `now` each call is given: no sleeps), with unique stored bytes."""

from __future__ import annotations

import os
import re
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from openbwv.db.session import unit_of_work
from openbwv.evidence.models import Derivative, EvidenceItem
from openbwv.retention import tasks
from openbwv.storage.factory import derivatives
from openbwv.timeutil import utcnow
from tests.support import factories

DOCS = Path(__file__).resolve().parents[2] / "docs" / "audit.md"


def now() -> datetime:
    return utcnow().replace(microsecond=0)


def old_item(owner: Any, days: float, *categories: str, stored: bool = True) -> uuid.UUID:
    """An item recorded `days` ago (by the real clock), with its original stored."""
    occurred = now() - timedelta(days=days)
    return factories.item(owner, occurred=occurred, categories=categories, stored=stored)


def share_derivative(*items: uuid.UUID) -> str:
    """One freshly made derivative object (a waveform, say) that these items all refer to."""
    stored = derivatives().put_bytes(os.urandom(512))
    with unit_of_work() as session:
        for item_id in items:
            session.add(
                Derivative(
                    evidence_id=item_id,
                    kind="waveform",
                    params={},
                    params_hash="1" * 64,
                    storage_key=stored.key,
                    sha256=stored.sha256,
                    size_bytes=stored.size,
                    media_type="application/octet-stream",
                )
            )
    return stored.key


def status_of(item_id: uuid.UUID) -> str:
    with unit_of_work() as session:
        found = session.get(EvidenceItem, item_id)
        assert found is not None
        return found.status


def sweep(at: datetime, *ids: uuid.UUID, **kwargs: Any) -> tasks.RunReport:
    """A run over these items only (the suite's database holds every other test's items)."""
    return tasks.run(now=at, only=list(ids), **kwargs)


def independent_verifier() -> dict[str, Any]:
    """The minimal verifier printed in docs/audit.md, run as written."""
    text = DOCS.read_text()
    block = re.search(r"A minimal independent verifier.*?```python\n(.*?)```", text, re.S)
    assert block is not None, "docs/audit.md lost its verifier"
    namespace: dict[str, Any] = {}
    exec(block.group(1), namespace)
    return namespace
