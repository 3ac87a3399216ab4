"""The disposal certificate of a run, as JSON and PDF: `gather` reads what a run disposed of
(integrating pending audit events first); `to_json` and `to_pdf` present it. Each item lists its
tombstone, the rule, who authorised it, and its `retention.dispose` audit leaf with an inclusion
proof against the signed checkpoint included, so anyone holding the verifier key can check it
with the independent verifier of docs/audit.md."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import WrapMode

from openbwv.audit.keys import get_signer
from openbwv.audit.merkle import leaf_hash
from openbwv.audit.queries import inclusion_proofs, latest_checkpoint, leaves_of_events
from openbwv.audit.service import integrate
from openbwv.config import Settings, get_settings
from openbwv.db.session import get_engine, read_only_unit_of_work
from openbwv.evidence.disposal import queries as evidence_facts
from openbwv.evidence.facts import ItemFacts
from openbwv.retention import queries
from openbwv.retention.errors import NoSuchRun, RetentionError
from openbwv.retention.models import Disposal
from openbwv.timeutil import isoformat_z, utcnow

FONTS = Path(__file__).resolve().parents[1] / "audit" / "fonts"
SANS, MONO = "DejaVuSans", "DejaVuSansMono"
HOW_TO_VERIFY = (
    "Verify the checkpoint's signature with the force's verifier key, then for each item compute "
    "SHA-256(0x00 || entry) and run the RFC 9162 inclusion check with its proof against the "
    "checkpoint's root (docs/audit.md, 'Verifying the log yourself')."
)


def to_json(certificate: dict[str, Any]) -> str:
    return json.dumps(certificate, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


class _Pdf(FPDF):
    def __init__(self) -> None:
        super().__init__(format="A4")
        self.add_font(SANS, "", FONTS / "DejaVuSans.ttf")
        self.add_font(SANS, "B", FONTS / "DejaVuSans-Bold.ttf")
        self.add_font(MONO, "", FONTS / "DejaVuSansMono.ttf")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(SANS, size=7)
        self.cell(0, 5, f"openbwv disposal certificate — page {self.page_no()}", align="C")


def _text(pdf: FPDF, text: str, size: float = 9, style: str = "") -> None:
    pdf.set_font(SANS, style, size)
    pdf.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")


def _mono(pdf: FPDF, text: str, size: float = 6.5) -> None:
    pdf.set_font(MONO, size=size)
    pdf.multi_cell(0, size * 0.45, text, wrapmode=WrapMode.CHAR, new_x="LMARGIN", new_y="NEXT")


def to_pdf(certificate: dict[str, Any]) -> bytes:
    pdf = _Pdf()
    pdf.set_title(f"Disposal certificate {certificate['run_id']}")
    pdf.set_author("openbwv")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    _text(pdf, "Disposal certificate", 16, "B")
    run = certificate["run"]
    _text(
        pdf,
        f"Run {certificate['run_id']}, started {run['started_at']} by {run['actor']}; "
        f"generated {certificate['generated_at']} (UTC).",
    )
    _text(pdf, f"{len(certificate['items'])} items disposed of. The bytes went; these facts stay.")
    _text(pdf, "Checkpoint", 11, "B")
    _mono(pdf, certificate["checkpoint"])
    _text(pdf, "Verifier key", 11, "B")
    _mono(pdf, certificate["public_key"])
    _text(pdf, HOW_TO_VERIFY, 8)
    for item in certificate["items"]:
        pdf.ln(2)
        _text(pdf, f"Evidence {item['evidence_id']}", 10, "B")
        _text(
            pdf, f"SHA-256 {item['sha256']} · {item['size_bytes']} bytes · {item['media_type']}", 8
        )
        recorded = f"{item['recorded_start'] or '?'} – {item['recorded_end'] or '?'}"
        _text(
            pdf,
            f"Recorded {recorded}; camera {item['camera_serial'] or '—'}; officer "
            f"{item['officer'] or '—'}; borough {item['borough'] or '—'}; categories "
            f"{', '.join(item['categories']) or 'none'}",
            8,
        )
        _text(
            pdf,
            f"Disposed {item['disposed_at']} under rule {item['rule']}, authorised by "
            f"{item['authorised_by']}: {'; '.join(item['reasons'])}",
            8,
        )
        audit = item["audit"]
        _text(pdf, f"Audit leaf {audit['leaf_index']} (event {audit['event_id']})", 8, "B")
        _mono(pdf, f"entry (base64): {audit['entry']}")
        _mono(pdf, "proof: " + " ".join(audit["inclusion_proof"]))
    return bytes(pdf.output())


# --- gathering --------------------------------------------------------------------------------


def gather(run_id: str, settings: Settings | None = None) -> dict[str, object]:
    """A run's disposal certificate: every item it disposed of, each with its audit leaf and an
    inclusion proof against the latest signed checkpoint (pending events are integrated first)."""
    settings = settings or get_settings()
    integrate(get_engine(settings))
    with read_only_unit_of_work(settings) as session:
        found = queries.find_run(session, run_id)
        if found is None:
            raise NoSuchRun(f"no retention run {run_id}")
        found_id = found.id
        disposals = queries.disposals_of_run(session, found_id)
        facts = {
            fact.id: fact
            for fact in evidence_facts.retention_batch(
                session, ids=[d.evidence_id for d in disposals], limit=max(1, len(disposals))
            )
        }
        leaves = leaves_of_events(session, [d.audit_event_id for d in disposals])
        checkpoint = latest_checkpoint(session)
        size = checkpoint.tree_size if checkpoint else 0
        note = checkpoint.note if checkpoint else ""
        indexes = [leaves[d.audit_event_id][0] for d in disposals]
        if any(index is None or index >= size for index in indexes):
            raise RetentionError("the run's audit events are not yet in a signed checkpoint")
        proofs = inclusion_proofs(session, [i for i in indexes if i is not None], size)
        items = [
            _certified(d, facts[d.evidence_id], leaves[d.audit_event_id], proofs) for d in disposals
        ]
        run_facts = {
            "started_at": found.started_at.isoformat(),
            "actor": found.actor,
            "finished_at": found.finished_at.isoformat() if found.finished_at else None,
            "counts": found.counts,
        }
    return {
        "kind": "openbwv disposal certificate",
        "version": 1,
        "run_id": str(found_id),
        "run": run_facts,
        "generated_at": isoformat_z(utcnow()),
        "checkpoint": note,
        "tree_size": size,
        "public_key": get_signer(settings).verifier.key,
        "items": items,
    }


def _certified(
    disposal: Disposal,
    item: ItemFacts,
    leaf: tuple[int | None, str],
    proofs: dict[int, list[bytes]],
) -> dict[str, object]:
    index, entry = leaf
    assert index is not None  # checked by the caller
    raw = entry.encode()

    def when(moment: datetime | None) -> str | None:
        return isoformat_z(moment) if moment else None

    return {
        "evidence_id": str(item.id),
        "sha256": item.sha256,
        "size_bytes": item.size_bytes,
        "media_type": item.media_type,
        "recorded_start": when(item.recorded_start),
        "recorded_end": when(item.recorded_end),
        "camera_serial": item.camera_serial,
        "officer": item.officer,
        "borough": item.borough,
        "categories": list(item.categories),
        "disposed_at": when(disposal.disposed_at),
        "rule": disposal.rule,
        "reasons": list(disposal.reasons),
        "authorised_by": disposal.authorised_by,
        "audit": {
            "event_id": str(disposal.audit_event_id),
            "leaf_index": index,
            "entry": base64.b64encode(raw).decode(),
            "leaf_hash": base64.b64encode(leaf_hash(raw)).decode(),
            "inclusion_proof": [base64.b64encode(p).decode() for p in proofs[index]],
        },
    }
