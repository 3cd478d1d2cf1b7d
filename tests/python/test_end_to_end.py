"""The demo's pipeline on a small data set, delivered in two parts, then all of it again.

generate -> simulate -> land -> ingest csv -> dbt build, in a temporary lakehouse, against the
real embedded broker. Checks every layer against the generator's manifest, that incremental
facts equal a full rebuild, and that re-running changes no number.
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
# Built incrementally; a full refresh from the same Bronze must give the same rows.
INCREMENTAL = (
    "silver.stg_mobility__trips",
    "silver.stg_mobility__trips_rejected",
    "silver.stg_mobility__drivers",
    "silver.stg_telemetry__events",
    "silver.stg_telemetry__events_rejected",
    "gold.fct_trips",
    "gold.fct_vehicle_telemetry_minute",
)


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


def _incremental_rows(warehouse: Path) -> dict[str, list[tuple]]:
    """The rows of the incrementally built relations; doubles rounded, since parallel
    aggregation may sum in another order and differ in the last bits."""

    def rounded(row: tuple) -> tuple:
        return tuple(round(v, 9) if isinstance(v, float) else v for v in row)

    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            name: [rounded(r) for r in con.execute(f"select * from {name} order by all").fetchall()]
            for name in INCREMENTAL
        }


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
    lakehouse_cli = str(BIN / "lakehouse")
    generate = [lakehouse_cli, "generate", "mobility", "--trips", "6000", "--days", "4"]
    simulate = [lakehouse_cli, "simulate", "--vehicles", "50", "--minutes", "2"]
    land = [lakehouse_cli, "land", "--until-idle", "2"]
    ingest = [lakehouse_cli, "ingest", "csv"]
    build = [str(BIN / "dbt"), "build"]

    # First delivery: the last day's trips and half of the telemetry are held back.
    _run(generate, env)
    last_day = sorted((lakehouse / "landing" / "trips").glob("*.csv"))[-1]
    held = last_day.rename(last_day.with_suffix(".held"))
    for command in (simulate, [*land[:2], "--max-events", "3000"], ingest, build):
        _run(command, env)
    # Then the rest arrives late (with corrections of the previous day's trips): the
    # incremental facts absorb it.
    held.rename(last_day)
    for command in (land, ingest, build):
        _run(command, env)

    manifest = json.loads((lakehouse / "landing" / "_manifest.json").read_text())
    expected = {outcome: 0 for outcome in set(BAD_RECORD_KINDS.values())}
    for kind, count in manifest["bad_records"].items():
        expected[BAD_RECORD_KINDS[kind]] += count
    warehouse = lakehouse / "warehouse.duckdb"
    first = _silver_counts(warehouse)
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

    # Silver and the facts built in two increments equal a full rebuild from the same Bronze.
    incremental = _incremental_rows(warehouse)
    assert all(incremental.values())
    _run([*build, "--full-refresh", "--select", "staging", "intermediate", "marts"], env)
    assert _incremental_rows(warehouse) == incremental

    # Same seed, same files: nothing new lands from them. The simulation is streamed again to
    # the same topic, so Bronze holds every event twice, and Silver still holds each once.
    for command in (generate, simulate, land, ingest, build):
        _run(command, env)
    assert delta.count_rows(lakehouse / "bronze" / "trips") == bronze_rows
    assert delta.count_rows(lakehouse / "bronze" / EVENTS_TABLE) == 2 * events.num_rows
    assert _silver_counts(warehouse) == first
    assert _incremental_rows(warehouse) == incremental
