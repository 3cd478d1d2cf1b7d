"""The few Delta Lake operations Bronze needs, on top of delta-rs.

Bronze tables are append-only, one atomic commit per batch. The commit carries the batch id in
its metadata, so "was this batch already committed?" is answered by the table's own log: a
crash before the commit leaves nothing visible, a crash after it makes the batch a no-op when
it is retried.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.fs as pafs
import pyarrow.parquet as pq
from deltalake import CommitProperties, DeltaTable, Schema, write_deltalake
from deltalake.exceptions import DeltaError
from deltalake.transaction import AddAction, create_table_with_add_actions

from ingest.contracts.bronze import BATCH_ID_KEY, PARTITION_COLUMN


def table_exists(path: Path) -> bool:
    return (path / "_delta_log").is_dir()


def open_dataset(path: Path | str) -> pads.Dataset:
    """The current version of a Delta table as a pyarrow dataset (lazy, filter push-down).

    Local tables are read through pyarrow's own filesystem: delta-rs's default filesystem
    handler can abort the interpreter at exit (delta-io/delta-rs#2184).
    """
    table = DeltaTable(str(path))
    uri = table.table_uri.removeprefix("file://")
    if "://" in uri:
        return table.to_pyarrow_dataset()
    return table.to_pyarrow_dataset(filesystem=pafs.SubTreeFileSystem(uri, pafs.LocalFileSystem()))


def create_empty(path: Path, schema: pa.Schema) -> bool:
    """Create an empty table (partitioned by ingest date) unless one exists; True if created."""
    if table_exists(path):
        return False
    try:
        DeltaTable.create(str(path), Schema.from_arrow(schema), partition_by=[PARTITION_COLUMN])
    except DeltaError:
        if table_exists(path):  # another process (a second lander) created it meanwhile
            return False
        raise
    return True


def commits(path: Path) -> list[dict]:
    """Every commit's information (custom metadata included), newest first."""
    return DeltaTable(str(path)).history()


def commit_file(
    path: Path,
    file: Path,
    schema: pa.Schema,
    partition_date: str,
    stats: dict,
    batch_id: str,
    metadata: dict[str, str],
) -> None:
    """Append a hidden Parquet file already written under `path/_ingest_date=<date>/` in one
    commit (it is renamed to its visible name first; until the commit, readers ignore it).

    The table is created on the first commit; columns the file adds join the table's schema in
    the same commit.
    """
    visible = file.with_name(file.name.removeprefix("."))
    os.replace(file, visible)
    file = visible
    add = AddAction(
        path=file.relative_to(path).as_posix(),
        size=file.stat().st_size,
        partition_values={PARTITION_COLUMN: partition_date},
        modification_time=int(file.stat().st_mtime * 1000),
        data_change=True,
        stats=json.dumps(stats, default=str),
    )
    properties = CommitProperties(custom_metadata={BATCH_ID_KEY: batch_id, **metadata})
    if not table_exists(path):
        create_table_with_add_actions(
            str(path),
            Schema.from_arrow(schema),
            [add],
            mode="append",
            partition_by=[PARTITION_COLUMN],
            commit_properties=properties,
        )
        return
    table = DeltaTable(str(path))
    known = set(pa.schema(table.schema().to_arrow()).names)  # arro3 -> pyarrow
    if any(f.name not in known for f in schema):
        _commit_with_new_columns(path, file, partition_date, properties)
        return
    table.create_write_transaction(
        [add],
        mode="append",
        schema=table.schema(),
        partition_by=[PARTITION_COLUMN],
        commit_properties=properties,
    )


def _commit_with_new_columns(
    path: Path, file: Path, partition_date: str, properties: CommitProperties
) -> None:
    """A file that brings columns the table lacks: its rows are appended with the merged schema
    in one commit (a commit of the file as it is would leave the table's schema without them)."""
    rows = pq.read_table(file)
    day = date.fromisoformat(partition_date)
    rows = rows.append_column(PARTITION_COLUMN, pa.array([day] * rows.num_rows, pa.date32()))
    write_deltalake(
        str(path),
        rows,
        mode="append",
        partition_by=[PARTITION_COLUMN],
        schema_mode="merge",
        commit_properties=properties,
    )
    file.unlink()


def append_batch(path: Path, data: pa.Table, batch_id: str, metadata: dict[str, str]) -> None:
    """Append `data` in one commit tagged with `batch_id` (new columns are merged in)."""
    write_deltalake(
        str(path),
        data,
        mode="append",
        partition_by=[PARTITION_COLUMN],
        schema_mode="merge",
        commit_properties=CommitProperties(custom_metadata={BATCH_ID_KEY: batch_id, **metadata}),
    )


def replace_batch(path: Path, data: pa.Table, batch_id: str) -> None:
    """Make the rows of `batch_id` equal to `data` in one commit (idempotent on retry)."""
    if not table_exists(path):
        append_batch(path, data, batch_id, {})
        return
    write_deltalake(
        str(path),
        data,
        mode="overwrite",
        partition_by=[PARTITION_COLUMN],
        predicate=f"_batch_id = '{batch_id}'",
        commit_properties=CommitProperties(custom_metadata={BATCH_ID_KEY: batch_id}),
    )
