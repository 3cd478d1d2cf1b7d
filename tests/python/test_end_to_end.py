"""The demo's pipeline on a small data set, then the same again: no Silver number changes.

generate -> simulate -> land -> ingest csv -> dbt build, in a temporary lakehouse, against the
real embedded broker.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from ingest.bronze import delta
from ingest.bronze.csv_loader import REJECTS_TABLE
from ingest.mobility.generator import BAD_RECORD_KINDS
from ingest.telemetry.lander import EVENTS_TABLE

from .conftest import REPO_ROOT

pytestmark = pytest.mark.integration
BIN = Path(sys.executable).parent


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    result = subprocess.run(args, cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def _silver_counts(warehouse: Path) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return dict(
            con.execute(
                """
                select 'silver', count(*) from silver.stg_mobility__trips
                union all select 'rejected', count(*) from silver.stg_mobility__trips_rejected
                union all select 'superseded', count(*) filter (where is_superseded)
                    from silver.base_mobility__trips_validated
                union all select 'revenue_cents', cast(sum(total_fare) * 100 as bigint)
                    from silver.stg_mobility__trips
                union all select 'telemetry', count(*) from silver.stg_telemetry__events
                union all select 'telemetry_rejected', count(*)
                    from silver.stg_telemetry__events_rejected
                union all select 'trips_without_profile', count(*)
                    from silver.stg_telemetry__events as events
                    left join silver.stg_telemetry__driving_trips as trips using (trip_id)
                    where trips.driving_profile is null
                """
            ).fetchall()
        )


def test_pipeline_end_to_end_and_idempotent(tmp_path, kafka):
    if not (REPO_ROOT / "dbt_packages" / "elementary").is_dir():
        pytest.fail("dbt packages are not installed: run `make deps` first.")
    lakehouse = tmp_path / "lakehouse"
    env = {
        **os.environ,
        "LAKEHOUSE_DIR": str(lakehouse),
        "DBT_PROFILES_DIR": str(REPO_ROOT),
        "DBT_TARGET_PATH": str(tmp_path / "target"),
        "DBT_LOG_PATH": str(tmp_path / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    generate = [str(BIN / "lakehouse"), "generate", "mobility", "--trips", "6000", "--days", "4"]
    ingest = [str(BIN / "lakehouse"), "ingest", "csv"]
    simulate = [str(BIN / "lakehouse"), "simulate", "--vehicles", "50", "--minutes", "2"]
    land = [str(BIN / "lakehouse"), "land", "--until-idle", "2"]
    build = [str(BIN / "dbt"), "build"]
    pipeline = (generate, simulate, land, ingest, build)
    for command in pipeline:
        _run(command, env)

    manifest = json.loads((lakehouse / "landing" / "_manifest.json").read_text())
    expected = {outcome: 0 for outcome in set(BAD_RECORD_KINDS.values())}
    for kind, count in manifest["bad_records"].items():
        expected[BAD_RECORD_KINDS[kind]] += count
    first = _silver_counts(lakehouse / "warehouse.duckdb")
    assert first["rejected"] == expected["silver_reject"]
    assert first["superseded"] == expected["duplicate"]
    bronze_rejects = delta.count_rows(lakehouse / "bronze" / REJECTS_TABLE)
    assert bronze_rejects == expected["bronze_reject"]
    bronze_rows = delta.count_rows(lakehouse / "bronze" / "trips")
    assert bronze_rows + bronze_rejects == manifest["rows"]["trips"]
    assert first["silver"] + first["rejected"] + first["superseded"] == bronze_rows
    events = delta.open_dataset(lakehouse / "bronze" / EVENTS_TABLE).to_table(["event_id"])
    distinct_events = len(set(events["event_id"].to_pylist()))
    assert first["telemetry"] + first["telemetry_rejected"] == distinct_events == 50 * 120
    assert first["trips_without_profile"] == 0

    # Same seed, same files: nothing new lands from them. The simulation is streamed again to
    # the same topic, so Bronze holds every event twice, and Silver still holds each once.
    for command in pipeline:
        _run(command, env)
    assert delta.count_rows(lakehouse / "bronze" / "trips") == bronze_rows
    assert delta.count_rows(lakehouse / "bronze" / EVENTS_TABLE) == 2 * events.num_rows
    assert _silver_counts(lakehouse / "warehouse.duckdb") == first
