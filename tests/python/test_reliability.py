"""The faults a careful user and a hostile tester found, replayed against the real pipeline: each
bad input is rejected or refused with a reason, every good input loads, and the builds pass -
so the Silver = Bronze - rejected - duplicates identity (`reconciles_with_bronze`) and the Gold
reconciliations (`assert_revenue_reconciles`, telemetry minutes) hold. docs/reliability.md lists
the guarantees with the test that proves each.

One small lakehouse is built once; the tests then deliver their faults to it in order.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow.compute as pc
import pytest
from confluent_kafka import Producer
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from ingest.bronze import store
from ingest.contracts.bronze import CSV_ENTITIES

from .pipeline import BIN, INGEST, LAKEHOUSE_CLI, LAND, environment, own_topic, run

pytestmark = pytest.mark.integration
DBT = str(BIN / "dbt")
# Silver and Gold with every test; the ML layer needs more data than these faults (a week of
# demand, hours of driving) and is proved elsewhere (test_end_to_end.py).
BUILD = [DBT, "build", "--exclude", "path:models/ml"]
GENERATE = [
    *(LAKEHOUSE_CLI, "generate", "mobility", "--trips", "6000", "--days", "3"),
    *("--zones", "5", "--start-date", "2026-01-05"),
]
SIMULATE = [LAKEHOUSE_CLI, "simulate", "--vehicles", "5", "--minutes", "5"]
DEMO_MS = int(datetime(2026, 2, 1, 12, tzinfo=UTC).timestamp() * 1000)  # inside the window


@pytest.fixture(scope="module")
def faulted(tmp_path_factory, broker_settings) -> tuple[Path, dict[str, str]]:
    lakehouse, env = environment(tmp_path_factory.mktemp("reliability"))
    env = own_topic(env, broker_settings)
    for command in (GENERATE, SIMULATE, LAND, INGEST, BUILD):
        run(command, env)
    return lakehouse, env


def _query(lakehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(lakehouse / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def _produce(env: dict[str, str], events: list[dict | bytes]) -> None:
    producer = Producer({"bootstrap.servers": env["KAFKA_BOOTSTRAP_SERVERS"]})
    for event in events:
        value = event if isinstance(event, bytes) else json.dumps(event).encode()
        producer.produce(env["KAFKA_TOPIC_TELEMETRY"], value=value, key=b"V000001")
    assert producer.flush(30) == 0


def _event(event_id: str, **fields: object) -> dict:
    reading = {
        "schema_version": 1, "event_id": event_id, "vehicle_id": "V000001",
        "driver_id": "D000001", "trip_id": "V000001-1", "ts": DEMO_MS, "speed_kmh": 30.0,
        "rpm": 1500, "gear": 2, "throttle_pct": 10.0, "brake_pct": 0.0, "coolant_temp_c": 90.0,
    }  # fmt: skip
    return reading | fields


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_one_event_cannot_stop_the_build(faulted):
    """Well-formed events with values no timestamp or number can hold are rejected."""
    lakehouse, env = faulted
    expected = {
        "E-epoch-1e18": ("malformed_ts", _event("E-epoch-1e18", ts=10**18)),
        "E-1969": ("implausible_event_time", _event("E-1969", ts=-86_400_000)),
        "E-2099": ("implausible_event_time", _event("E-2099", ts=4_070_908_800_000)),
        "E-9999": ("implausible_event_time", _event("E-9999", ts=253_402_300_799_000)),
        "E-nan": ("malformed_acceleration_ms2", _event("E-nan", acceleration_ms2="NaN")),
        "E-inf": ("malformed_lat", _event("E-inf", lat="Infinity")),
        "E-gear": ("malformed_gear", _event("E-gear", gear=10**12)),
        "E-rpm": ("malformed_rpm", _event("E-rpm", rpm="fast")),
        "E-long": ("implausible_id_length", _event("E-long", vehicle_id="V" * 5_000)),
    }
    _produce(env, [event for _, event in expected.values()])
    run(LAND, env)
    run(BUILD, env)
    rejected = dict(
        _query(
            lakehouse,
            "select event_id, rejection_reason from silver.stg_telemetry__events_rejected"
            " where event_id like 'E-%'",
        )
    )
    assert rejected == {event_id: reason for event_id, (reason, _) in expected.items()}
    assert not _query(
        lakehouse, "select 1 from silver.stg_telemetry__events where event_id like 'E-%'"
    )


def test_one_file_cannot_block_ingestion_and_extra_columns_are_kept(faulted):
    lakehouse, env = faulted
    landing, bronze = lakehouse / "landing", lakehouse / "bronze"
    header = list(CSV_ENTITIES["zones"])
    (landing / "trips" / "huge-header.csv").write_text("x" * 200_000 + ",trip_id\n1,2\n")
    (landing / "trips" / "a-folder.csv").mkdir()
    (landing / "trips" / "gone.csv").symlink_to(landing / "trips" / "nowhere.csv")
    (landing / "trips" / "notes.txt").write_text("not a delivery\n")
    good = _write_csv(
        landing / "zones" / "2026-01-06.csv",
        [*header, "note"],
        [["Z001", "Harbor Mill", "Borough A", "3.5", "52.51", "13.40", "re-surveyed"]],
    )
    partition = next(bronze.glob("trips/_ingest_date=*"))
    leftover = partition / ".part-deadbeef-000000000000.parquet"
    leftover.write_bytes(b"an interrupted write")

    result = run(INGEST, env, expect=2)
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    for name in ("huge-header.csv", "a-folder.csv", "gone.csv"):
        assert f"landing/trips/{name}" in output
    assert "landing/trips/notes.txt (not a .csv file)" in output
    assert not leftover.exists()
    zones = store.open_dataset(bronze / "zones").to_table()
    assert "note" in zones.schema.names  # the Delta table's schema grew in the same commit
    notes = zones.filter(pc.field("_source_file") == f"landing/zones/{good.name}")["note"]
    assert notes.to_pylist() == ["re-surveyed"]
    summary = run([LAKEHOUSE_CLI, "summary"], env)
    assert "Traceback" not in summary.stdout + summary.stderr
    for name in ("huge-header.csv", "a-folder.csv", "gone.csv", "notes.txt"):
        path = landing / "trips" / name
        path.rmdir() if path.is_dir() and not path.is_symlink() else path.unlink()
    run(BUILD, env)


def test_gold_follows_silver_when_a_resend_turns_a_trip_invalid(faulted):
    lakehouse, env = faulted
    (trip_id,) = _query(lakehouse, "select min(trip_id) from gold.fct_trips where is_completed")[0]
    header = list(CSV_ENTITIES["trips"])
    row = _query(
        lakehouse,
        f"select {', '.join(f'cast(t.{c} as varchar)' for c in header)} "
        f"from silver.base_mobility__trips as t where trip_id = '{trip_id}' limit 1",
    )[0]
    resent = dict(zip(header, row, strict=True)) | {"base_fare": "-5.00"}
    _write_csv(lakehouse / "landing" / "trips" / "2026-01-08.csv", header, [list(resent.values())])
    run(INGEST, env)
    run(BUILD, env)  # assert_revenue_reconciles holds without a full refresh
    assert not _query(lakehouse, f"select 1 from gold.fct_trips where trip_id = '{trip_id}'")
    reasons = _query(
        lakehouse,
        "select rejection_reason from silver.stg_mobility__trips_rejected"
        f" where trip_id = '{trip_id}'",
    )
    assert reasons == [("negative_amount",)]


def test_redelivering_an_older_file_reverts_no_later_correction(faulted):
    lakehouse, env = faulted
    before = dict(_query(lakehouse, "select trip_id, total_fare from silver.stg_mobility__trips"))
    rejected = _query(lakehouse, "select count(*) from silver.stg_mobility__trips_rejected")
    corrected = {
        trip_id
        for (trip_id,) in _query(
            lakehouse,
            "select trip_id from silver.stg_mobility__trip_versions"
            " where is_superseded and _source_file like '%2026-01-05.csv' and trip_id in"
            " (select trip_id from silver.stg_mobility__trips"
            "  where _source_file like '%2026-01-06.csv')",
        )
    }
    assert corrected, "the generator delivers corrected re-sends the next day"
    first_day = lakehouse / "landing" / "trips" / "2026-01-05.csv"
    lines = first_day.read_bytes().splitlines(keepends=True)  # the bad records: not all UTF-8
    copy = first_day.with_name("2026-01-05-resent.csv")  # the same delivery day, modified
    copy.write_bytes(b"".join([*lines, lines[1]]))  # one more (duplicate) line changes its hash
    run(INGEST, env)
    run(BUILD, env)
    after = dict(_query(lakehouse, "select trip_id, total_fare from silver.stg_mobility__trips"))
    assert after == before  # no correction reverted, nothing lost
    assert _query(lakehouse, "select count(*) from silver.stg_mobility__trips_rejected") == rejected


def test_two_loaders_at_once_load_each_file_once(faulted):
    lakehouse, env = faulted
    header = list(CSV_ENTITIES["riders"])
    for day in ("2026-01-09", "2026-01-10", "2026-01-11"):
        rows = [[f"RX{day}{i}", "Ada", "Berg", "", "Z001", f"{day}T08:00:00Z"] for i in range(50)]
        _write_csv(lakehouse / "landing" / "riders" / f"{day}.csv", header, rows)
    command = [LAKEHOUSE_CLI, "ingest", "csv", "--entity", "riders"]
    loaders = [
        subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        for _ in range(2)
    ]
    outcomes = [(p.wait(120), p.stdout.read()) for p in loaders if p.stdout]
    codes = sorted(code for code, _ in outcomes)
    assert codes in ([0, 0], [0, 3]), outcomes
    for code, output in outcomes:
        assert "Traceback" not in output
        if code == 3:
            assert "is already writing" in output
    run(command, env)  # whatever the refused one would have loaded
    riders = store.open_dataset(lakehouse / "bronze" / "riders").to_table(["_source_file"])
    counts = riders.group_by("_source_file").aggregate([("_source_file", "count")]).to_pylist()
    per_file = {c["_source_file"]: c["_source_file_count"] for c in counts}
    for day in ("2026-01-09", "2026-01-10", "2026-01-11"):
        assert per_file[f"landing/riders/{day}.csv"] == 50


def test_a_build_during_landing_passes(faulted):
    """Telemetry streams in real time and lands every second while dbt builds it: the
    reconciliation compares the Bronze the build read, not the one that grew meanwhile."""
    lakehouse, env = faulted
    background = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env}
    simulator = subprocess.Popen(
        [
            LAKEHOUSE_CLI,
            "simulate",
            "--realtime",
            "--vehicles",
            "20",
            "--minutes",
            "1",
            "--seed",
            "9",
        ],
        **background,
    )
    lander = subprocess.Popen(
        [LAKEHOUSE_CLI, "land", "--until-idle", "5", "--batch-seconds", "1"], **background
    )
    log = lakehouse / "bronze" / "telemetry_events" / "_delta_log"
    commits = len(list(log.glob("*.json")))
    deadline = time.monotonic() + 60
    while len(list(log.glob("*.json"))) < commits + 2:  # landing has begun
        assert time.monotonic() < deadline and lander.poll() is None
        time.sleep(0.05)
    run([DBT, "build", "--select", "+stg_telemetry__events"], env)
    assert lander.poll() is None, "the build did not overlap the landing"
    assert simulator.wait(120) == 0 and lander.wait(120) == 0
    run(BUILD, env)


def test_selective_builds_work_on_a_fresh_lakehouse(tmp_path):
    _, env = environment(tmp_path)
    run([*GENERATE[:4], "3000", *GENERATE[5:]], env)
    run(INGEST, env)
    run([DBT, "build", "--select", "+fct_trips"], env)  # the example in docs/modelling.md
    run([DBT, "build", "--select", "+agg_revenue_daily", "+stg_mobility__drivers"], env)


@pytest.mark.parametrize(
    "args",
    [
        ["generate", "mobility", "--trips", "1000000000000"],
        ["generate", "mobility", "--days", "100000000"],
        ["simulate", "--vehicles", "100000000"],
        ["simulate", "--minutes", "-5"],
        ["land", "--batch-size", "0"],
        ["land", "--until-idle", "-1"],
    ],
)
def test_out_of_range_options_are_one_sentence(tmp_path, args):
    env = {**os.environ, "LAKEHOUSE_DIR": str(tmp_path / "lakehouse")}
    result = run([LAKEHOUSE_CLI, *args], env, expect=2)
    assert "Invalid value" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "lakehouse" / "landing").exists()


def test_bad_settings_and_a_missing_broker_are_one_sentence(tmp_path):
    a_file = tmp_path / "not-a-directory"
    a_file.write_text("")
    env = {**os.environ, "LAKEHOUSE_DIR": str(a_file)}
    for args in (["init"], ["generate", "mobility", "--trips", "100"], ["broker", "start"]):
        result = run([LAKEHOUSE_CLI, *args], env, expect=1)
        assert "is a file, not a directory" in result.stdout and "Traceback" not in result.stdout
    env = {**os.environ, "LAKEHOUSE_DIR": str(tmp_path / "lh"), "LAKEHOUSE_BROKER_PORT": "1"}
    started = time.monotonic()
    for args in (["land", "--until-idle", "1"], ["simulate", "--minutes", "1"]):
        result = run([LAKEHOUSE_CLI, *args], env, expect=1)
        lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
        assert len(lines) <= 3 and "lakehouse broker start" in lines[-1], lines
    assert time.monotonic() - started < 30
    _, dbt_env = environment(tmp_path / "dbt")
    result = run([DBT, "parse"], dbt_env | {"DUCKDB_MEMORY_LIMIT": "foo"}, expect=2)
    assert "DUCKDB_MEMORY_LIMIT" in result.stdout and "Traceback" not in result.stdout


def test_nothing_is_written_outside_the_lakehouse(tmp_path):
    """MLflow's store and Matplotlib's cache stay under $LAKEHOUSE_DIR, whatever the working
    directory and the home directory are."""
    work, home = tmp_path / "work", tmp_path / "home"
    work.mkdir()
    home.mkdir()
    script = (
        "from ml import tracking\n"
        "import matplotlib.pyplot as plt\n"
        "tracking.experiment_id('reliability')\n"
        "plt.subplots()\n"
    )
    env = {**os.environ, "LAKEHOUSE_DIR": str(tmp_path / "lakehouse"), "HOME": str(home)}
    env.pop("MPLCONFIGDIR", None)
    env.pop("MLFLOW_TRACKING_URI", None)
    run([str(BIN / "python"), "-c", script], env, cwd=work)
    assert list(work.iterdir()) == [] and list(home.iterdir()) == []
    (location,) = _sqlite(tmp_path / "lakehouse" / "mlflow.db")
    assert location.startswith((tmp_path / "lakehouse" / "mlartifacts").as_uri())


def _sqlite(database: Path) -> tuple[str]:
    import sqlite3

    with sqlite3.connect(database) as con:
        return con.execute(
            "select artifact_location from experiments where experiment_id = 0"
        ).fetchone()


EXTREME_TEXT = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "NaN",
            "nan",
            "Infinity",
            "-Infinity",
            "inf",
            "1e309",
            "-1e400",
            "1e-400",
            "99999999999999999999999",
            "-0",
            "0x1A",
            "1,5",
            "9999-12-31T23:59:59Z",
            "0001-01-01",
            "1969-12-31T23:59:59Z",
            "2099-01-01T00:00:00+14:00",
            "yesterday",
            "2026-02-30T25:61:00Z",
            "Z001",
            "card",
            "completed",
            "🚗",
            "\x00",
            "x" * 300,
        ]
    ),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=12),
)
EXTREME_JSON = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    EXTREME_TEXT,
    st.none(),
    st.booleans(),
)


@settings(
    max_examples=2,
    deadline=None,
    phases=[Phase.generate],  # each example is a pipeline run: report it, do not shrink it
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.large_base_example,
        HealthCheck.data_too_large,
    ],
)
@given(
    trips=st.lists(
        st.fixed_dictionaries({c: EXTREME_TEXT for c in CSV_ENTITIES["trips"]}),
        min_size=5,
        max_size=15,
    ),
    events=st.lists(
        st.fixed_dictionaries(
            {
                "ts": EXTREME_JSON,
                "rpm": EXTREME_JSON,
                "speed_kmh": EXTREME_JSON,
                "gear": EXTREME_JSON,
                "lat": EXTREME_JSON,
                "coolant_temp_c": EXTREME_JSON,
                "vehicle_id": EXTREME_JSON,
            }
        ),
        min_size=5,
        max_size=15,
    ),
)
def test_extreme_values_land_in_silver_or_rejected(
    tmp_path_factory, broker_settings, trips, events
):
    """Whatever the values, Silver builds, and every Bronze row is in Silver, rejected or a
    duplicate (the build's `reconciles_with_bronze` tests check the identity)."""
    lakehouse, env = environment(tmp_path_factory.mktemp("extremes"))
    env = own_topic(env, broker_settings)
    run([*GENERATE[:4], "500", "--days", "1", "--zones", "5", "--start-date", "2026-01-05"], env)
    header = list(CSV_ENTITIES["trips"])
    _write_csv(
        lakehouse / "landing" / "trips" / "2026-01-06.csv",
        header,
        [[t[c] for c in header] for t in trips],
    )
    _produce(env, [_event(f"X-{i}", **event) for i, event in enumerate(events)])
    run(LAND, env)
    run(INGEST, env, expect=0)
    run([DBT, "build", "--select", "+path:models/staging"], env)
    bronze = store.count_rows(lakehouse / "bronze" / "trips")
    silver, rejected, superseded = _query(
        lakehouse,
        "select (select count(*) from silver.stg_mobility__trips),"
        " (select count(*) from silver.stg_mobility__trips_rejected),"
        " (select count(*) from silver.stg_mobility__trip_versions where is_superseded)",
    )[0]
    assert bronze == silver + rejected + superseded
