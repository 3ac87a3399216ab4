"""Building an evidence package: authorise and gather in one short unit of work (each item's
export recorded as a download of it), then stream the ZIP outside any transaction, then record
the package — its SHA-256, its manifest's, the recipient — in the audit log.

`stream_package(principal, request)` is the one entry point: the API, the CLI and share
downloads call it and iterate the result (docs/packages.md)."""

from __future__ import annotations

import hashlib
import os
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from openbwv.access.policy import roles
from openbwv.access.principal import Principal
from openbwv.audit.events import FAILURE, record
from openbwv.audit.service import integrate
from openbwv.config import get_settings
from openbwv.db.session import get_engine, unit_of_work
from openbwv.evidence import service as evidence_service
from openbwv.ids import new_id
from openbwv.logging import get_logger
from openbwv.sharing.packages import c2pa_sign, custody, manifest, provenance, queries
from openbwv.sharing.packages.contents import (
    COPIES,
    ORIGINALS,
    Copies,
    ItemPlan,
    Plan,
    Source,
)
from openbwv.sharing.packages.errors import NothingToPackage, PackageError
from openbwv.sharing.packages.zipbuild import PackageZip, Written, coalesce
from openbwv.storage.base import ObjectStore, iter_file
from openbwv.storage.factory import derivatives, originals
from openbwv.timeutil import isoformat_z, utcnow

EXPORT_ACTION = "package.export"
VERIFY_HTML, VERIFY_PY = "verify.html", "verify.py"
CHECK_EVERY = 64 * 1024 * 1024  # bytes between two calls of a request's `check`
log = get_logger(__name__)


@dataclass
class PackageRequest:
    """What to package. Name the case by `case_id` (API) or `crime_reference` (CLI)."""

    case_id: str | None = None
    crime_reference: str | None = None
    item_ids: Sequence[uuid.UUID] | None = None  # default: every item of the case
    copies: Copies = "both"
    recipient: str | None = None
    share: dict[str, Any] | None = None  # the share it is made for (sharing's own summary)
    known_checkpoint: str | None = None  # a checkpoint the recipient holds (signed note text)
    include_notes: bool = False
    source_ip: str | None = None
    # Called before each file and every `check_every` bytes: raise to stop the stream (a share
    # revoked). A share package: the sharing domain has checked the share and sets `share`, so
    # the case is the share's (no export permission or case membership needed) and each item
    # still needs the principal's download permission (the policy's share reach).
    check: Callable[[], None] | None = None
    check_every: int = CHECK_EVERY


@dataclass
class PackageSummary:
    package_id: str
    case_id: str
    crime_reference: str
    items: int
    withheld: list[dict[str, str]]
    recipient: str | None
    files: int = 0
    size: int = 0
    sha256: str | None = None  # of the whole ZIP, once streamed
    manifest_sha256: str | None = None
    complete: bool = False


# --- gathering (one unit of work) -------------------------------------------------------------


def prepare(session: Session, principal: Principal, request: PackageRequest) -> Plan:
    """Authorise, read everything the package holds, and record each item's export."""
    if request.copies not in COPIES:
        raise PackageError(f"copies must be one of {', '.join(COPIES)}")
    if request.share is not None:
        case = queries.shared_case(session, request.case_id or "")
    else:
        case = queries.find_case(
            session, principal, case_id=request.case_id, reference=request.crime_reference
        )
    chosen, withheld = queries.choose_items(
        session, principal, case, request.item_ids, strict=request.share is None
    )
    anchor = queries.anchor(session, request.known_checkpoint)
    package_id = str(new_id())
    plans: list[ItemPlan] = []
    for item_id in chosen:
        item = evidence_service.open_item(
            session,
            principal,
            item_id,
            request.source_ip,
            permission=roles.DOWNLOAD,
            action="evidence.download",
            details={"package": package_id, "copies": request.copies},
        )
        plan = queries.item_plan(
            session, item, request.copies, anchor.tree_size, notes=request.include_notes
        )
        if plan is None:
            missing = "no redacted copy" if request.copies == "redacted" else "no playback copy yet"
            withheld.append({"evidence_id": str(item_id), "reason": missing})
        else:
            plans.append(plan)
    if not plans:
        what = "a redacted copy" if request.copies == "redacted" else "a playback copy yet"
        raise NothingToPackage(f"no item of this case has {what}")
    return Plan(
        case={
            "id": str(case.id),
            "crime_reference": case.crime_reference,
            "title": case.title,
            "package_id": package_id,
        },
        copies=request.copies,
        items=plans,
        withheld=withheld,
        anchor=anchor,
        created_at=isoformat_z(utcnow().replace(microsecond=0)),
        created_by={"name": principal.name, "kind": principal.kind},
        recipient=request.recipient,
        share=request.share,
    )


