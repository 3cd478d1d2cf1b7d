"""The same dbt project on DuckDB and on Apache Spark (`--target spark_local`), same Bronze.

A small data set is landed once; dbt builds Silver and Gold on DuckDB and, in a local
SparkSession, on Spark (whose tables are Parquet files under $LAKEHOUSE_DIR/spark). Every Gold
table must have the same row count, the same sum of every numeric column (to a relative
1e-6: the engines add doubles in other orders) and the same number of distinct keys on both.
The ML layer is not compared: it does not run on Spark yet.
"""

from __future__ import annotations

import duckdb
import pytest

from .pipeline import BIN, INGEST, LAKEHOUSE_CLI, LAND, environment, own_topic, run

pytestmark = pytest.mark.integration
SQL_LAYERS = ["--exclude", "path:models/ml", "path:tests/dbt/ml"]


NUMERIC = {"BIGINT", "INTEGER", "DOUBLE", "DECIMAL", "HUGEINT", "FLOAT", "SMALLINT"}


def _gold_profile(con: duckdb.DuckDBPyConnection, relation: str, columns) -> tuple:
    """Row count, the sum of every numeric column, and distinct values of every key."""
    numeric = [c for c, kind in columns if kind.split("(")[0] in NUMERIC]
    keys = [c for c, _ in columns if c.endswith(("_id", "_key"))]
    aggregates = [
        "count(*)",
        *(f"sum({c})::double" for c in numeric),
        *(f"count(distinct {c})" for c in keys),
    ]
    return con.execute(f"select {', '.join(aggregates)} from {relation}").fetchone()


def test_silver_and_gold_agree_on_duckdb_and_spark(tmp_path, broker_settings):
    lakehouse, env = environment(tmp_path)
    env = own_topic(env, broker_settings)
    for command in (
        # Five days ending where the simulated evening ends, so trips and telemetry overlap.
        [
            *(LAKEHOUSE_CLI, "generate", "mobility", "--trips", "8000", "--days", "5"),
            *("--zones", "6", "--start-date", "2026-01-28"),
        ],
        [LAKEHOUSE_CLI, "simulate", "--vehicles", "4", "--minutes", "240"],
        LAND,
        INGEST,
    ):
        run(command, env)
    dbt = str(BIN / "dbt")
    run([dbt, "build", *SQL_LAYERS], env | {"DBT_TARGET_PATH": str(tmp_path / "duckdb")})
    spark = run(
        [dbt, "build", "--target", "spark_local"],
        env | {"DBT_TARGET_PATH": str(tmp_path / "spark")},
    )
    assert "the ML models (dbt Python models) and Elementary are disabled" in spark.stdout

    spark_gold = lakehouse / "spark" / "warehouse" / "gold.db"
    with duckdb.connect(str(lakehouse / "warehouse.duckdb"), read_only=True) as con:
        tables = [
            t for (t,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'gold'"
            ).fetchall()
        ]  # fmt: skip
        assert len(tables) == 13
        for table in tables:
            columns = con.execute(
                "select column_name, data_type from information_schema.columns"
                " where table_schema = 'gold' and table_name = ? order by ordinal_position",
                [table],
            ).fetchall()
            on_duckdb = _gold_profile(con, f"gold.{table}", columns)
            on_spark = _gold_profile(
                con, f"read_parquet('{spark_gold / table}/*.parquet')", columns
            )
            assert on_duckdb[0] > 0, table
            assert len(on_spark) == len(on_duckdb)
            for mine, theirs in zip(on_spark, on_duckdb, strict=True):  # null: no values
                assert mine == (theirs if theirs is None else pytest.approx(theirs, rel=1e-9)), (
                    table
                )
