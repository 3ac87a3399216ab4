"""The audit API: the signed checkpoint, the public key, entries, proofs and item trails.

Access: the checkpoint, the public key and proofs need only an authenticated principal (they
reveal hashes, never content); entries need `audit.read`; an item's trail and custody report need
`evidence.view` on that item, or `audit.read`. Every call is recorded — as an event that is
itself integrated later, never one the answer depends on, so reading the log cannot change what
was just read or loop.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy.orm import Session

from openbwv.access.deps import optional_principal, require_principal
from openbwv.access.policy import roles
from openbwv.access.policy.queries import require
from openbwv.access.principal import Principal
from openbwv.api.context import Client, ClientContext
from openbwv.api.problems import Problem, problem_response
from openbwv.api.session import Db
from openbwv.audit import queries, report
from openbwv.audit.events import record
from openbwv.audit.keys import get_signer
from openbwv.audit.merkle import leaf_hash
from openbwv.audit.queries import (
    TRAIL_ACTION,
    authorize_trail,
    consistency,
    entries_between,
    fetch_nodes,
    inclusion_proofs,
    latest_checkpoint,
    load_trail,
)
from openbwv.audit.schemas import (
    ConsistencyProofOut,
    EntriesPage,
    EntryOut,
    InclusionProofOut,
    TrailEventOut,
    TrailOut,
)
from openbwv.audit.trail import Trail, TrailEvent, b64
from openbwv.db.session import unit_of_work

router = APIRouter(tags=["audit"])
Authed = Annotated[Principal, Depends(require_principal)]
TEXT = "text/plain; charset=utf-8"
MAX_ENTRIES = 1000
# Leaf indexes and tree sizes are 64-bit in the database: anything larger is refused up front
# (422), never handed to the database to overflow (it answered 500).
MAX_INDEX = 2**63 - 1
Index = Annotated[int, Query(le=MAX_INDEX)]
MAX_TRAIL = 2000
REPORT_ACTION = "audit.custody_report"
# The verifier key and the checkpoint are public: an outside verifier needs no account. Fetches
# without credentials are limited per address (per API process) instead of recorded, so nobody
# can flood the audit log with them.
Anyone = Annotated[Principal | None, Depends(optional_principal)]
PUBLIC_RATE = parse("60/minute")
_public_fetches = MovingWindowRateLimiter(MemoryStorage())


def _audit(
    session: Session, client: ClientContext, principal: Principal, action: str, **kwargs: Any
) -> None:
    record(session, principal, action, source_ip=client.ip, **kwargs)


def _public_read(
    session: Session, client: ClientContext, principal: Principal | None, action: str
) -> None:
    """A signed-in reader is recorded as for any read; an anonymous one is rate limited."""
    if principal is not None:
        _audit(session, client, principal, action)
    elif not _public_fetches.hit(PUBLIC_RATE, action, client.ip or "unknown"):
        raise Problem(
            429,
            "Too many requests",
            f"at most {PUBLIC_RATE.amount} a minute from one address without signing in",
            headers={"Retry-After": "60"},
        )


def _bad(detail: str) -> Problem:
    return Problem(400, "Invalid tree size or index", detail)


@router.get(
    "/api/v1/audit/checkpoint",
    summary="The latest signed checkpoint (C2SP tlog-checkpoint signed note)",
    response_class=Response,
    responses={200: {"content": {TEXT: {}}}},
)
def get_checkpoint(session: Db, client: Client, principal: Anyone) -> Response:
    _public_read(session, client, principal, "audit.checkpoint")
    checkpoint = latest_checkpoint(session)
    note = checkpoint.note if checkpoint else None
    if note is None:  # answered, not raised: the read's audit record is kept (committed)
        return problem_response(404, "No checkpoint yet", "the log has not signed a checkpoint yet")
    return Response(note, media_type=TEXT, headers={"Cache-Control": "no-cache"})


@router.get(
    "/api/v1/audit/public-key",
    summary="The checkpoint verifier key: <name>+<key id hex>+<base64(0x01 ‖ Ed25519 key)>",
    response_class=Response,
    responses={200: {"content": {TEXT: {}}}},
)
def get_public_key(session: Db, client: Client, principal: Anyone) -> Response:
    _public_read(session, client, principal, "audit.public_key")
    return Response(get_signer().verifier.key + "\n", media_type=TEXT)


@router.get("/api/v1/audit/entries", response_model=EntriesPage, summary="Log entries by index")
def get_entries(
    session: Db,
    client: Client,
    principal: Authed,
    start: int | None = Query(
        None,
        le=MAX_INDEX,
        description=f"First leaf index (default: the newest page, the last {MAX_ENTRIES} entries"
        " up to `end` or the latest checkpoint).",
    ),
    end: int | None = Query(
        None, le=MAX_INDEX, description=f"Last leaf index, inclusive (≤ {MAX_ENTRIES})."
    ),
) -> EntriesPage:
    require(principal, roles.AUDIT_READ)
    size = queries.tree_size(session)
    if start is None:
        if size == 0:  # nothing signed yet: an empty newest page, not an error
            _audit(session, client, principal, "audit.entries", details={"start": 0, "end": -1})
            return EntriesPage(tree_size=0, start=0, end=-1, entries=[])
        newest = size - 1 if end is None or end < 0 else min(end, size - 1)
        start = max(0, newest - MAX_ENTRIES + 1)
    if start < 0:
        raise _bad("start must be 0 or more")
    if start >= size:
        raise _bad(f"start {start} is beyond the log: the latest checkpoint has {size} entries")
    last = min(size - 1, start + MAX_ENTRIES - 1, end if end is not None else size - 1)
    if end is not None and end < start:
        raise _bad(f"end ({end}) is before start ({start})")
    rows = entries_between(session, start, last)
    _audit(session, client, principal, "audit.entries", details={"start": start, "end": last})
    return EntriesPage(
        tree_size=size,
        start=start,
        end=last,
        entries=[_entry(i, entry) for i, entry in rows],
    )


def _entry(index: int, entry: str) -> EntryOut:
    raw = entry.encode("utf-8")
    return EntryOut(
        index=index, entry=b64(raw), leaf_hash=b64(leaf_hash(raw)), event=json.loads(entry)
    )


@router.get(
    "/api/v1/audit/proof/inclusion", response_model=InclusionProofOut, summary="Inclusion proof"
)
def get_inclusion_proof(
    session: Db, client: Client, principal: Authed, index: Index, tree_size: Index
) -> InclusionProofOut:
    size = queries.tree_size(session)
    if not 0 < tree_size <= size:
        raise _bad(f"tree_size must be between 1 and the log's size ({size})")
    if not 0 <= index < tree_size:
        raise _bad(f"index must be between 0 and tree_size - 1 ({tree_size - 1})")
    proof = inclusion_proofs(session, [index], tree_size)[index]
    leaf = fetch_nodes(session, [(0, index)]).get((0, index), b"")
    _audit(
        session,
        client,
        principal,
        "audit.proof",
        details={"kind": "inclusion", "index": index, "tree_size": tree_size},
    )
    return InclusionProofOut(
        index=index, tree_size=tree_size, leaf_hash=b64(leaf), proof=[b64(h) for h in proof]
    )


@router.get(
    "/api/v1/audit/proof/consistency",
    response_model=ConsistencyProofOut,
    summary="Consistency proof between two tree sizes",
)
def get_consistency_proof(
    session: Db, client: Client, principal: Authed, first: Index, second: Index
) -> ConsistencyProofOut:
    size = queries.tree_size(session)
    if not 0 < second <= size:
        raise _bad(f"second must be between 1 and the log's size ({size})")
    if not 0 < first <= second:
        raise _bad(
            "first must be between 1 and second (a proof from the empty tree proves nothing)"
        )
    proof = consistency(session, first, second)
    _audit(
        session,
        client,
        principal,
        "audit.proof",
        details={"kind": "consistency", "first": first, "second": second},
    )
    return ConsistencyProofOut(first=first, second=second, proof=[b64(h) for h in proof])


def _trail_event(event: TrailEvent) -> TrailEventOut:
    return TrailEventOut(
        index=event.index,
        entry=b64(event.leaf_bytes),
        leaf_hash=b64(event.leaf_hash),
        event=event.event,
        inclusion_proof=None if event.proof is None else [b64(h) for h in event.proof],
    )


@router.get(
    "/api/v1/evidence/{evidence_id}/audit",
    response_model=TrailOut,
    summary="The item's audit trail, each event with its inclusion proof",
)
def get_trail(
    evidence_id: str,
    session: Db,
    client: Client,
    principal: Authed,
    after: int = Query(-1, ge=-1, le=MAX_INDEX, description="Continue after this leaf index."),
    limit: int = Query(500, ge=1, le=MAX_TRAIL),
) -> TrailOut:
    item_id = authorize_trail(session, principal, evidence_id)
    trail: Trail = load_trail(session, item_id, after=after, limit=limit)
    _audit(session, client, principal, TRAIL_ACTION, evidence_id=item_id)
    return TrailOut(
        evidence_id=str(item_id),
        tree_size=trail.tree_size,
        checkpoint=trail.checkpoint.note if trail.checkpoint else None,
        public_key=get_signer().verifier.key,
        events=[_trail_event(event) for event in trail.events],
        pending=[_trail_event(event) for event in trail.pending],
        next_after=trail.next_after,
    )


@router.get(
    "/api/v1/evidence/{evidence_id}/custody-report",
    summary="Chain-of-custody report (HTML or PDF), verifiable independently",
    response_class=Response,
    responses={200: {"content": {"text/html": {}, "application/pdf": {}}}},
)
def get_custody_report(
    evidence_id: str,
    client: Client,
    principal: Authed,
    format: Literal["html", "pdf"] = "html",
) -> Response:
    with unit_of_work() as session:
        item_id = authorize_trail(session, principal, evidence_id, REPORT_ACTION)
        custody = report.gather(session, item_id)
        _audit(
            session,
            client,
            principal,
            REPORT_ACTION,
            evidence_id=item_id,
            details={"format": format},
        )
    name = f"custody-{item_id}.{format}"
    headers = {"Content-Disposition": f'inline; filename="{name}"', "Cache-Control": "no-store"}
    if format == "pdf":
        return Response(report.render_pdf(custody), media_type="application/pdf", headers=headers)
    headers["Content-Security-Policy"] = report.html_policy()
    body = report.render_html(custody).encode("utf-8")
    return Response(body, media_type="text/html; charset=utf-8", headers=headers)
