"""The evaluation's downloadable report: CSV (one row per measure, then the cells it rests
on) and PDF (fpdf2, the DejaVu fonts the audit reports embed), each saying what was measured,
how, and its limits in plain words — and, when any input was simulated, that it was."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from fpdf import FPDF

from openbwv.analytics.evaluation.queries import Evaluation, Result
from openbwv.timeutil import isoformat_z, utcnow

FONTS = Path(__file__).resolve().parents[2] / "audit" / "fonts"
SANS = "DejaVuSans"
SIMULATED = "SIMULATED DATA — these figures come from the simulator, not from real policing."
LIMITS = (
    "What this can and cannot say. The roll-out was not randomised: boroughs changed in the "
    "order the force chose, so anything else that changed in a borough when its cameras came "
    "(a new commander, an operation, a change in how complaints are recorded) is mixed into the "
    "effect. Month effects remove what changed across the whole force at once; borough effects "
    "remove fixed differences between boroughs. The model assumes that, without cameras, every "
    "borough would have followed the same trend, and that the effect is the same whenever a "
    "borough changed (with staggered changes and effects that grow over time, a two-way fixed "
    "effects estimate can be biased). Counts imported from other systems are only as good as "
    "those systems' recording. Cameras may change what is recorded as well as what happens "
    "(e.g. more use of force reported because it is filmed). With few boroughs the intervals "
    "are wide; a 95% interval misses the truth one time in twenty."
)
HOW = (
    "How. Each borough is counted as without cameras before the first whole month of its "
    "first roll-out phase and with cameras from then on. Rates (per 1,000 officers) are "
    "fitted by Poisson regression with borough and month effects and officer strength as the "
    "exposure: the effect is a percentage change. Shares are fitted by weighted least squares "
    "with borough and month effects: the effect is in percentage points. Standard errors are "
    "clustered by borough."
)


def _effect_row(result: Result) -> list[str]:
    effect = result.effect
    if effect is None:
        return [result.measure.key, result.measure.label, "", "", "", "", "", "", result.note]
    return [
        result.measure.key,
        result.measure.label,
        f"{effect.estimate:.2f}",
        f"{effect.low:.2f}",
        f"{effect.high:.2f}",
        effect.unit,
        f"{effect.p_value:.4f}",
        f"{effect.baseline:.3f}",
        f"{effect.units} boroughs ({effect.treated_units} with cameras), {effect.months} months",
    ]


def to_csv(evaluation: Evaluation) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    if evaluation.simulated:
        writer.writerow([SIMULATED])
    period = f"{evaluation.start:%Y-%m} to {evaluation.end:%Y-%m} (end excluded)"
    writer.writerow([f"openbwv roll-out evaluation {period}, made {isoformat_z(utcnow())}"])
    writer.writerow(
        [
            "measure",
            "label",
            "effect",
            "low_95",
            "high_95",
            "unit",
            "p_value",
            "baseline_without_cameras",
            "based_on",
        ]
    )
    for result in evaluation.results:
        writer.writerow(_effect_row(result))
    if evaluation.trial is not None:
        writer.writerow([describe_trial(evaluation)])
    writer.writerow([])
    writer.writerow(["measure", "borough", "month", "numerator", "denominator", "with_cameras"])
    for result in evaluation.results:
        for (borough, month), (num, den) in sorted(result.cells.items()):
            change = evaluation.changes.get(borough)
            on = change is not None and month >= change
            writer.writerow(
                [result.measure.key, borough, f"{month:%Y-%m}", f"{num:g}", f"{den:g}", int(on)]
            )
    writer.writerow([])
    for result in evaluation.results:
        writer.writerow([f"source of {result.measure.key}: {result.measure.source}"])
    writer.writerow([HOW])
    writer.writerow([LIMITS])
    return out.getvalue()


class _Pdf(FPDF):
    def __init__(self) -> None:
        super().__init__(format="A4")
        self.add_font(SANS, "", FONTS / "DejaVuSans.ttf")
        self.add_font(SANS, "B", FONTS / "DejaVuSans-Bold.ttf")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(SANS, size=7)
        self.cell(0, 5, f"openbwv roll-out evaluation — page {self.page_no()}", align="C")


def _text(pdf: FPDF, text: str, size: float = 9, style: str = "") -> None:
    pdf.set_font(SANS, style, size)
    pdf.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")


def describe(result: Result) -> str:
    effect = result.effect
    if effect is None:
        return f"{result.measure.label}: no estimate — {result.note}."
    unit = "%" if effect.unit == "%" else " percentage points"
    return (
        f"{result.measure.label}: {effect.estimate:+.1f}{unit} with cameras "
        f"(95% interval {effect.low:+.1f} to {effect.high:+.1f}; p = {effect.p_value:.3f}); "
        f"without cameras {effect.baseline:.2f}"
        f"{' per 1,000 officers a month' if effect.unit == '%' else '%'}; "
        f"{effect.units} boroughs ({effect.treated_units} with cameras), {effect.months} months. "
        f"Source: {result.measure.source}."
    )


def describe_trial(evaluation: Evaluation) -> str:
    """The trial design's line: teams with and without cameras over the same months."""
    found = evaluation.trial
    if found is None:
        return ""
    if found.effect is None:
        return f"Trial from {found.start:%B %Y}: no estimate — {found.note}."
    e = found.effect
    return (
        f"Trial from {found.start:%B %Y} (teams given cameras or not over the same months): "
        f"allegations {e.estimate:+.1f}% with cameras (95% interval {e.low:+.1f} to "
        f"{e.high:+.1f}; p = {e.p_value:.3f}); {e.units} teams ({e.treated_units} with cameras), "
        f"{e.months} months. Randomised, so unlike the roll-out it needs no parallel trends."
    )


def to_pdf(evaluation: Evaluation) -> bytes:
    pdf = _Pdf()
    pdf.set_title("Body worn video roll-out evaluation")
    pdf.set_author("openbwv")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    _text(pdf, "Body worn video roll-out evaluation", 16, "B")
    if evaluation.simulated:
        _text(pdf, SIMULATED, 11, "B")
    _text(
        pdf,
        f"Months {evaluation.start:%B %Y} to {evaluation.end:%B %Y} (not included); "
        f"made {isoformat_z(utcnow())}. {len(evaluation.boroughs)} boroughs with data.",
    )
    _text(pdf, "What was measured", 12, "B")
    for result in evaluation.results:
        _text(pdf, describe(result))
    if evaluation.trial is not None:
        _text(pdf, "The trial", 12, "B")
        _text(pdf, describe_trial(evaluation))
    _text(pdf, "How", 12, "B")
    _text(pdf, HOW)
    _text(pdf, "Limits", 12, "B")
    _text(pdf, LIMITS)
    if evaluation.results and evaluation.results[0].effect is not None:
        _text(pdf, "Method: " + evaluation.results[0].effect.method, 8)
    return bytes(pdf.output())
