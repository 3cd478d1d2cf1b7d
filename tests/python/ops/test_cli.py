"""Errors a user can cause end in one clear sentence and a non-zero exit, not a traceback; the
commands work from any directory."""

import json
import sys

import pytest
from typer.testing import CliRunner

from benchmarks.harness import StepFailed, measure
from common.settings import load_settings
from ingest.contracts.entities import ENTITY_COLUMNS
from ops.cli.app import app

from ..conftest import REPO_ROOT

runner = CliRunner()


def test_ingest_without_landing_data_says_what_to_run(lakehouse_dir):
    result = runner.invoke(app, ["ingest", "csv"])
    assert result.exit_code == 1
    assert "lakehouse generate mobility" in result.output
    assert "Traceback" not in result.output


def test_unknown_entity_is_named(lakehouse_dir):
    result = runner.invoke(app, ["ingest", "csv", "--entity", "planes"])
    assert result.exit_code == 1 and "unknown entity 'planes'" in result.output


def test_invalid_generator_option_is_explained(lakehouse_dir):
    result = runner.invoke(app, ["generate", "mobility", "--trips", "0"])
    assert result.exit_code == 2 and "Invalid value for '--trips'" in result.output
    assert "Traceback" not in result.output


def test_refused_file_is_reported_and_fails_the_command(lakehouse_dir):
    landing = lakehouse_dir / "landing" / "zones"
    landing.mkdir(parents=True)
    header = ",".join(c for c in ENTITY_COLUMNS["zones"] if c != "zone_name")
    (landing / "bad.csv").write_text(f"{header}\nZ1,B,1,2,3\n")
    result = runner.invoke(app, ["ingest", "csv", "--entity", "zones"])
    assert result.exit_code == 2
    assert "missing required column 'zone_name'" in result.output


def test_generate_then_ingest_prints_the_closing_tables(lakehouse_dir):
    generated = runner.invoke(app, ["generate", "mobility", "--trips", "500", "--days", "2"])
    assert generated.exit_code == 0, generated.output
    ingested = runner.invoke(app, ["ingest", "csv"])
    assert ingested.exit_code == 0, ingested.output
    assert "rows landed" in ingested.output and "trips" in ingested.output


def test_a_failed_benchmark_step_says_where_to_look(lakehouse_dir):
    """A benchmark step that fails ends the benchmark in one line pointing at its logs."""
    env = {"LAKEHOUSE_DIR": str(lakehouse_dir), "DBT_LOG_PATH": str(lakehouse_dir / "logs")}
    with pytest.raises(StepFailed, match=r"failed \(exit 3\).*dbt's log in .*logs"):
        measure([sys.executable, "-c", "raise SystemExit(3)"], env)


def test_commands_work_from_any_directory(lakehouse_dir, tmp_path, monkeypatch):
    """The project and its dbt artifacts are found from settings, not from the working directory."""
    target = tmp_path / "artifacts"
    target.mkdir()
    results = [
        {"unique_id": "model.mobility_lakehouse.fct_trips", "status": "success"},
        {"unique_id": "test.mobility_lakehouse.unique_fct_trips_trip_id", "status": "pass"},
    ]
    (target / "run_results.json").write_text(json.dumps({"results": results}))
    monkeypatch.setenv("DBT_TARGET_PATH", str(target))
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["summary"])
    assert result.exit_code == 0, result.output
    assert "1 tests passed, 0 warned, 0 failed; 1 models built" in result.output
    assert load_settings().project_dir == REPO_ROOT
