"""The documents of disclosure, as pure formats (no reads, no writes): a recipient's receipt of
what they were given (JSON and PDF) and a case's schedules of unused (MG6C) and sensitive (MG6D)
material (CSV and PDF). PDFs embed the DejaVu fonts the audit domain ships, so every name prints
as written."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from typing import Any

from fpdf import FPDF

from openbwv.timeutil import isoformat_z

SANS = "DejaVuSans"
MONO = "DejaVuSansMono"


@dataclass(frozen=True)
class GivenItem:
    evidence_id: str
    name: str
    sha256: str
    size_bytes: int
    recorded_at: datetime | None


@dataclass(frozen=True)
class ReceiptDoc:
    share_id: str
    case_reference: str
    recipient: str
    shared_by: str
    reason: str
    download: bool
    shared_at: datetime
    expires_at: datetime
    status: str
    items: list[GivenItem]
    accesses: list[tuple[datetime, str, str, str]] = field(
        default_factory=list
    )  # at, who, what, item
    generated_at: datetime | None = None


def receipt_json(doc: ReceiptDoc) -> bytes:
    body: dict[str, Any] = {
        "kind": "openbwv.share-receipt/1",
        "share_id": doc.share_id,
        "case": doc.case_reference,
        "recipient": doc.recipient,
        "shared_by": doc.shared_by,
        "reason": doc.reason,
        "permissions": ["view", "play", *(["download"] if doc.download else [])],
        "shared_at": isoformat_z(doc.shared_at),
        "expires_at": isoformat_z(doc.expires_at),
        "status": doc.status,
        "items": [
            {
                "evidence_id": i.evidence_id,
                "name": i.name,
                "sha256": i.sha256,
                "size_bytes": i.size_bytes,
                "recorded_at": isoformat_z(i.recorded_at) if i.recorded_at else None,
            }
            for i in doc.items
        ],
        "accesses": [
            {"at": isoformat_z(at), "by": who, "action": what, "evidence_id": item}
            for at, who, what, item in doc.accesses
        ],
        "generated_at": isoformat_z(doc.generated_at) if doc.generated_at else None,
    }
    return json.dumps(body, indent=2, ensure_ascii=False).encode()


class _Pdf(FPDF):
    def __init__(self, title: str, orientation: str = "portrait") -> None:
        super().__init__(orientation=orientation)
        self.doc_title = title
        fonts = resources.files("openbwv.audit") / "fonts"
        with resources.as_file(fonts) as folder:
            self.add_font(SANS, "", folder / "DejaVuSans.ttf")
            self.add_font(SANS, "B", folder / "DejaVuSans-Bold.ttf")
            self.add_font(MONO, "", folder / "DejaVuSansMono.ttf")
        self.set_auto_page_break(auto=True, margin=15)
        self.add_page()

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(SANS, size=7)
        self.cell(0, 5, f"openbwv — {self.doc_title} — page {self.page_no()}", align="C")

    def heading(self, text: str) -> None:
        self.set_font(SANS, "B", 13)
        self.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def pairs(self, rows: list[tuple[str, str]]) -> None:
        for label, value in rows:
            self.set_font(SANS, "B", 9)
            self.cell(40, 5, label)
            self.set_font(SANS, "", 9)
            self.multi_cell(0, 5, value, new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def grid(self, headings: list[str], rows: list[list[str]], widths: list[int]) -> None:
        self.set_font(SANS, "", 8)
        with self.table(col_widths=widths, line_height=4.5, text_align="LEFT") as table:
            head = table.row()
            for text in headings:
                head.cell(text)
            for row in rows:
                line = table.row()
                for text in row:
                    line.cell(text)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"


def receipt_pdf(doc: ReceiptDoc) -> bytes:
    pdf = _Pdf("receipt of disclosure")
    pdf.heading(f"Receipt of disclosure — case {doc.case_reference}")
    pdf.pairs(
        [
            ("Recipient", doc.recipient),
            ("Shared by", doc.shared_by),
            ("Reason", doc.reason),
            ("Permissions", "view, play" + (", download" if doc.download else "")),
            ("Shared at", _when(doc.shared_at)),
            ("Expires", _when(doc.expires_at)),
            ("Status", doc.status),
            ("Share", doc.share_id),
        ]
    )
    rows = [
        [i.name, i.evidence_id, i.sha256, str(i.size_bytes), _when(i.recorded_at)]
        for i in doc.items
    ]
    pdf.grid(["Item", "Evidence id", "SHA-256", "Bytes", "Recorded"], rows, [30, 40, 70, 20, 30])
    if doc.accesses:
        pdf.ln(3)
        pdf.heading("What was opened")
        pdf.grid(
            ["When", "Who", "Action", "Item"],
            [[_when(at), who, what, item] for at, who, what, item in doc.accesses],
            [35, 55, 30, 70],
        )
    return bytes(pdf.output())


@dataclass(frozen=True)
class ScheduleLine:
    number: int
    evidence_id: str
    description: str
    recorded_at: datetime | None
    officer: str
    sha256: str
    state: str
    reason: str
    disclosed: str  # "CPS 2026-12-01 10:02 UTC; defence ..."


SCHEDULE_TITLES = {
    "mg6c": "MG6C — schedule of relevant non-sensitive unused material",
    "mg6d": "MG6D — schedule of relevant sensitive unused material",
}
_CSV_HEADINGS = [
    "No.",
    "Description",
    "Recorded",
    "Officer",
    "Evidence id",
    "SHA-256",
    "Decision",
    "Reason",
    "Disclosed",
]


def _cells(line: ScheduleLine) -> list[str]:
    return [
        str(line.number),
        line.description,
        _when(line.recorded_at),
        line.officer,
        line.evidence_id,
        line.sha256,
        line.state,
        line.reason,
        line.disclosed,
    ]


def schedule_csv(lines: list[ScheduleLine]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(_CSV_HEADINGS)
    for line in lines:
        # A leading =, +, - or @ would be a formula in a spreadsheet: quote it as text.
        writer.writerow([f"'{c}" if c[:1] in "=+-@" else c for c in _cells(line)])
    return out.getvalue().encode()


def schedule_pdf(
    kind: str, case_reference: str, case_title: str, lines: list[ScheduleLine]
) -> bytes:
    pdf = _Pdf(SCHEDULE_TITLES[kind], orientation="landscape")
    pdf.heading(SCHEDULE_TITLES[kind])
    pdf.pairs([("Case", f"{case_reference}: {case_title}"), ("Items", str(len(lines)))])
    pdf.grid(
        ["No.", "Description", "Recorded", "Officer", "SHA-256", "Decision", "Reason", "Disclosed"],
        [[c for i, c in enumerate(_cells(line)) if i != 4] for line in lines],
        [10, 50, 30, 25, 60, 25, 40, 37],
    )
    return bytes(pdf.output())
