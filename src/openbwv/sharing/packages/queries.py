"""Reading what a package will hold: the case, which of its items may leave the force (and why
the others may not), each item's metadata, its custody events with inclusion proofs against one
signed checkpoint, and the consistency proof from a checkpoint the recipient holds.

Everything is read through the owning domains' public functions (cases, evidence, audit), never
their tables."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from openbwv.access.errors import AccessDenied
from openbwv.access.policy import roles
from openbwv.access.policy.queries import authorize_item, require
from openbwv.access.principal import Principal
from openbwv.audit import keys
from openbwv.audit import queries as audit_queries
from openbwv.audit.note import NoteError, open_checkpoint
from openbwv.cases import queries as case_queries
from openbwv.evidence import queries as evidence_queries
from openbwv.evidence.annotations import queries as annotation_queries
from openbwv.redaction.queries import latest_render
from openbwv.sharing import queries as sharing_queries
from openbwv.sharing.packages.contents import (
    DERIVATIVES,
    ORIGINALS,
    Anchor,
    Copies,
    CustodyEvent,
    ItemPlan,
    Source,
)
from openbwv.sharing.packages.custody import b64
from openbwv.sharing.packages.errors import NothingToPackage, PackageError, Withheld
from openbwv.timeutil import isoformat_z

DO_NOT_DISCLOSE = "do_not_disclose"  # a device-set item flag; the sharers' flag is in sharing
MAX_EVENTS_PER_ITEM = 20_000  # as the custody report: beyond it, the API pages the trail
_PAGE = 2000
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
PLAYBACK = "playback"  # the evidence domain's derivative kind
NOT_NEEDED = "not_needed"  # its status when the original already plays in a browser


def find_case(
    session: Session, principal: Principal, *, case_id: str | None, reference: str | None
) -> Any:
    """The case (by id or crime reference) if the principal may see it and export."""
    require(principal, roles.EXPORT, target=case_id or reference)
    if case_id is not None:
        return case_queries.get_visible(session, principal, case_id)
    case = case_queries.find_by_reference(session, principal, reference or "")
    if case is None:
        raise AccessDenied("case.view", "no such case", status=404, target=(reference or "")[:64])
    return case


def shared_case(session: Session, case_id: str) -> Any:
    """A share's case, for a package its recipient downloads: the sharing domain has checked the
    share (recipients are no case members and hold no export permission); what goes in is still
    decided per item by the recipient's own download permission."""
    try:
        case = case_queries.case_by_id(session, uuid.UUID(case_id))
    except ValueError:
        case = None
    if case is None:
        raise AccessDenied("case.view", "no such case", status=404, target=case_id[:64])
    return case


def safe_name(name: str | None, fallback: str) -> str:
    cleaned = _UNSAFE.sub("_", name or "").strip("._")[:120]
    return cleaned or fallback


def _withheld_reason(session: Session, principal: Principal, item_id: uuid.UUID) -> str | None:
    """Why an item may not go into this principal's package (None: it may)."""
    try:
        item = authorize_item(session, principal, item_id, roles.DOWNLOAD)
    except AccessDenied as exc:
        if exc.status == 403:
            return "you may not download this item"
        return "not within your reach, or in a restricted category you hold no grant of"
    if DO_NOT_DISCLOSE in (item.flags or []) or sharing_queries.flags(session, [item.id]):
        return "flagged do not disclose"
    if item.status == "disposed":
        return "disposed of under a retention rule: its bytes are gone"
    return None


def _playback_source(item: Any) -> Source | None:
    """The stored bytes of the item's browser-playable copy, or None while there is none."""
    for derivative in item.derivatives:
        if derivative.kind != PLAYBACK:
            continue
        if derivative.status == NOT_NEEDED:
            return Source(ORIGINALS, item.sha256, item.size_bytes, item.media_type)
        if derivative.storage_key:
            return Source(
                DERIVATIVES,
                derivative.storage_key,
                derivative.size_bytes or 0,
                derivative.media_type or "video/mp4",
            )
    return None


def _metadata(session: Session, item: Any, notes: bool) -> dict[str, Any]:
    def when(value: Any) -> str | None:
        return isoformat_z(value) if value else None

    found: dict[str, Any] = {
        "title": item.title,
        "original_filename": item.original_filename,
        "media_type": item.media_type,
        "size_bytes": item.size_bytes,
        "source": item.source,
        "officer": item.officer,
        "camera_serial": item.camera_serial,
        "borough": item.borough,
        "recorded_start": when(item.recorded_start),
        "recorded_end": when(item.recorded_end),
        "duration_seconds": item.duration_seconds,
        "ingested_at": when(item.ingested_at),
        "recording_key": item.recording_key,
        "gps_track": item.gps_track or [],
        "categories": evidence_queries.categories_of(session, item),
        "tags": annotation_queries.tags_for(session, item.id),
        "markers": [
            {
                "label": marker.label,
                "offset_seconds": marker.offset_seconds,
                "end_offset_seconds": marker.end_offset_seconds,
                "at": when(marker.at),
                "end_at": when(marker.end_at),
                "tags": marker.tags,
                "source": marker.source,
            }
            for marker in annotation_queries.markers_for(session, item.id)
        ],
    }
    if notes:
        found["notes"] = [
            {"author": note.author_name, "text": note.text, "created_at": when(note.created_at)}
            for note in annotation_queries.notes_for(session, item.id)
        ]
    return found


