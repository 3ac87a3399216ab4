"""CAD rows in: bad rows reported by row and column with nothing applied (CLI, API, push),
`--partial` applying the incidents without a bad row, unknown warrant numbers, and the header
checked against the contract."""

from __future__ import annotations

from pathlib import Path

import httpx
from typer.testing import CliRunner

from openbwv.composition import cli
from openbwv.incidents.cadrows import COLUMNS, read_csv
from tests.incidents.helpers import at, csv_bytes, figures, iso, number, row, team_officers
from tests.support.stack import Stack


def _bad_file(officer: object) -> tuple[list[dict[str, str]], str, str]:
    good, bad = number(), number()
    rows = [
        row(good, officer, at(0, day=10), at(5, day=10), at(20, day=10)),
        row(bad, officer, at(30, day=10), at(35, day=10), at(50, day=10)),
        row(bad, officer, at(30, day=10), None, at(50, day=10)),
    ]
    rows[1]["arrived_at"] = "2026-11-12 10:00"  # no offset
    rows[2]["officer_warrant"] = "W-NOBODY"
    rows[1]["latitude"] = "91"
    return rows, good, bad


def test_bad_rows_by_row_and_column(stack: Stack, tmp_path: Path) -> None:
    _, (officer,) = team_officers()
    rows, good, _bad = _bad_file(officer)
    path = tmp_path / "cad.csv"
    path.write_bytes(csv_bytes(rows))
    runner = CliRunner()
    refused = runner.invoke(cli(), ["cad", "import", str(path)])
    assert refused.exit_code == 2
    assert "row 3, arrived_at: not an ISO 8601 time" in refused.output
    assert "row 3, latitude: not a number from -90 to 90" in refused.output
    assert "row 4, officer_warrant: no active officer has this warrant number" in refused.output
    assert "0 rows applied, 3 rejected" in refused.output
    assert "Traceback" not in refused.output

    partial = runner.invoke(cli(), ["cad", "import", str(path), "--partial"])
    assert partial.exit_code == 0, partial.output
    assert "1 rows applied, 2 rejected" in partial.output
    assert "row 4, officer_warrant: no active officer has this warrant number" in partial.output
    assert figures(good, officer)["recorded"] is False
    again = runner.invoke(cli(), ["cad", "import", str(path), "--partial"])
    assert "1 rows applied, 2 rejected (1 incidents, 0 attendances new or changed)" in again.output


def test_the_header_and_each_incidents_rows_agree() -> None:
    header = read_csv(b"incident_number,incident_type\nA,B\n")
    assert {(p.row, p.column) for p in header.problems} >= {(1, "opened_at"), (1, "cleared_at")}
    wrong = read_csv(csv_bytes([], (*COLUMNS, "colour")))
    assert [(p.row, p.column) for p in wrong.problems] == [(1, "colour")]
    rows = [
        {"incident_number": "X1", "incident_type": "theft", "opened_at": iso(at(0))},
        {"incident_number": "X1", "incident_type": "burglary", "opened_at": iso(at(0))},
    ]
    for item in rows:
        item |= {"officer_warrant": "W1", "dispatched_at": iso(at(1)), "cleared_at": iso(at(9))}
    rows[1]["officer_warrant"] = "W2"
    checked = read_csv(csv_bytes(rows))
    assert [str(p) for p in checked.problems] == [
        "row 3, incident_type: differs from row 2 of the same incident"
    ]
    order = read_csv(csv_bytes([rows[0] | {"cleared_at": iso(at(-5))}]))
    assert [(p.column, p.message) for p in order.problems] == [
        ("cleared_at", "before dispatched_at")
    ]


def test_api_upload_and_push(stack: Stack, live_server: str) -> None:
    _, (officer,) = team_officers()
    admin = stack.user("administrator")
    token = stack.user_token(admin)
    rows, _good, _bad = _bad_file(officer)
    with httpx.Client(base_url=live_server, headers={"Authorization": f"Bearer {token}"}) as api:
        refused = api.post(
            "/api/v1/incidents/import",
            content=csv_bytes(rows),
            headers={"Content-Type": "text/csv"},
        )
        assert refused.status_code == 422
        assert refused.headers["content-type"].startswith("application/problem+json")
        problems = refused.json()["problems"]
        assert {"row": 3, "column": "arrived_at"}.items() <= problems[0].items()
        applied = api.post(
            "/api/v1/incidents/import?partial=true",
            content=csv_bytes(rows),
            headers={"Content-Type": "text/csv"},
        ).json()
        assert (applied["applied"], applied["rejected"], applied["incidents"]) == (1, 2, 1)

        pushed = number()
        live = row(pushed, officer, at(0, day=11), at(3, day=11), at(9, day=11))
        answer = api.post("/api/v1/incidents/push", json={"rows": [live]})
        assert answer.status_code == 200, answer.text
        assert answer.json()["applied"] == 1
        bad = api.post("/api/v1/incidents/push", json={"rows": [live | {"cleared_at": "soon"}]})
        assert bad.status_code == 422 and bad.json()["problems"][0]["row"] == 1
    assert figures(pushed, officer)["recorded"] is False
