"""What `bwv audit verify` found: findings, ordered by the first leaf they concern; the report."""

from __future__ import annotations

import heapq
import json
from dataclasses import dataclass, field

from openbwv.audit.events import EventColumns, canonical_json, entry_document
from openbwv.audit.merkle import EMPTY_ROOT
from openbwv.audit.note import Checkpoint

KEEP_FINDINGS = 25  # the report keeps the first ones (by index); it counts them all

_NONE = 1 << 70  # sorts after every real index or size


@dataclass(frozen=True)
class Finding:
    """One problem: the first leaf index it concerns (if any), the checkpoint (if any), what."""

    index: int | None
    checkpoint: int | None
    message: str

    @property
    def key(self) -> tuple[int, int]:
        """Order: by leaf index; at one index, the event's own problem before the checkpoints
        it breaks; findings about no leaf last."""
        index = _NONE if self.index is None else self.index
        if self.checkpoint is None:
            return index, -1 if self.index is not None else _NONE
        return index, self.checkpoint

    def describe(self) -> str:
        where = []
        if self.index is not None:
            where.append(f"index {self.index}")
        if self.checkpoint is not None:
            where.append(f"checkpoint {self.checkpoint}")
        return f"{', '.join(where) or 'log'}: {self.message}"


@dataclass
class VerifyReport:
    events: int = 0  # integrated events read
    pending: int = 0  # recorded, not yet integrated
    tree_size: int = 0  # size of the rebuilt tree
    root: bytes = EMPTY_ROOT
    checkpoints: int = 0
    latest_checkpoint: int = 0
    saved_checkpoint: Checkpoint | None = None
    total_findings: int = 0
    seconds: float = 0.0
    # the KEEP_FINDINGS smallest findings, as a max-heap on (negated key, negated order)
    _kept: list[tuple[int, int, int, Finding]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.total_findings == 0

    @property
    def findings(self) -> list[Finding]:
        """The first findings, by leaf index, then checkpoint, then discovery."""
        return [entry[3] for entry in sorted(self._kept, reverse=True)]

    @property
    def first(self) -> Finding | None:
        kept = self.findings
        return kept[0] if kept else None

    def add(self, finding: Finding) -> None:
        self.total_findings += 1
        index, size = finding.key
        entry = (-index, -size, -self.total_findings, finding)
        if len(self._kept) < KEEP_FINDINGS:
            heapq.heappush(self._kept, entry)
        elif entry > self._kept[0]:
            heapq.heapreplace(self._kept, entry)


def entry_problem(row: EventColumns, entry: str) -> str | None:
    """Why `entry` is not the canonical JSON of the row's columns (None if it is)."""
    expected = entry_document(row)
    if entry == canonical_json(expected):
        return None
    try:
        stored = json.loads(entry)
    except ValueError:
        return "the stored entry is not valid JSON"
    if not isinstance(stored, dict):
        return "the stored entry is not a JSON object"
    differing: list[str] = []
    for key in sorted(set(expected) | set(stored)):
        mine, theirs = expected.get(key), stored.get(key)
        if isinstance(mine, dict) and isinstance(theirs, dict):
            differing += [
                f"{key}.{sub}"
                for sub in sorted(set(mine) | set(theirs))
                if mine.get(sub) != theirs.get(sub)
            ]
        elif mine != theirs:
            differing.append(key)
    if not differing:
        return "the stored entry is not in canonical form"
    verb = "differs" if len(differing) == 1 else "differ"
    return f"the entry does not match the event's columns ({', '.join(differing)} {verb})"