def custody_events(session: Session, evidence_id: uuid.UUID, size: int) -> list[CustodyEvent]:
    """The item's anchored events below `size`, each with its proof against that tree size."""
    rows: list[tuple[int, str]] = []
    page = audit_queries.load_trail(session, evidence_id, limit=_PAGE)
    while True:
        rows += [(event.index, event.entry) for event in page.events if event.index is not None]
        if page.next_after is None or len(rows) >= MAX_EVENTS_PER_ITEM:
            break
        page = audit_queries.load_trail(session, evidence_id, after=page.next_after, limit=_PAGE)
    # Proofs against the package's one checkpoint, whatever checkpoint the pages were read under.
    kept = [(index, entry) for index, entry in rows[:MAX_EVENTS_PER_ITEM] if index < size]
    proofs = audit_queries.inclusion_proofs(session, [index for index, _ in kept], size)
    return [CustodyEvent(index, entry, proofs[index]) for index, entry in kept]


def anchor(session: Session, known_checkpoint: str | None) -> Anchor:
    """The latest signed checkpoint and, for a checkpoint the recipient holds, the proof that
    the latest extends it."""
    checkpoint = audit_queries.latest_checkpoint(session)
    if checkpoint is None:
        raise NothingToPackage("the audit log has not signed a checkpoint yet; try again shortly")
    consistency = None
    if known_checkpoint:
        try:
            held, _ = open_checkpoint(known_checkpoint, keys.trusted_verifiers())
        except NoteError as exc:
            raise PackageError(f"the checkpoint you hold does not verify: {exc}") from None
        if held.size > checkpoint.tree_size:
            raise PackageError("the checkpoint you hold is newer than this log's latest")
        proof = audit_queries.consistency(session, held.size, checkpoint.tree_size)
        consistency = {"checkpoint": known_checkpoint, "proof": [b64(h) for h in proof]}
    return Anchor(
        note=checkpoint.note,
        origin=checkpoint.note.split("\n", 1)[0],
        tree_size=checkpoint.tree_size,
        root_hash=bytes(checkpoint.root_hash),
        verifier_key=keys.get_signer().verifier.key,
        consistency=consistency,
    )


def choose_items(
    session: Session,
    principal: Principal,
    case: Any,
    item_ids: Sequence[uuid.UUID] | None,
    *,
    strict: bool = True,
) -> tuple[list[uuid.UUID], list[dict[str, str]]]:
    """The items that go in (the case's, or the chosen ones) and those withheld, with why.

    A chosen item that may not go is refused outright (the sharer asked for it by name); of a
    whole case, such items are left out and reported. Not `strict` (a share's items, chosen by
    the sharing domain): items no longer linked, or out of the recipient's reach, are left out
    silently (naming them would tell a recipient of items not shared with them)."""
    linked = case_queries.item_ids(session, case)
    if not strict:
        wanted = [item for item in (item_ids or []) if item in set(linked)]
        chosen, withheld = [], []
        for item_id in wanted:
            reason = _withheld_reason(session, principal, item_id)
            if reason is None:
                chosen.append(item_id)
            elif reason.startswith("flagged") or reason.startswith("disposed"):
                withheld.append({"evidence_id": str(item_id), "reason": reason})
        if not chosen:
            raise NothingToPackage("nothing shared with you may go into a package")
        return chosen, withheld
    if item_ids:
        stray = [str(item) for item in item_ids if item not in set(linked)]
        if stray:
            raise PackageError(f"not linked to this case: {', '.join(stray)}")
        wanted = list(dict.fromkeys(item_ids))
    else:
        wanted = linked
    chosen, withheld = [], []
    for item_id in wanted:
        reason = _withheld_reason(session, principal, item_id)
        if reason is None:
            chosen.append(item_id)
        else:
            withheld.append({"evidence_id": str(item_id), "reason": reason})
    if item_ids and withheld:
        raise Withheld(
            "; ".join(f"{w['evidence_id']}: {w['reason']}" for w in withheld), withheld=withheld
        )
    if not chosen:
        raise NothingToPackage(
            "no item of this case may go into a package"
            + (": " + "; ".join(w["reason"] for w in withheld) if withheld else "")
        )
    return chosen, withheld


def item_plan(
    session: Session, item: Any, copies: Copies, size: int, *, notes: bool
) -> ItemPlan | None:
    """What the package holds of one item (None when a playback copy is asked for and the item
    has none yet, or a redacted copy and it has none)."""
    if copies == "redacted":
        return _redacted_plan(session, item, size, notes=notes)
    playback = _playback_source(item) if copies in ("playback", "both") else None
    if copies == "playback" and playback is None:
        return None
    original = None
    if copies in ("original", "both"):
        original = Source(ORIGINALS, item.sha256, item.size_bytes, item.media_type)
    return ItemPlan(
        evidence_id=item.id,
        sha256=item.sha256,
        original_name=safe_name(item.original_filename, f"{item.id}.bin"),
        metadata=_metadata(session, item, notes),
        original=original,
        playback=playback,
        custody=custody_events(session, item.id, size),
    )


def _redacted_plan(session: Session, item: Any, size: int, *, notes: bool) -> ItemPlan | None:
    """The item's latest rendered redaction instead of its original, with the redaction log."""
    copy = latest_render(session, item.id)
    if copy is None:
        return None
    return ItemPlan(
        evidence_id=item.id,
        sha256=item.sha256,
        original_name=safe_name(item.original_filename, f"{item.id}.bin"),
        metadata=_metadata(session, item, notes),
        original=None,
        playback=None,
        custody=custody_events(session, item.id, size),
        redacted=Source(DERIVATIVES, copy.video_key, copy.video_size, "video/mp4"),
        redaction_log=Source(DERIVATIVES, copy.log_key, copy.log_size, "application/json"),
        redaction={
            "redaction_id": str(copy.redaction_id),
            "version": copy.version,
            "revision": copy.revision,
            "sha256": copy.video_sha256,
            "log_sha256": copy.log_sha256,
        },
    )
