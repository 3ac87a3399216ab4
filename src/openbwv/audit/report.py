"""Chain-of-custody report of one evidence item, as HTML and as PDF.

Everything a reader needs to check it without trusting the platform is printed: the original's
SHA-256, every event's exact leaf bytes with its leaf hash and inclusion proof, the signed
checkpoint the proofs lead to, the verifier key, and the steps to check each of them by hand.
The PDF embeds DejaVu Sans and DejaVu Sans Mono (`audit/fonts/`, Bitstream Vera licence), so
every character of entries, names and the checkpoint is printed as it is; the signed checkpoint
is also attached to the PDF as `checkpoint.txt`, byte for byte, for verifiers that take a file.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import WrapMode
from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy.orm import Session

from openbwv.audit import folding
from openbwv.audit.keys import get_signer
from openbwv.audit.queries import evidence_record, load_trail
from openbwv.audit.trail import Trail, TrailEvent, b64
from openbwv.evidence.models import EvidenceItem
from openbwv.timeutil import isoformat_z, utcnow
from openbwv.web.security import CONTENT_SECURITY_POLICY

MAX_REPORT_EVENTS = 20_000
_PAGE = 2000

STEPS = (
    "Original: compute the SHA-256 of the original file you hold and compare it with the "
    "hash above (for example: sha256sum FILE).",
    "Leaf hash: for each event, take its entry exactly as printed (UTF-8 bytes, no trailing "
    "newline) and compute SHA-256 of the byte 0x00 followed by the entry. It must equal the "
    "leaf hash shown.",
    "Inclusion (RFC 9162 section 2.1.3.2): set fn = leaf index, sn = tree size - 1, r = leaf "
    "hash. For each proof hash p in order: if sn = 0, fail; if fn is odd or fn = sn, set "
    "r = SHA-256(0x01 || p || r) and, if fn is even, halve fn and sn until fn is odd or 0; "
    "otherwise set r = SHA-256(0x01 || r || p); then halve fn and sn (integer division). At the "
    "end sn must be 0 and r must equal the checkpoint's root hash (its third line, base64).",
    "Checkpoint (C2SP signed note): the signed text is the checkpoint up to and including the "
    "newline before the blank line (origin, tree size, root hash, each on its own line). The "
    "signature line is an em dash, a space, the key name, a space and base64 of a 4-byte key ID "
    "followed by a 64-byte Ed25519 signature of that text.",
    "Key: the verifier key reads <name>+<key ID>+<base64 of 0x01 and the 32-byte Ed25519 "
    "public key>. The key ID is the first 4 bytes of SHA-256(name || 0x0A || 0x01 || public "
    "key). Obtain the key from the force independently of this report, check the key ID, and "
    "verify the signature with any Ed25519 implementation.",
    "History: keep this checkpoint. Any later checkpoint of the log must be consistent with it "
    "(RFC 9162 consistency proof, GET /api/v1/audit/proof/consistency, or "
    "'bwv audit verify --checkpoint FILE'); if it is not, the log was rewritten.",
)


@dataclass(frozen=True)
class Custody:
    evidence_id: uuid.UUID
    item: list[tuple[str, str]]  # label, value
    sha256: str | None
    trail: Trail
    public_key: str
    root_b64: str | None
    generated_at: str
    truncated: bool
    steps: tuple[str, ...] = field(default=STEPS)

    @cached_property
    def lines(self) -> list[folding.Line]:
        return folding.from_trail([*self.trail.events, *self.trail.pending])

    @property
    def accesses(self) -> list[folding.Line]:
        """Views, plays and downloads: shown first, as a reader asks about them first."""
        return folding.accesses(self.lines)

    @property
    def sittings(self) -> list[folding.FoldedReads]:
        return [line for line in folding.fold(self.lines) if isinstance(line, folding.FoldedReads)]

    @property
    def main_events(self) -> list[TrailEvent]:
        return [event for event in self.trail.events if not _routine(event)]

    @property
    def routine_events(self) -> list[TrailEvent]:
        """Thumbnail reads, with their proofs, after everything else."""
        return [event for event in self.trail.events if _routine(event)]


def _routine(event: TrailEvent) -> bool:
    doc = event.event
    return doc.get("action") in folding.FOLDED_ACTIONS and doc.get("result") == "success"


def _item_rows(item: EvidenceItem | None) -> list[tuple[str, str]]:
    if item is None:
        return [("Record", "the item record is no longer held (disposed); its trail remains")]
    rows = [
        ("Evidence ID", str(item.id)),
        ("Original SHA-256", item.sha256),
        ("Size", f"{item.size_bytes:,} bytes"),
        ("Media type", item.media_type),
        ("Original file name", item.original_filename or "-"),
        ("Source", item.source),
        ("Camera", item.camera_serial or "-"),
        ("Officer (as recorded)", item.officer or "-"),
        ("Recorded", isoformat_z(item.recorded_start) if item.recorded_start else "-"),
        ("Ingested", isoformat_z(item.ingested_at)),
    ]
    return rows


def gather(session: Session, evidence_id: uuid.UUID) -> Custody:
    """Everything the report shows, read in the caller's unit of work."""
    item = evidence_record(session, evidence_id)
    first = load_trail(session, evidence_id, limit=_PAGE)
    events, after, truncated = list(first.events), first.next_after, False
    pending = first.pending
    while after is not None:
        if len(events) >= MAX_REPORT_EVENTS:
            truncated = True
            break
        page = load_trail(session, evidence_id, after=after, limit=_PAGE)
        events += page.events
        pending, after = page.pending, page.next_after
    trail = Trail(evidence_id, first.checkpoint, events, pending, None)
    root = b64(trail.checkpoint.root_hash) if trail.checkpoint is not None else None
    return Custody(
        evidence_id=evidence_id,
        item=_item_rows(item),
        sha256=item.sha256 if item else None,
        trail=trail,
        public_key=get_signer().verifier.key,
        root_b64=root,
        generated_at=isoformat_z(utcnow().replace(microsecond=0)),
        truncated=truncated,
    )


