"""The evaluation from the database: simulated outcomes written through the platform's services
(phases, counts, complaints, cases) come back as exactly the cells the simulator drew, and the
API's effects are the model's on those cells; the report (PDF and CSV) says it is simulated;
the page draws its charts."""

from __future__ import annotations

from datetime import date
from io import BytesIO
from pathlib import Path

import httpx
import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from openbwv.analytics import months
from openbwv.analytics.evaluation.measures import BUILT_IN
from openbwv.analytics.evaluation.model import fit_rollout
from openbwv.composition import cli
from openbwv.db.session import unit_of_work
from openbwv.simulate.outcomes import MEASURES, OutcomeConfig, generate
from openbwv.simulate.outcomes_load import load
from tests.support.stack import Stack

# Four boroughs, 2019–2020: no other test puts data there then. Small, so it loads quickly.
CONFIG = OutcomeConfig(
    boroughs=("E09000010", "E09000011", "E09000012", "E09000013"),
    start=date(2019, 1, 1),
    months=12,
    change_months=(None, 4, 6, 8),
    officers=800,
    court_outcomes=3,
    da_decisions=2,
    seed=7,
)
PERIOD = {"from": "2019-01", "to": "2019-12"}


@pytest.fixture(scope="module")
def simulated(stack: Stack) -> object:
    sim = generate(CONFIG)
    with unit_of_work() as session:
        load(session, sim)
    return sim


def test_the_database_gives_back_what_was_simulated(simulated: object, api: httpx.Client) -> None:
    sim = simulated
    answer = api.get("/api/v1/analytics/evaluation", params=PERIOD)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["simulated"] is True
    assert body["changes"] == {
        b: (None if c is None else c.isoformat())
        for b, c in sim.changes.items()  # type: ignore[attr-defined]
    }
    effects = {e["measure"]: e for e in body["effects"]}
    kinds = {m.key: m.kind for m in BUILT_IN}
    with unit_of_work() as session:
        start, end = months.instant(date(2019, 1, 1)), months.instant(date(2020, 1, 1))
        for measure in BUILT_IN:
            cells = {
                k: v
                for k, v in measure.cells(session, start, end).items()
                if k[0] in CONFIG.boroughs
            }
            expected = {k: v for k, v in sim.measure(measure.key).items() if v[1] > 0}  # type: ignore[attr-defined]
            assert cells == expected, measure.key
    for key in MEASURES:
        truth = fit_rollout(sim.measure(key), sim.changes, kinds[key])  # type: ignore[attr-defined]
        assert effects[key]["estimate"] == pytest.approx(truth.estimate), key
        assert (effects[key]["low"], effects[key]["high"]) == pytest.approx((truth.low, truth.high))
        assert effects[key]["boroughs"] == 4 and effects[key]["boroughs_with_cameras"] == 3


def test_the_report_says_what_it_measured_and_that_it_is_simulated(
    simulated: object, api: httpx.Client
) -> None:
    pdf = api.get("/api/v1/analytics/evaluation/report.pdf", params=PERIOD)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(pdf.content)).pages)
    for words in (
        "SIMULATED DATA",
        "Allegations per 1,000 officers",
        "95% interval",
        "Limits",
        "clustered by borough",
    ):
        assert words in text, words
    csv_text = api.get("/api/v1/analytics/evaluation/report.csv", params=PERIOD).text
    assert csv_text.startswith('"SIMULATED DATA')
    assert "allegations,E09000011,2019-05," in csv_text
    header = "measure,label,effect,low_95,high_95,unit,p_value,baseline_without_cameras,based_on"
    assert header in csv_text


def test_the_evaluation_page_draws_the_effects(simulated: object, api: httpx.Client) -> None:
    page = api.get("/evaluation", params={"start": "2019-01", "end": "2019-12"})
    assert page.status_code == 200
    assert 'id="simulated"' in page.text and 'id="effects-chart"' in page.text
    assert page.text.count("<svg") >= 1 + len(MEASURES)
    assert "report.pdf?from=2019-01&amp;to=2019-12" in page.text


def test_who_may_read_the_evaluation(live_server: str, stack: Stack) -> None:
    for role, status in (("officer", 403), ("supervisor", 200), ("fleet_manager", 403)):
        token = stack.user_token(stack.user(role, borough="E09000033"))
        with httpx.Client(base_url=live_server, headers={"Authorization": f"Bearer {token}"}) as c:
            assert c.get("/api/v1/analytics/evaluation", params=PERIOD).status_code == status, role


def test_the_evaluate_command(simulated: object, tmp_path: Path) -> None:
    pdf, csv_file = tmp_path / "e.pdf", tmp_path / "e.csv"
    args = ["analytics", "evaluate", "--from", "2019-01", "--to", "2019-12"]
    result = CliRunner().invoke(cli(), [*args, "--pdf", str(pdf), "--csv", str(csv_file)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("SIMULATED DATA")
    assert "Early guilty plea share: " in result.output and "95% interval" in result.output
    assert pdf.read_bytes().startswith(b"%PDF") and "allegations," in csv_file.read_text()
    bad = CliRunner().invoke(cli(), ["analytics", "evaluate", "--from", "2019-13"])
    assert bad.exit_code == 2 and "YYYY-MM" in bad.output and "Traceback" not in bad.output
