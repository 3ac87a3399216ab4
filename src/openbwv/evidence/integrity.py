"""fsck: re-hash every original, report mismatches, missing objects and orphans."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

from openbwv.config import Settings, get_settings
from openbwv.db.session import unit_of_work
from openbwv.evidence.models import Derivative, EvidenceItem
from openbwv.storage.base import ObjectNotFound
from openbwv.storage.factory import derivatives, originals


@dataclass
class FsckReport:
    checked: int = 0
    bytes_checked: int = 0
    mismatched: list[tuple[str, str, str]] = field(default_factory=list)  # id, expected, actual
    missing: list[tuple[str, str]] = field(default_factory=list)  # id, key
    orphans: list[tuple[str, str]] = field(default_factory=list)  # namespace, key

    @property
    def ok(self) -> bool:
        return not (self.mismatched or self.missing or self.orphans)


def fsck(
    settings: Settings | None = None, progress: Callable[[int], None] = lambda _n: None
) -> FsckReport:
    settings = settings or get_settings()
    report = FsckReport()
    with unit_of_work(settings) as session:
        items = list(session.execute(select(EvidenceItem.id, EvidenceItem.sha256)))
        derived = set(
            session.scalars(
                select(Derivative.storage_key).where(Derivative.storage_key.is_not(None))
            )
        )
    store = originals(settings)
    for item_id, sha256 in items:
        try:
            actual = store.rehash(sha256)
            size = store.size(sha256)
        except ObjectNotFound:
            report.missing.append((str(item_id), sha256))
            continue
        report.checked += 1
        report.bytes_checked += size
        progress(size)
        if actual != sha256:
            report.mismatched.append((str(item_id), sha256, actual))
    known = {sha256 for _id, sha256 in items}
    report.orphans.extend(("originals", key) for key in store.iter_keys() if key not in known)
    report.orphans.extend(
        ("derivatives", key) for key in derivatives(settings).iter_keys() if key not in derived
    )
    return report
