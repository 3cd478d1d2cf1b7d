"""The same dbt project on DuckDB and on Apache Spark (`--target spark_local`), same Bronze.

A small data set is landed once, as Delta Lake Bronze (the default); dbt builds everything on
DuckDB and, in a local SparkSession (the project's `spark_session` adapter, Delta Lake's jars),
on Spark, whose tables are Delta tables under $LAKEHOUSE_DIR/spark, Elementary's included.
Both builds share the MLflow registry under $LAKEHOUSE_DIR.

- The Spark build runs with LAKEHOUSE_DIR relative to the project, as a plain `dbt build` has it.
- Every Gold table and every ML feature table has the same row count, the same sum of every
  numeric column (to a relative 1e-9: the engines add doubles in other orders) and the same
  number of distinct keys on both engines.
- Training on Spark finds the versions DuckDB registered: the training rows are the same, so
  their fingerprint is (ml.training), and no model is trained twice.
- With those fixed models, every score agrees row by row.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pytest
from deltalake import DeltaTable

from ml.driving_style import USE_CASE as DRIVING_STYLE
from ml.forecasting import DEMAND, SURGE

from .conftest import REPO_ROOT
from .pipeline import BIN, INGEST, LAKEHOUSE_CLI, LAND, environment, own_topic, run

pytestmark = pytest.mark.integration

NUMERIC = {"BIGINT", "INTEGER", "DOUBLE", "DECIMAL", "HUGEINT", "FLOAT", "SMALLINT"}
COMPARED_SCHEMAS = {"gold": 13, "ml": 3}  # ml: the feature tables (`ml_%_features`)
SCORES = {
    DRIVING_STYLE: ("ml_driving_style_training", "ml_driving_style_scores"),
    DEMAND: ("ml_demand_training", "ml_demand_forecasts"),
    SURGE: ("ml_surge_training", "ml_surge_predictions"),
}


def _profile(con: duckdb.DuckDBPyConnection, relation: str, columns) -> tuple:
    """Row count, the sum of every numeric column, and distinct values of every key."""
    numeric = [c for c, kind in columns if kind.split("(")[0] in NUMERIC]
    keys = [c for c, _ in columns if c.endswith(("_id", "_key"))]
    aggregates = [
        "count(*)",
        *(f"sum({c})::double" for c in numeric),
        *(f"count(distinct {c})" for c in keys),
    ]
    return con.execute(f"select {', '.join(aggregates)} from {relation}").fetchone()


def _tables(con: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    pattern = "ml_%_features" if schema == "ml" else "%"
    # ml_online_features is the serving snapshot's input: a window of ml_demand_features.
    return [
        t for (t,) in con.execute(
            "select table_name from information_schema.tables"
            " where table_schema = ? and table_name like ? and table_name != 'ml_online_features'",
            [schema, pattern],
        ).fetchall()
    ]  # fmt: skip


def test_everything_agrees_on_duckdb_and_spark(tmp_path, broker_settings):
    lakehouse, env = environment(tmp_path)
    env = own_topic(env, broker_settings)
    for command in (
        # Ten days (the demand features look a week back) ending where the simulated hour
        # ends, so trips and telemetry overlap.
        [
            *(LAKEHOUSE_CLI, "generate", "mobility", "--trips", "10000", "--days", "10"),
            *("--zones", "6", "--start-date", "2026-01-23"),
        ],
        [LAKEHOUSE_CLI, "simulate", "--vehicles", "20", "--minutes", "60"],
        LAND,
        INGEST,
    ):
        run(command, env)
    dbt = str(BIN / "dbt")
    run([dbt, "build"], env | {"DBT_TARGET_PATH": str(tmp_path / "duckdb")})
    # LAKEHOUSE_DIR relative to the project, as a user's `dbt build` has it by default
    # (`lakehouse`): Delta reads Bronze only by an absolute path, which the hook makes.
    relative = os.path.relpath(lakehouse, REPO_ROOT)
    spark = run(
        [dbt, "build", "--target", "spark_local"],
        env | {"DBT_TARGET_PATH": str(tmp_path / "spark"), "LAKEHOUSE_DIR": relative},
    )
    assert "Spark: Bronze is read as delta." in spark.stdout
    assert_same_results(lakehouse)


def assert_same_results(lakehouse: Path) -> None:
    """DuckDB's warehouse against spark_local's Delta tables in one lakehouse."""
    on_spark = lakehouse / "spark" / "warehouse"
    # Elementary ran on Spark: its run results and test results are Delta tables there.
    for table in ("dbt_run_results", "elementary_test_results"):
        assert DeltaTable(on_spark / "elementary.db" / table).to_pyarrow_table().num_rows > 0

    with duckdb.connect(str(lakehouse / "warehouse.duckdb"), read_only=True) as con:

        def spark_table(schema: str, table: str) -> str:
            name = f"spark_{schema}_{table}"
            arrow = DeltaTable(on_spark / f"{schema}.db" / table).to_pyarrow_table()
            # Delta's `timestamp` is an instant (UTC); Spark's session is UTC, DuckDB's naive.
            naive = [
                pa.field(f.name, pa.timestamp(f.type.unit))
                if pa.types.is_timestamp(f.type) and f.type.tz
                else f
                for f in arrow.schema
            ]
            con.register(name, arrow.cast(pa.schema(naive)))
            return name

        for schema, count in COMPARED_SCHEMAS.items():
            tables = _tables(con, schema)
            assert len(tables) == count, tables
            for table in tables:
                columns = con.execute(
                    "select column_name, data_type from information_schema.columns"
                    " where table_schema = ? and table_name = ? order by ordinal_position",
                    [schema, table],
                ).fetchall()
                duck = _profile(con, f"{schema}.{table}", columns)
                theirs = _profile(con, spark_table(schema, table), columns)
                assert duck[0] > 0, table
                for mine, expected in zip(theirs, duck, strict=True):  # null: no values
                    approx = expected if expected is None else pytest.approx(expected, rel=1e-9)
                    assert mine == approx, table

        for use_case, (training, scores) in SCORES.items():
            versions = [
                con.execute(f"select distinct model_version from {relation}").fetchall()
                for relation in (f"ml.{training}", spark_table("ml", training))
            ]
            assert versions[0] == versions[1] == [(1,)], use_case.name
            keys = [*use_case.keys, "model_version"]
            duck, theirs = (
                con.execute(f"select * from {relation} order by all").df().set_index(keys)
                for relation in (f"ml.{scores}", spark_table("ml", scores))
            )
            assert len(duck) > 0
            predicted = [c for c in duck.columns if c.startswith(("predicted", "probability"))]
            pd.testing.assert_frame_equal(
                theirs[predicted].sort_index(), duck[predicted].sort_index(), rtol=1e-9
            )
