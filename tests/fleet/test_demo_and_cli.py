"""The demo force generator (deterministic, a roll-out in every state) and `bwv fleet …`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from openbwv.composition import cli
from openbwv.config import Settings
from openbwv.db.migrate import upgrade
from openbwv.db.session import unit_of_work
from openbwv.fleet.csvfiles import queries as csv_queries
from openbwv.fleet.demo import generate_force
from openbwv.fleet.errors import FleetConflict
from openbwv.fleet.rollout import queries as rollout_queries
from tests.fleet import helpers
from tests.support.stack import Stack

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
runner = CliRunner()


def _fresh(folder: Path) -> Settings:
    settings = Settings(data_dir=folder, database_url=f"sqlite:///{folder}/fleet-demo.db")
    upgrade(settings)
    return settings


def _demo(
    settings: Settings,
) -> tuple[object, list[dict], list[dict], rollout_queries.ForceProgress]:
    with unit_of_work(settings) as session:
        summary = generate_force(session, seed=5, now=NOW, officers_per_borough=12)
    with unit_of_work(settings) as session:
        return (
            summary,
            csv_queries.officer_rows(session),
            csv_queries.camera_rows(session),
            rollout_queries.progress(session, as_of=NOW.date()),
        )


def test_demo_force_is_deterministic_and_mid_roll_out(tmp_path: Path) -> None:
    first = _demo(_fresh(tmp_path / "a"))
    second = _demo(_fresh(tmp_path / "b"))
    assert first[:3] == second[:3]  # same seed, same officers, cameras and holders
    summary, officers, cams, progress = first
    assert (summary.officers, summary.cameras, summary.phases) == (48, 48, 8)  # type: ignore[attr-defined]
    assert len(officers) == 48 and {c["status"] for c in cams} >= {"issued", "in_stock"}
    assert any(c["pool"] == "yes" and c["assigned_to"] for c in cams)  # pool cameras out on shift
    statuses = [b.projection.status for b in progress.boroughs]
    assert "complete" in statuses and "not_started" in statuses
    assert progress.projection.projected_completion is not None
    assert progress.boroughs_by_status.get("complete", 0) >= 1
    with pytest.raises(FleetConflict, match="already loaded"):
        _demo(_fresh(tmp_path / "a"))


def _csv(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_cli_import_assign_status_export(stack: Stack, tmp_path: Path) -> None:
    warrant, serial = helpers.unique("W"), helpers.unique("CAM-")
    good = _csv(
        tmp_path, "officers.csv", f"warrant_number,display_name,borough\n{warrant},PC Cli,Camden\n"
    )
    result = runner.invoke(cli(), ["fleet", "import-officers", str(good), "--dry-run"])
    assert result.exit_code == 0 and "1 would be created" in result.output
    result = runner.invoke(cli(), ["fleet", "import-officers", str(good)])
    assert result.exit_code == 0 and "1 were created" in result.output
    bad = _csv(tmp_path, "bad.csv", f"warrant_number,display_name,borough\n{warrant}X,PC B,Oz\n")
    result = runner.invoke(cli(), ["fleet", "import-officers", str(bad)])
    assert result.exit_code == 1 and "row 2, column borough: unknown borough 'Oz'" in result.output
    headless = _csv(tmp_path, "headless.csv", "warrant_number\nW1\n")
    assert runner.invoke(cli(), ["fleet", "import-officers", str(headless)]).exit_code == 2
    missing = runner.invoke(cli(), ["fleet", "import-officers", str(tmp_path / "nope.csv")])
    assert missing.exit_code == 2 and "cannot read" in missing.output
    cams = _csv(tmp_path, "cams.csv", f"serial,model,borough\n{serial},Axis W110,Camden\n")
    assert runner.invoke(cli(), ["fleet", "import-cameras", str(cams)]).exit_code == 0

    assert runner.invoke(cli(), ["fleet", "assign", serial, warrant]).exit_code == 0
    again = runner.invoke(cli(), ["fleet", "assign", serial, warrant])
    assert again.exit_code == 1 and "already assigned" in again.output
    unknown = runner.invoke(cli(), ["fleet", "assign", "NO-SUCH", warrant])
    assert unknown.exit_code == 1 and "no camera with serial 'NO-SUCH'" in unknown.output
    shown = runner.invoke(cli(), ["fleet", "status", serial])
    assert shown.exit_code == 0 and "issued" in shown.output and warrant in shown.output
    assert runner.invoke(cli(), ["fleet", "status"]).exit_code == 0
    assert runner.invoke(cli(), ["fleet", "unassign", serial, "--reason", "leaver"]).exit_code == 0
    assert runner.invoke(cli(), ["fleet", "unassign", serial]).exit_code == 1
    assert runner.invoke(cli(), ["fleet", "set-status", serial, "retired"]).exit_code == 0
    refused = runner.invoke(cli(), ["fleet", "set-status", serial, "in_stock"])
    assert refused.exit_code == 1 and "cannot go from retired" in refused.output

    out = tmp_path / "export.csv"
    assert runner.invoke(cli(), ["fleet", "export", "cameras", "-o", str(out)]).exit_code == 0
    assert f"{serial},Axis W110,,E09000007,,no,retired," in out.read_text()
    assert runner.invoke(cli(), ["fleet", "export", "widgets"]).exit_code == 2
    progress = runner.invoke(cli(), ["fleet", "progress"])
    assert progress.exit_code == 0 and "FORCE" in progress.output
    assert runner.invoke(cli(), ["fleet", "progress", "--as-of", "tomorrow"]).exit_code == 2
