"""Bronze tables in either format (`BRONZE_FORMAT`): the same operations, the same rows."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from common.errors import InvalidSetting
from ingest.bronze import store
from ingest.contracts.bronze import REJECTS_TABLE
from ingest.contracts.entities import ENTITIES
from ingest.loaders.csv_loader import ingest_files, landing_files

SCHEMA = pa.schema([("event_id", pa.string()), (store.PARTITION_COLUMN, pa.date32())])
DAY = date(2026, 1, 5)


@pytest.fixture(params=["delta", "parquet"])
def bronze_format(request, monkeypatch) -> str:
    monkeypatch.setenv("BRONZE_FORMAT", request.param)
    return request.param


def _rows(ids: list[str], **extra: list) -> pa.Table:
    columns = {"event_id": ids, **extra, store.PARTITION_COLUMN: [DAY] * len(ids)}
    types = {"event_id": pa.string(), **dict.fromkeys(extra, pa.string())}
    return pa.table(columns, schema=pa.schema([*types.items(), SCHEMA.field(1)]))


def test_batches_commit_with_their_metadata_and_new_columns(tmp_path, bronze_format):
    table = tmp_path / "events"
    assert store.create_empty(table, SCHEMA) and not store.create_empty(table, SCHEMA)
    assert store.format_of(table) == bronze_format
    assert store.count_rows(table) == 0
    store.append_batch(table, _rows(["a", "b"]), "a1", {"lakehouse.offsets": "{}"})
    store.append_batch(table, _rows(["c"], note=["new column"]), "b2", {})
    assert store.committed_batches(table) == {"a1", "b2"}
    assert {"lakehouse.offsets": "{}", store.BATCH_ID_KEY: "a1"}.items() <= next(
        c for c in store.commits(table) if c[store.BATCH_ID_KEY] == "a1"
    ).items()
    rows = store.open_dataset(table).to_table().sort_by("event_id").to_pylist()
    assert [(r["event_id"], r["note"], r[store.PARTITION_COLUMN]) for r in rows] == [
        ("a", None, DAY),
        ("b", None, DAY),
        ("c", "new column", DAY),
    ]


def test_replacing_a_batch_keeps_only_its_latest_rows(tmp_path, bronze_format):
    table = tmp_path / "rejects"
    store.replace_batch(table, _rows(["x", "y"], _batch_id=["c3"] * 2), "c3")
    store.replace_batch(table, _rows(["x", "y"], _batch_id=["c3"] * 2), "c3")  # a retry
    store.replace_batch(table, _rows(["z"], _batch_id=["d4"]), "d4")
    assert store.count_rows(table) == 3


def test_a_written_file_is_invisible_until_committed(tmp_path, bronze_format):
    table = tmp_path / "trips"
    store.create_empty(table, SCHEMA)
    partition = table / f"{store.PARTITION_COLUMN}={DAY.isoformat()}"
    partition.mkdir(parents=True, exist_ok=True)
    hidden = partition / ".part-e5-0001.parquet"
    pq.write_table(pa.table({"event_id": ["q"]}), hidden)
    assert store.count_rows(table) == 0 and store.committed_batches(table) == set()
    store.commit_file(table, hidden, SCHEMA, DAY.isoformat(), {"numRecords": 1}, "e5", {})
    assert store.count_rows(table) == 1 and store.committed_batches(table) == {"e5"}


def test_a_table_keeps_its_format(tmp_path, monkeypatch):
    table = tmp_path / "events"
    monkeypatch.setenv("BRONZE_FORMAT", "parquet")
    store.append_batch(table, _rows(["a"]), "a1", {})
    monkeypatch.setenv("BRONZE_FORMAT", "delta")
    with pytest.raises(store.BronzeFormatError, match="is in parquet format"):
        store.append_batch(table, _rows(["b"]), "b2", {})
    assert store.count_rows(table) == 1  # reads follow the table, whatever the setting
    monkeypatch.setenv("BRONZE_FORMAT", "iceberg")
    with pytest.raises(InvalidSetting, match="must be one of"):
        store.create_empty(tmp_path / "other", SCHEMA)


def test_the_csv_loader_lands_the_same_rows_in_both_formats(landed, monkeypatch):
    counts = {}
    for bronze_format in ("delta", "parquet"):
        lakehouse = landed.parent / bronze_format
        shutil.copytree(landed / "landing", lakehouse / "landing")
        monkeypatch.setenv("BRONZE_FORMAT", bronze_format)
        ingest_files(landing_files(lakehouse / "landing", ENTITIES), lakehouse)
        tables = [*ENTITIES, REJECTS_TABLE]
        counts[bronze_format] = {t: store.count_rows(lakehouse / "bronze" / t) for t in tables}
        assert store.format_of(lakehouse / "bronze" / "trips") == bronze_format
        again = ingest_files(landing_files(lakehouse / "landing", ENTITIES), lakehouse)
        assert {r.status for r in again} == {"skipped"}
    assert counts["delta"] == counts["parquet"]
    assert all(counts["parquet"].values())
    assert not list(Path(landed.parent / "parquet").rglob(".part-*"))


@pytest.mark.integration  # starts a local Spark
@pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")
def test_spark_reads_a_parquet_table_with_its_whole_schema_before_and_after_batches(
    tmp_path, monkeypatch
):
    """Spark takes the schema from the table's `_common_metadata`: a table with no batch yet
    is readable (the on-run-start hook makes a view over every source), and a column only a
    later batch brought is there without merging every file's schema."""
    from pyspark.sql import SparkSession

    monkeypatch.setenv("BRONZE_FORMAT", "parquet")
    table = tmp_path / "events"
    store.create_empty(table, SCHEMA)
    spark = SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false")
    spark = spark.config("spark.sql.warehouse.dir", str(tmp_path / "spark-warehouse"))
    spark = spark.getOrCreate()
    try:
        empty = spark.sql(f"select * from parquet.`{table}`")
        assert empty.columns == ["event_id", store.PARTITION_COLUMN] and empty.count() == 0
        store.append_batch(table, _rows(["a"]), "a1", {})
        store.append_batch(table, _rows(["b"], note=["new column"]), "b2", {})
        rows = spark.sql(f"select event_id, note from parquet.`{table}` order by event_id")
        assert [tuple(r) for r in rows.collect()] == [("a", None), ("b", "new column")]
    finally:
        spark.stop()
