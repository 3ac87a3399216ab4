"""Verify the whole log from the stored events, in one streaming pass.

What is checked (and what each check catches):

1. every event's ``entry`` equals the canonical JSON rebuilt from its columns (a column or the entry
   edited, pending events included), and every pending event waits in the integrator's queue
   (one taken off it would never be numbered);
2. leaf indexes run 0, 1, 2, … with no gap or repeat, up to the latest checkpoint and not beyond
   (an event deleted, inserted or renumbered; the tail truncated);
3. the tree rebuilt from the entries equals every stored subtree hash, and nothing is stored
   beyond it (a node corrupted; entries reordered);
4. every checkpoint is a well-formed note signed by a trusted key for this origin, agrees with its
   row, and its root is the root of the rebuilt tree at its size — so every checkpoint is a prefix
   of the current tree, which is what consistency between successive checkpoints means;
5. optionally a checkpoint saved outside the platform: its root must be the rebuilt root at its
   size, and an RFC 9162 consistency proof from it to the current tree must verify.

Problems are attributed to the first leaf index they concern; a subtree or checkpoint that is
wrong only because a leaf below it is wrong is not reported twice. The pass reads in batches inside
one read-only snapshot, so it runs beside a live system and needs memory for one batch only.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection, Engine, and_, func, or_, select

from openbwv.audit.events import EventColumns
from openbwv.audit.merkle import CompactRange, ProofError, Subtree, leaf_hash
from openbwv.audit.merkle import verify_consistency as check_consistency
from openbwv.audit.models import (
    AuditCheckpoint,
    AuditEvent,
    AuditLeaf,
    AuditNode,
    AuditPending,
)
from openbwv.audit.note import Checkpoint, NoteError, Verifier, open_checkpoint
from openbwv.audit.queries import consistency, read_snapshot
from openbwv.audit.verification.findings import Finding, VerifyReport, entry_problem

ROW_BATCH = 5000
CHUNK_LEVEL = 12  # stored subtrees are compared 4096 leaves at a time
MAX_GAP = 1 << 24  # a gap this large means renumbered indexes: stop rebuilding
_EVENT_COLUMNS = (
    AuditEvent.id,
    AuditEvent.event_id,
    AuditEvent.occurred_at,
    AuditEvent.actor_id,
    AuditEvent.actor_name,
    AuditEvent.actor_kind,
    AuditEvent.action,
    AuditEvent.evidence_id,
    AuditEvent.target_type,
    AuditEvent.target_id,
    AuditEvent.result,
    AuditEvent.reason,
    AuditEvent.source_ip,
    AuditEvent.details,
    AuditEvent.entry,
)


@dataclass
class _StoredCheckpoint:
    size: int
    root: bytes | None  # the root the note signs; None when the note itself is bad


class LogVerifier:
    """One verification pass over a read snapshot; `run()` returns the report."""

    def __init__(
        self,
        db: Connection,
        verifiers: Sequence[Verifier],
        origin: str,
        saved: Checkpoint | None = None,
    ) -> None:
        self.db = db
        self.verifiers = list(verifiers)
        self.origin = origin
        self.saved = saved
        self.report = VerifyReport(saved_checkpoint=saved)
        self.edge = CompactRange()
        self.completed: list[Subtree] = []  # rebuilt subtrees not yet compared with the store
        self.bad: set[tuple[int, int]] = set()  # subtrees found wrong (their parents follow)
        self.last_good_checkpoint = 0
        self.unexplained_from: int | None = None  # first finding since the last good checkpoint
        self.limit = 0  # latest checkpoint size: no leaf may lie beyond it
        self._checkpoint_rows: Iterator[_StoredCheckpoint] = iter(())
        self._upcoming: _StoredCheckpoint | None = None

    # -- the pass ------------------------------------------------------------------------------

    def run(self) -> VerifyReport:
        started = time.perf_counter()
        self.limit = self.db.scalar(select(func.max(AuditCheckpoint.tree_size))) or 0
        self.report.latest_checkpoint = self.limit
        self._checkpoint_rows = self._checkpoints()
        self._upcoming = next(self._checkpoint_rows, None)
        self._reached(0)
        beyond = 0
        try:
            for row in self._integrated_rows():
                index = row.leaf_index
                self.report.events += 1
                if index >= self.limit:
                    beyond += 1
                    if beyond == 1:
                        self._add(index, None, "events lie beyond the latest signed checkpoint")
                    continue
                self._check_entry(index, row)
                if index < self.edge.size:
                    self._add(index, None, f"leaf index {index} is used by more than one event")
                    continue
                if index > self.edge.size:
                    self._fill_gap(self.edge.size, index)
                self._append(leaf_hash(row.entry.encode("utf-8")))
        except _Abandon as exc:
            self._add(self.edge.size, None, str(exc))
        if self.edge.size < self.limit:
            self._add(
                self.edge.size,
                None,
                f"events {self.edge.size}..{self.limit - 1} are missing "
                f"(checkpoint {self.limit} covers them)",
            )
        self._compare_nodes()
        for _ in self._checkpoint_rows:  # checkpoints beyond the rebuilt tree: check their notes
            pass
        self._check_extra_nodes()
        self._check_pending()
        self._check_saved_consistency()
        self.report.tree_size = self.edge.size
        self.report.root = self.edge.root()
        self.report.seconds = time.perf_counter() - started
        return self.report

    def _add(self, index: int | None, checkpoint: int | None, message: str) -> None:
        if (
            index is not None
            and index >= self.last_good_checkpoint
            and (self.unexplained_from is None or index < self.unexplained_from)
        ):
            self.unexplained_from = index
        self.report.add(Finding(index, checkpoint, message))

    # -- events ----------------------------------------------------------------------------------

    def _integrated_rows(self) -> Iterator[Any]:
        """Events in leaf order (a leaf whose event is gone leaves a gap, reported as such)."""
        last = -1
        while True:
            rows = self.db.execute(
                select(AuditLeaf.leaf_index, *_EVENT_COLUMNS)
                .join(AuditEvent, AuditEvent.id == AuditLeaf.event_row)
                .where(AuditLeaf.leaf_index > last)
                .order_by(AuditLeaf.leaf_index)
                .limit(ROW_BATCH)
            ).all()
            if not rows:
                return
            yield from rows
            last = rows[-1].leaf_index

    def _check_entry(self, index: int | None, row: Any) -> None:
        problem = entry_problem(cast(EventColumns, row), row.entry)
        if problem is not None:
            where = "" if index is not None else f"pending event {row.event_id}: "
            self._add(index, None, where + problem)

    def _check_pending(self) -> None:
        """Events not yet numbered: each must wait in the integrator's queue (an event taken off
        it would never be numbered, hidden from every checkpoint), and its entry must agree."""
        last = -1
        while True:
            rows = self.db.execute(
                select(*_EVENT_COLUMNS, AuditPending.seq.label("queued"))
                .outerjoin(AuditLeaf, AuditLeaf.event_row == AuditEvent.id)
                # a join, not a per-row test: the queue has no index on event_id (it is only
                # ever read in order), and the databases hash it or index it for the join
                .outerjoin(AuditPending, AuditPending.event_id == AuditEvent.event_id)
                .where(AuditLeaf.leaf_index.is_(None), AuditEvent.id > last)
                .order_by(AuditEvent.id)
                .limit(ROW_BATCH)
            ).all()
            if not rows:
                return
            for row in rows:
                self.report.pending += 1
                self._check_entry(None, row)
                if row.queued is None:
                    self._add(
                        None,
                        None,
                        f"pending event {row.event_id} is not in the integrator's queue: "
                        "it would never be numbered",
                    )
            last = rows[-1].id

    def _fill_gap(self, start: int, end: int) -> None:
        """Events [start, end) are missing: report it, and carry on with the stored leaf hashes
        (where they survive) so that what follows is judged on its own."""
        what = f"event {start} is" if end == start + 1 else f"events {start}..{end - 1} are"
        self._add(start, None, f"{what} missing")
        if end - start > MAX_GAP:
            raise _Abandon(
                f"the gap is too large to rebuild across; verification stopped at {start}"
            )
        for low in range(start, end, ROW_BATCH):
            high = min(end, low + ROW_BATCH)
            stored: dict[int, bytes] = dict(
                self.db.execute(
                    select(AuditNode.index, AuditNode.hash).where(
                        AuditNode.level == 0, AuditNode.index >= low, AuditNode.index < high
                    )
                ).all()
            )
            for index in range(low, high):
                leaf = stored.get(index)
                if leaf is None:
                    self.bad.add((0, index))
                self._append(bytes(leaf) if leaf is not None else bytes(32), compare_leaf=False)

    def _append(self, leaf: bytes, *, compare_leaf: bool = True) -> None:
        completed = self.edge.append(leaf)
        self.completed.extend(completed if compare_leaf else completed[1:])
        size = self.edge.size
        if size % (1 << CHUNK_LEVEL) == 0:
            self._compare_nodes()
            self.bad = {key for key in self.bad if key[0] >= CHUNK_LEVEL}
        self._reached(size)

    # -- checkpoints -----------------------------------------------------------------------------

    def _checkpoints(self) -> Iterator[_StoredCheckpoint]:
        last = -1
        while True:
            rows = self.db.execute(
                select(AuditCheckpoint.tree_size, AuditCheckpoint.root_hash, AuditCheckpoint.note)
                .where(AuditCheckpoint.tree_size > last)
                .order_by(AuditCheckpoint.tree_size)
                .limit(ROW_BATCH)
            ).all()
            if not rows:
                return
            for size, root, note in rows:
                self.report.checkpoints += 1
                yield self._check_note(size, bytes(root), note)
            last = rows[-1].tree_size

    def _check_note(self, size: int, root: bytes, note: str) -> _StoredCheckpoint:
        try:
            checkpoint, _ = open_checkpoint(note, self.verifiers)
        except NoteError as exc:
            self._add(None, size, f"the checkpoint does not verify: {exc}")
            return _StoredCheckpoint(size, None)  # reported; its root proves nothing
        if checkpoint.origin != self.origin:
            self._add(None, size, f"the checkpoint is for origin {checkpoint.origin!r}")
        if checkpoint.size != size:
            self._add(None, size, f"the signed note is for tree size {checkpoint.size}")
        if checkpoint.root_hash != root:
            self._add(None, size, "the signed root differs from the row's root_hash")
        return _StoredCheckpoint(size, checkpoint.root_hash)

    def _reached(self, size: int) -> None:
        """The rebuilt tree has `size` leaves: compare it with checkpoints of that size."""
        while self._upcoming is not None and self._upcoming.size <= size:
            if self._upcoming.size == size:
                self._compare_root(self._upcoming)
            self._upcoming = next(self._checkpoint_rows, None)
        saved = self.saved
        if saved is not None and saved.size == size > 0 and self.edge.root() != saved.root_hash:
            self._add(
                None,
                size,
                "the log's first events no longer hash to the saved checkpoint's root: "
                "its history was rewritten",
            )

    def _compare_root(self, checkpoint: _StoredCheckpoint) -> None:
        if checkpoint.root is None:
            return
        if self.edge.root() == checkpoint.root:
            self.last_good_checkpoint, self.unexplained_from = checkpoint.size, None
            return
        self._compare_nodes()  # a wrong stored leaf below may explain it: find it first
        first = self.unexplained_from
        self._add(
            self.last_good_checkpoint if first is None else first,
            checkpoint.size,
            f"the events up to {checkpoint.size} no longer hash to the checkpoint's root",
        )

    # -- stored subtrees ---------------------------------------------------------------------

    def _compare_nodes(self) -> None:
        if not self.completed:
            return
        expected = {(node.level, node.index): node.hash for node in self.completed}
        self.completed = []
        stored = self._stored_range(expected)
        for (level, index), digest in sorted(expected.items()):
            if stored.get((level, index)) == digest:
                continue
            self.bad.add((level, index))
            if level > 0 and {(level - 1, 2 * index), (level - 1, 2 * index + 1)} & self.bad:
                continue  # follows from a wrong subtree below, already reported
            first, last = index << level, ((index + 1) << level) - 1
            what = f"leaf {index}" if level == 0 else f"leaves {first}..{last} (level {level})"
            if (level, index) not in stored:
                self._add(first, None, f"the stored hash of {what} is missing")
            elif level == 0:
                self._add(first, None, "the stored leaf hash does not match the event's entry")
            else:
                self._add(first, None, f"the stored hash of {what} is wrong")

    def _stored_range(self, keys: dict[tuple[int, int], bytes]) -> dict[tuple[int, int], bytes]:
        """Stored nodes for `keys`, which are contiguous per level: one query."""
        bounds: dict[int, tuple[int, int]] = {}
        for level, index in keys:
            low, high = bounds.get(level, (index, index))
            bounds[level] = (min(low, index), max(high, index))
        condition = or_(
            *(
                and_(AuditNode.level == level, AuditNode.index.between(low, high))
                for level, (low, high) in bounds.items()
            )
        )
        rows = self.db.execute(
            select(AuditNode.level, AuditNode.index, AuditNode.hash).where(condition)
        )
        return {(level, index): bytes(digest) for level, index, digest in rows}

    def _check_extra_nodes(self) -> None:
        size = self.edge.size
        top = max(size.bit_length(), 1)
        for level in range(top + 1):
            low, high = self.db.execute(
                select(func.min(AuditNode.index), func.max(AuditNode.index)).where(
                    AuditNode.level == level
                )
            ).one()
            if high is not None and high >= size >> level:
                self._add(
                    size,  # they cover leaves from `size` on, which do not exist
                    None,
                    f"subtree hashes are stored beyond the end of the log (level {level}, "
                    f"up to index {high})",
                )
            if low is not None and low < 0:
                self._add(None, None, f"a negative subtree index is stored at level {level}")
        stray = self.db.scalar(
            select(func.count())
            .select_from(AuditNode)
            .where(or_(AuditNode.level > top, AuditNode.level < 0))
        )
        if stray:
            self._add(None, None, f"{stray} subtree hashes are stored at impossible levels")

    def _check_saved_consistency(self) -> None:
        saved, size = self.saved, self.edge.size
        if saved is None:
            return
        if saved.size > size:
            self._add(
                None,
                saved.size,
                f"the log holds {size} events but the saved checkpoint covers {saved.size}: "
                "its history was truncated or rewritten",
            )
            return
        if saved.size in (0, size):  # nothing to prove beyond the root compared on the way
            return
        try:
            proof = consistency(self.db, saved.size, size)
            check_consistency(saved.size, size, proof, saved.root_hash, self.edge.root())
        except (ProofError, LookupError) as exc:
            self._add(
                None, saved.size, f"no valid consistency proof from the saved checkpoint: {exc}"
            )


class _Abandon(Exception):
    """The rebuild cannot continue meaningfully."""


def verify_log(
    engine: Engine,
    verifiers: Sequence[Verifier],
    origin: str,
    saved: Checkpoint | None = None,
) -> VerifyReport:
    """Verify the log in `engine`'s database (read-only; safe beside a running system)."""
    with read_snapshot(engine) as connection:
        return LogVerifier(connection, verifiers, origin, saved).run()