def event_summary(event: TrailEvent) -> dict[str, Any]:
    doc = event.event
    actor = doc.get("actor") or {}
    return {
        "time": doc.get("time", ""),
        "actor": f"{actor.get('name', '')} ({actor.get('kind', '')})",
        "action": doc.get("action", ""),
        "result": doc.get("result", ""),
        "reason": doc.get("reason") or "",
    }


# --------------------------------------------------------------------------------------------------
# HTML


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("openbwv.audit", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


@lru_cache(maxsize=1)
def _styles() -> tuple[str, str]:
    """The report's stylesheet and its CSP source expression. The report is one self-contained
    file (it is saved and read offline), so its styles are inline, allowed by their hash."""
    css = (Path(__file__).parent / "templates" / "custody_report.css").read_text()
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    return css, f"'sha256-{digest}'"


def html_policy() -> str:
    """The Content-Security-Policy the HTML report is served with: the platform's own, with
    the report's inline stylesheet allowed by its hash (and nothing else inline)."""
    return CONTENT_SECURITY_POLICY.replace("style-src 'self'", f"style-src 'self' {_styles()[1]}")


def render_html(custody: Custody) -> str:
    template = _environment().get_template("custody_report.html")
    return template.render(
        c=custody, summary=event_summary, b64=b64, iso=isoformat_z, css=_styles()[0]
    )


# --------------------------------------------------------------------------------------------------
# PDF


FONTS = Path(__file__).parent / "fonts"
SANS, MONO = "DejaVuSans", "DejaVuSansMono"


class _Pdf(FPDF):
    def __init__(self) -> None:
        super().__init__(format="A4")
        self.add_font(SANS, "", FONTS / "DejaVuSans.ttf")
        self.add_font(SANS, "B", FONTS / "DejaVuSans-Bold.ttf")
        self.add_font(SANS, "I", FONTS / "DejaVuSans-Oblique.ttf")
        self.add_font(MONO, "", FONTS / "DejaVuSansMono.ttf")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(SANS, size=7)
        self.cell(0, 5, f"openbwv chain-of-custody report — page {self.page_no()}", align="C")


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(3)
    pdf.set_font(SANS, "B", 12)
    pdf.cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")


def _mono(pdf: FPDF, text: str, size: float = 7) -> None:
    pdf.set_font(MONO, size=size)
    pdf.multi_cell(0, size * 0.45, text, wrapmode=WrapMode.CHAR, new_x="LMARGIN", new_y="NEXT")


def _text(pdf: FPDF, text: str, size: float = 9, style: str = "") -> None:
    pdf.set_font(SANS, style, size)
    pdf.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")


def render_pdf(custody: Custody) -> bytes:
    pdf = _Pdf()
    pdf.set_title(f"Chain of custody {custody.evidence_id}")
    pdf.set_author("openbwv")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font(SANS, "B", 16)
    pdf.cell(0, 10, "Chain-of-custody report", new_x="LMARGIN", new_y="NEXT")
    _text(pdf, f"Generated {custody.generated_at} (UTC).")
    _heading(pdf, "Evidence item")
    for label, value in custody.item:
        pdf.set_font(SANS, "B", 9)
        pdf.cell(45, 5, label)
        if "SHA-256" in label:
            _mono(pdf, value, 8)
        else:
            _text(pdf, value)
    _anchor_pdf(pdf, custody)
    _events_pdf(pdf, custody)
    _heading(pdf, "How to verify this report independently")
    for number, step in enumerate(custody.steps, 1):
        _text(pdf, f"{number}. {step}")
        pdf.ln(1)
    _text(
        pdf,
        "The signed checkpoint is attached to this PDF as checkpoint.txt, byte for byte.",
        8,
        "I",
    )
    return bytes(pdf.output())


def _anchor_pdf(pdf: FPDF, custody: Custody) -> None:
    _heading(pdf, "Signed checkpoint (the anchor)")
    checkpoint = custody.trail.checkpoint
    if checkpoint is None:
        _text(pdf, "The log has not signed a checkpoint yet.")
    else:
        _text(pdf, f"Tree size {checkpoint.tree_size}; root hash (base64) {custody.root_b64}.")
        _mono(pdf, checkpoint.note, 6.5)  # small enough that no line of the note wraps
        pdf.embed_file(
            bytes=checkpoint.note.encode("utf-8"),
            basename="checkpoint.txt",
            mime_type="text/plain",
            desc="The signed checkpoint (C2SP signed note), byte for byte",
        )
    _text(pdf, "Verifier key:", 9, "B")
    _mono(pdf, custody.public_key, 8)


def _events_pdf(pdf: FPDF, custody: Custody) -> None:
    trail = custody.trail
    _accesses_pdf(pdf, custody)
    _heading(pdf, f"Events ({len(trail.events)} anchored, {len(trail.pending)} pending)")
    if custody.truncated:
        _text(
            pdf, f"Only the first {len(trail.events)} events are shown; use the API for the rest."
        )
    for event in custody.main_events:
        _event_pdf(pdf, event)
    if custody.routine_events:
        _heading(pdf, f"Thumbnail reads with their proofs ({len(custody.routine_events)})")
        for event in custody.routine_events:
            _event_pdf(pdf, event)
    for event in trail.pending:
        s = event_summary(event)
        _text(
            pdf,
            f"Pending (not yet in a checkpoint): {s['time']}  {s['action']}  by {s['actor']}",
            9,
        )
        _mono(pdf, "entry: " + event.entry)


def _event_pdf(pdf: FPDF, event: TrailEvent) -> None:
    s = event_summary(event)
    _text(
        pdf,
        f"Leaf {event.index}: {s['time']}  {s['action']}  {s['result']}  by {s['actor']}"
        + (f"  reason: {s['reason']}" if s["reason"] else ""),
        9,
        "B",
    )
    _mono(pdf, "entry: " + event.entry)
    _mono(pdf, "leaf hash (hex): " + event.leaf_hash.hex())
    proof = event.proof or []
    _mono(pdf, "inclusion proof (base64, leaf upwards):" + "".join(f"\n  {b64(h)}" for h in proof))
    pdf.ln(1.5)


def _accesses_pdf(pdf: FPDF, custody: Custody) -> None:
    _heading(pdf, f"Views, plays and downloads ({len(custody.accesses)})")
    for line in custody.accesses:
        leaf = "pending" if line.index is None else f"leaf {line.index}"
        _text(
            pdf, f"{isoformat_z(line.time)}  {line.action}  {line.result}  by {line.actor} ({leaf})"
        )
    if not custody.accesses:
        _text(pdf, "Nobody has opened, played or downloaded the item.")
    if custody.sittings:
        _heading(pdf, "Thumbnail reads, counted per sitting")
        for sitting in custody.sittings:
            _text(
                pdf,
                f"{sitting.count} by {sitting.actor} from {sitting.source_ip or '-'}, "
                f"{isoformat_z(sitting.first)} to {isoformat_z(sitting.last)} "
                f"(leaves {sitting.leaf_span})",
            )