# --- streaming (no transaction held) ----------------------------------------------------------


def _store(source: Source) -> ObjectStore:
    return originals() if source.store == ORIGINALS else derivatives()


def _static(name: str) -> bytes:
    return (resources.files("openbwv.sharing.packages") / "static" / name).read_bytes()


def _signed_copy(item: ItemPlan, source: Source, crime_reference: str) -> Iterator[bytes]:
    """The playback copy with its C2PA credentials, signed into a temporary file (C2PA
    rewrites the MP4's boxes, which needs a seekable file) that is deleted once sent."""
    facts = {
        "evidence_id": str(item.evidence_id),
        "sha256": item.sha256,
        "original_name": item.original_name,
        "original_type": item.metadata.get("media_type") or "application/octet-stream",
        "crime_reference": crime_reference,
    }
    spool = get_settings().resolved_data_dir / "tmp"
    spool.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix="package-copy-", suffix=".mp4", dir=spool)
    os.close(fd)
    path = Path(name)
    try:
        with _store(source).local_copy(source.key) as local:
            c2pa_sign.sign_copy(local, path, facts)
        with path.open("rb") as handle:
            yield from iter_file(handle, 0, None)
    finally:
        path.unlink(missing_ok=True)


Check = tuple[Callable[[], None], int] | None  # a request's check, and how often (bytes)


def _checked(chunks: Iterable[bytes], check: Check) -> Iterator[bytes]:
    if check is None:
        yield from chunks
        return
    call, every = check
    call()
    since = 0
    for chunk in chunks:
        since += len(chunk)
        if since >= every:
            call()
            since = 0
        yield chunk


def _add_redacted(zipped: PackageZip, item: ItemPlan, check: Check) -> None:
    """The redacted copy (instead of the original) and its redaction log beside it."""
    key = str(item.evidence_id)
    copy_path, log_path = manifest.redacted_paths(key)
    for path, source, digest in (
        (copy_path, item.redacted, (item.redaction or {}).get("sha256")),
        (log_path, item.redaction_log, (item.redaction or {}).get("log_sha256")),
    ):
        if source is None:
            continue
        zipped.add(
            path,
            lambda source=source: _checked(  # type: ignore[misc]
                coalesce(_store(source).open_range(source.key)), check
            ),
            size=source.size,
            evidence_id=key,
            expect_sha256=digest,
        )


def _add_item(zipped: PackageZip, item: ItemPlan, plan: Plan, check: Check) -> None:
    key = str(item.evidence_id)
    if item.redacted is not None:
        _add_redacted(zipped, item, check)
    original_path, playback_path = manifest.item_paths(key, item.original_name)
    if item.original is not None:
        source = item.original
        zipped.add(
            original_path,
            lambda: _checked(coalesce(_store(source).open_range(source.key)), check),
            size=source.size,
            evidence_id=key,
            expect_sha256=item.sha256,
        )
    if item.playback is not None:
        copy = item.playback
        if copy.media_type in c2pa_sign.MP4_TYPES:
            zipped.add(
                playback_path,
                lambda: _checked(_signed_copy(item, copy, plan.case["crime_reference"]), check),
                evidence_id=key,
            )
            item.metadata["playback_c2pa"] = True
        else:  # not an MP4 (a WebM that already plays): shipped as it is, without credentials
            zipped.add(
                playback_path,
                lambda: _checked(_store(copy).open_range(copy.key), check),
                size=copy.size,
                evidence_id=key,
            )
            item.metadata["playback_c2pa"] = False


