"""The project on a real standalone Spark cluster: `lakehouse spark start` (master, two workers,
one application serving Spark Connect and Thrift), small Delta Bronze, one cluster start.

- Before the start, `dbt build --target spark_connect` ends in one sentence.
- Through Spark Connect a slice of Silver, Gold, Elementary's models and one ML model (driving
  style: training and scoring, whose scoring runs in the executors with the `ml` code the adapter
  sends) runs, and the fact's tests; the tables are Delta tables in the cluster's warehouse, and
  Elementary's run and test results are there. (Models and a few tests, not `dbt build`: each
  Elementary anomaly test is several statements, minutes on two cores; the parity test runs them
  all.)
- A second build changes nothing: no upserted model is rebuilt in full (their Delta logs gain
  no CREATE OR REPLACE), the row counts stay, no model is trained again.
- `lakehouse report --target spark_connect` renders Elementary's report from those tables,
  read through the cluster's Thrift server.
- Through Thrift (`--target spark`) the same SQL slice builds, the ML models skipped in one line.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from deltalake import DeltaTable
from pyspark.sql import SparkSession

from .conftest import free_port
from .pipeline import (
    BIN,
    INGEST,
    LAKEHOUSE_CLI,
    LAND,
    environment,
    own_topic,
    report_test_results,
    run,
)

pytestmark = pytest.mark.integration

# Elementary's package models too: the report reads its views (model_run_results, ...).
SLICE = [
    "--select",
    "+fct_trips +fct_vehicle_telemetry_minute +ml_driving_style_scores package:elementary",
]
UPSERTED = (
    "silver.stg_mobility__trip_versions",
    "gold.fct_trips",
    "gold.fct_vehicle_telemetry_minute",
)
COUNTED = (*UPSERTED, "ml.ml_driving_style_scores", "ml.ml_driving_style_training")
CONNECT_RUN = [str(BIN / "dbt"), "run", "--target", "spark_connect"]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, broker_settings) -> Iterator[tuple[Path, dict[str, str]]]:
    tmp_path = tmp_path_factory.mktemp("spark-cluster")
    lakehouse, env = environment(tmp_path)
    env = own_topic(env, broker_settings) | {
        "SPARK_HOST": "127.0.0.1",
        "SPARK_PORT": str(free_port()),
        "SPARK_CONNECT_PORT": str(free_port()),
        "LAKEHOUSE_SPARK_MASTER_PORT": str(free_port()),
        "LAKEHOUSE_SPARK_WORKER_MEMORY": "768m",
        "LAKEHOUSE_SPARK_SERVER_MEMORY": "1g",
    }
    for command in (
        [
            *(LAKEHOUSE_CLI, "generate", "mobility", "--trips", "3000", "--days", "3"),
            *("--zones", "4", "--start-date", "2026-01-30"),
        ],
        [LAKEHOUSE_CLI, "simulate", "--vehicles", "8", "--minutes", "30"],
        LAND,
        INGEST,
    ):
        run(command, env)
    not_started = run([str(BIN / "dbt"), "build", "--target", "spark_connect"], env, expect=2)
    assert "no Spark Connect server answers at sc://127.0.0.1:" in not_started.stdout
    run([LAKEHOUSE_CLI, "spark", "start"], env)
    try:
        yield lakehouse, env
    finally:
        run([LAKEHOUSE_CLI, "spark", "stop"], env)


def _session(env: dict[str, str]) -> SparkSession:
    return SparkSession.builder.remote(f"sc://127.0.0.1:{env['SPARK_CONNECT_PORT']}").getOrCreate()


def _counts(env: dict[str, str]) -> dict[str, int]:
    """Rows per table, and of Elementary's results, read over Spark Connect (the ML tables'
    string columns carry a collation that the `deltalake` reader does not know)."""
    tables = (*COUNTED, "elementary.dbt_run_results", "elementary.elementary_test_results")
    return {table: _session(env).table(table).count() for table in tables}


def _full_rebuilds(warehouse: Path, table: str) -> int:
    """How often the table was created or replaced, from its Delta log."""
    schema, name = table.split(".")
    history = DeltaTable(warehouse / f"{schema}.db" / name).history()
    return sum(entry["operation"].startswith("CREATE") for entry in history)


@pytest.fixture(scope="module")
def connect_built(cluster) -> tuple[Path, dict[str, str], dict[str, int]]:
    """The slice built through Spark Connect once, the fact's tests run; the rows it left."""
    lakehouse, env = cluster
    status = run([LAKEHOUSE_CLI, "spark", "status"], env).stdout
    assert "worker 2 pid" in status and "Thrift port" in status and "does not answer" not in status
    run([str(BIN / "dbt"), "seed", "--target", "spark_connect"], env)
    first = run([*CONNECT_RUN, *SLICE], env)
    assert "Spark: Bronze is read as delta." in first.stdout
    run([str(BIN / "dbt"), "test", "--target", "spark_connect", "--select", "fct_trips"], env)
    return lakehouse, env, _counts(env)


def test_connect_builds_silver_gold_and_ml_and_a_second_run_merges(connect_built):
    lakehouse, env, counts = connect_built
    assert all(counts.values()), counts
    warehouse = lakehouse / "spark" / "cluster" / "warehouse"
    assert all(_full_rebuilds(warehouse, table) == 1 for table in UPSERTED)

    run([*CONNECT_RUN, *SLICE], env)
    again = _counts(env)
    assert {t: again[t] for t in COUNTED} == {t: counts[t] for t in COUNTED}
    assert all(_full_rebuilds(warehouse, table) == 1 for table in UPSERTED)
    versions = _session(env).sql("select distinct model_version from ml.ml_driving_style_training")
    assert [row[0] for row in versions.collect()] == [1]


def test_the_report_reads_the_clusters_elementary_tables_through_thrift(connect_built):
    lakehouse, env, _ = connect_built
    run([LAKEHOUSE_CLI, "report", "--target", "spark_connect"], env)
    tested = {result["metadata"]["table_name"] for result in report_test_results(lakehouse)}
    assert "fct_trips" in tested


def test_thrift_builds_the_sql_slice_and_skips_the_ml_models(cluster):
    _, env = cluster
    thrift = run([str(BIN / "dbt"), "run", "--target", "spark", *SLICE], env)
    assert "the ML models are skipped on this target" in thrift.stdout
    assert " ml.ml_driving_style" not in thrift.stdout  # no ML model ran
