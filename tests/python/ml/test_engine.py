"""`ml.engine` on DuckDB relations (Spark's side runs in the parity test)."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from ml import engine


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create table features as select range as k, range % 3 as z from range(10)")
    con.execute(
        "create table scores as select range as k, range % 3 as z, 1 as model_version from range(4)"
    )
    return con


def test_unscored_rows_are_those_without_a_score_of_that_version(con):
    features = con.table("features")
    left = engine.unscored(features, con, "scores", ("k", "z"), 1)
    assert sorted(k for k, _ in left.fetchall()) == list(range(4, 10))
    assert len(engine.unscored(features, con, "scores", ("k", "z"), 2)) == 10


def test_batches_cover_every_row_once_and_nothing_gives_the_template_columns(con):
    sizes = []

    def score(frame: pd.DataFrame) -> pd.DataFrame:
        sizes.append(len(frame))
        return frame.assign(double=frame["k"] * 2)

    template = score(con.table("features").limit(1).df())
    sizes.clear()
    scored = engine.map_batches(con.table("features"), score, 4, template)
    assert sizes == [4, 4, 2]
    assert scored["double"].tolist() == [2 * k for k in range(10)]
    none = engine.map_batches(con.sql("select * from features where k < 0"), score, 4, template)
    assert none.empty and list(none.columns) == ["k", "z", "double"]


def test_a_bounded_sample_is_the_same_rows_every_time(con):
    features = con.table("features")
    assert len(engine.bounded_sample(features, ("k",), 100)) == 10
    sample = engine.bounded_sample(features, ("k",), 5)
    assert len(sample) == 5
    assert sample["k"].tolist() == engine.bounded_sample(features, ("k",), 5)["k"].tolist()


def test_results_stay_pandas_on_duckdb(con):
    frame = pd.DataFrame({"a": [1]})
    assert engine.result(frame, like=con.table("features")) is frame