def build_zip(plan: Plan, summary: PackageSummary, check: Check) -> PackageZip:
    """Queue every member; nothing is read until the ZIP is iterated."""
    zipped = PackageZip()
    for item in plan.items:
        _add_item(zipped, item, plan, check)
    # custody/ is not listed in the manifest's files: it verifies itself (the signature, each
    # proof, and the leaf indexes the manifest lists per item), so tampering there shows on the
    # items it concerns rather than as a changed file.
    zipped.add_bytes(custody.CHECKPOINT, plan.anchor.note.encode("utf-8"), listed=False)
    key_line = (plan.anchor.verifier_key + "\n").encode("ascii")
    zipped.add_bytes(custody.VERIFIER_KEY, key_line, listed=False)
    zipped.add(custody.EVENTS, lambda: custody.event_lines(plan.items), listed=False)
    consistency = custody.consistency_file(plan.anchor)
    if consistency is not None:
        zipped.add_bytes(custody.CONSISTENCY, consistency, listed=False)
    zipped.add_bytes(VERIFY_HTML, _static(VERIFY_HTML))
    zipped.add_bytes(VERIFY_PY, _static(VERIFY_PY))

    def provenance_bytes(written: list[Written]) -> bytes:  # listed: added before the manifest
        copies = {
            w.evidence_id: w.sha256
            for w in written
            if w.evidence_id and w.path.endswith("/playback.mp4")
        }
        return provenance.encode(provenance.document(plan, copies))

    def manifest_bytes(written: list[Written]) -> bytes:
        data = manifest.encode(manifest.document(plan, written))
        summary.manifest_sha256 = hashlib.sha256(data).hexdigest()
        return data

    zipped.add_last(provenance.NAME, provenance_bytes, listed=True)
    zipped.add_last(manifest.NAME, manifest_bytes)
    return zipped


@dataclass
class PackageStream:
    """The package's bytes (iterate once) and, once iterated, its summary."""

    plan: Plan
    principal: Principal
    request: PackageRequest
    summary: PackageSummary
    _zip: PackageZip = field(init=False)

    def __post_init__(self) -> None:
        check = self.request.check
        every = max(1, self.request.check_every)
        self._zip = build_zip(self.plan, self.summary, (check, every) if check else None)

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._zip
        except BaseException as exc:  # a broken stream (client gone, storage damaged, revoked)
            self._record(complete=False, error=type(exc).__name__)
            raise
        self.summary.sha256 = self._zip.sha256
        self.summary.size = self._zip.size
        self.summary.files = len(self._zip.written)
        self.summary.complete = True
        self._record(complete=True)

    def _record(self, *, complete: bool, error: str | None = None) -> None:
        summary = self.summary
        details: dict[str, Any] = {
            "package_id": summary.package_id,
            "crime_reference": summary.crime_reference,
            "recipient": summary.recipient,
            "copies": self.plan.copies,
            "items": [str(item.evidence_id) for item in self.plan.items],
            "withheld": summary.withheld,
            "checkpoint_size": self.plan.anchor.tree_size,
            "share": (self.plan.share or {}).get("id"),
        }
        if complete:
            details |= {
                "sha256": summary.sha256,
                "manifest_sha256": summary.manifest_sha256,
                "size": str(summary.size),
                "files": summary.files,
            }
        else:
            details |= {"stopped": error, "bytes_sent": str(self._zip.size)}
        try:
            with unit_of_work() as session:
                record(
                    session,
                    self.principal,
                    EXPORT_ACTION,
                    target_type="case",
                    target_id=summary.case_id,
                    result="success" if complete else FAILURE,
                    source_ip=self.request.source_ip,
                    details=details,
                )
        except Exception:  # the stream's own error matters more; the failure is logged
            log.exception("could not record the package export", package=summary.package_id)
            if complete:
                raise


def stream_package(principal: Principal, request: PackageRequest) -> PackageStream:
    """Authorise and gather now (errors raise here, before any byte); iterate for the ZIP."""
    integrate(get_engine())  # every event so far anchored: the package's custody is current
    with unit_of_work() as session:
        plan = prepare(session, principal, request)
    return stream_plan(principal, request, plan)


def stream_plan(principal: Principal, request: PackageRequest, plan: Plan) -> PackageStream:
    """The stream of a plan the caller prepared in its own unit of work, after `integrate` (a
    subject access release links, prepares and unlinks in one transaction)."""
    summary = PackageSummary(
        package_id=plan.case["package_id"],
        case_id=plan.case["id"],
        crime_reference=plan.case["crime_reference"],
        items=len(plan.items),
        withheld=plan.withheld,
        recipient=request.recipient,
    )
    return PackageStream(plan, principal, request, summary)
