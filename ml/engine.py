"""What the `ml` steps need from the engine a dbt Python model runs on, for DuckDB and Spark.

dbt-duckdb hands a model DuckDB relations and its connection; Spark (the `spark_session`
adapter) hands it Spark DataFrames and the SparkSession. The steps read bounded tables into
pandas on either engine (feature tables are aggregates; training reads at most
`max_training_rows`), score in batches - in this process on DuckDB, in Spark's Python workers
(`mapInPandas`) over the whole table on Spark - and return their rows in the engine's own kind.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pyarrow as pa


def is_spark(relation) -> bool:
    return type(relation).__module__.startswith("pyspark.")


def to_pandas(relation) -> pd.DataFrame:
    return relation.toPandas() if is_spark(relation) else relation.df()


def bounded_sample(relation, keys: tuple[str, ...], max_rows: int) -> pd.DataFrame:
    """The relation's rows, or a sample of `max_rows` of them chosen by a hash of `keys` when it
    has more (the same rows on every run over the same data)."""
    spark = is_spark(relation)
    if (relation.count() if spark else len(relation)) <= max_rows:
        return to_pandas(relation)
    if spark:
        from pyspark.sql import functions as F

        return relation.orderBy(F.xxhash64(*keys)).limit(max_rows).toPandas()
    return relation.order(f"hash({', '.join(keys)})").limit(max_rows).df()


def result(frame: pd.DataFrame, like):
    """`frame` in the kind of `like`: as it is on DuckDB, a Spark DataFrame on Spark (a column
    with no value at all becomes a string column: Spark has no type for it)."""
    if not is_spark(like):
        return frame
    table = pa.Table.from_pandas(frame, preserve_index=False)
    for i, column in enumerate(table.schema):
        if pa.types.is_null(column.type):
            table = table.set_column(i, column.name, table.column(i).cast(pa.string()))
    return like.sparkSession.createDataFrame(table)


def unscored(features, session, scores: str, keys: tuple[str, ...], version: int):
    """The feature rows that `scores` (a table name) holds no row of `version` for."""
    if is_spark(features):
        done = session.table(scores).where(f"model_version = {version}").select(*keys)
        return features.join(done, list(keys), "left_anti")
    done = session.sql(
        f"select {', '.join(keys)} from {scores} where model_version = ?", params=[version]
    )
    return features.join(done, ", ".join(keys), how="anti")


def map_batches(
    relation, score: Callable[[pd.DataFrame], pd.DataFrame], batch_rows: int, template
) -> object:
    """`score` applied to the relation in batches of at most `batch_rows` rows. `template` is
    `score`'s output for any row: its columns and types are the result's."""
    if not is_spark(relation):
        frame = relation.df()
        batches = [score(frame.iloc[i : i + batch_rows]) for i in range(0, len(frame), batch_rows)]
        return pd.concat(batches, ignore_index=True) if batches else template.iloc[:0]
    from pyspark.sql.types import StructType

    # Columns copied from the relation keep its types; the new ones take the template's.
    fields = {f.name: f for f in result(template, relation).schema.fields}
    fields |= {f.name: f for f in relation.schema.fields if f.name in fields}
    schema = StructType([fields[name] for name in template.columns])
    relation.sparkSession.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", batch_rows)
    return relation.mapInPandas(lambda batches: map(score, batches), schema)
