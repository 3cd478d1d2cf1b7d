"""Bronze as plain Parquet files (`BRONZE_FORMAT=parquet`), for engines that read Parquet but
not Delta Lake - open-source Spark without the Delta Lake JARs.

The layout is a Delta table's without its log: `<table>/_ingest_date=<date>/part-<batch id>-
<suffix>.parquet` (hive-partitioned; the files do not repeat the partition column), plus
`_common_metadata`, Parquet's summary file: the table's schema (every column any batch brought)
and no rows. Spark takes a table's schema from it, so it reads a table that has no batch yet,
and sees columns that only later batches brought.
A batch is one file, written under a hidden name (readers skip names starting with `.`) and
renamed into place: the rename is the commit, atomic on a local filesystem, so a crash before
it leaves nothing visible, and a batch is committed exactly when its file is there. Commit
metadata (the lander's offsets) is kept in the file's footer; the CSV loader's (source file,
rows) is in the rows' audit columns.
"""

from __future__ import annotations

import os
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from ingest.contracts.bronze import BATCH_ID_KEY, PARTITION_COLUMN

SCHEMA_FILE = "_common_metadata"
BATCH_FILE = re.compile(r"part-([0-9a-f]+)-")


def table_exists(path: Path) -> bool:
    return (path / SCHEMA_FILE).is_file()


def create_empty(path: Path, schema: pa.Schema) -> bool:
    """Create an empty table unless one exists; True if created."""
    if table_exists(path):
        return False
    _merge_schema(path, schema)
    return True


def open_dataset(path: Path | str) -> pads.Dataset:
    """The table's committed files as a pyarrow dataset with the table's whole schema (a file
    that lacks a column reads as nulls there)."""
    path = Path(path)
    schema = pq.read_schema(path / SCHEMA_FILE)
    partitioning = pads.partitioning(pa.schema([schema.field(PARTITION_COLUMN)]), flavor="hive")
    return pads.dataset(
        [str(f) for f in _files(path)],
        schema=schema,
        format="parquet",
        partitioning=partitioning,
        partition_base_dir=str(path),
    )


def commits(path: Path) -> list[dict[str, str]]:
    """The batch id and footer metadata of every committed file."""
    found = []
    for file in _files(path):
        footer = pq.read_metadata(file).metadata or {}
        found.append(
            {k.decode(): v.decode() for k, v in footer.items() if k.startswith(b"lakehouse.")}
            | {BATCH_ID_KEY: _batch_id(file.name)}
        )
    return found


def commit_file(
    path: Path,
    file: Path,
    schema: pa.Schema,
    partition_date: str,
    stats: dict,
    batch_id: str,
    metadata: dict[str, str],
) -> None:
    """Commit a hidden Parquet file already written under `path/_ingest_date=<date>/` (its
    columns join the table's schema first, so a reader never sees a column it does not know)."""
    if _batch_id(file.name.removeprefix(".")) != batch_id:
        raise ValueError(f"{file.name} is not named after batch {batch_id}")
    _merge_schema(path, schema)
    os.replace(file, file.with_name(file.name.removeprefix(".")))


def _batch_id(name: str) -> str:
    """The batch id in a data file's name (`part-<batch id>-...`)."""
    named = BATCH_FILE.match(name)
    if named is None:
        raise ValueError(f"{name} is not named after a batch (part-<batch id>-...)")
    return named.group(1)


def append_batch(path: Path, data: pa.Table, batch_id: str, metadata: dict[str, str]) -> None:
    """Add `data` as one file of `batch_id`, with `metadata` in its footer."""
    _publish(path, data, f"part-{batch_id}-{uuid.uuid4().hex[:12]}.parquet", metadata, batch_id)


def replace_batch(path: Path, data: pa.Table, batch_id: str) -> None:
    """Make the rows of `batch_id` equal to `data` (idempotent on retry: the file has a fixed
    name, so the rename replaces the previous attempt's)."""
    name = f"part-{batch_id}-replaced.parquet"
    committed = _publish(path, data, name, {}, batch_id)
    for file in path.glob(f"{PARTITION_COLUMN}=*/{name}"):  # replaced on another ingest date
        if file != committed:
            file.unlink()


def _publish(
    path: Path, data: pa.Table, name: str, metadata: dict[str, str], batch_id: str
) -> Path:
    """Write `data` as file `name` of its ingest date's partition, hidden, then rename it into
    place; returns the committed file."""
    dates = pc.unique(data[PARTITION_COLUMN]).to_pylist() or [datetime.now(UTC).date()]
    if len(dates) != 1:
        raise ValueError(f"a Bronze batch is ingested on one date, not {dates}")
    partition = path / f"{PARTITION_COLUMN}={dates[0].isoformat()}"
    partition.mkdir(parents=True, exist_ok=True)
    footer = {BATCH_ID_KEY: batch_id, **metadata}
    rows = data.drop_columns([PARTITION_COLUMN]).replace_schema_metadata(footer)
    pq.write_table(rows, partition / f".{name}")
    _merge_schema(path, data.schema)
    os.replace(partition / f".{name}", partition / name)
    return partition / name


def _files(path: Path) -> list[Path]:
    return sorted(path.glob(f"{PARTITION_COLUMN}=*/part-*.parquet"))


def _merge_schema(path: Path, schema: pa.Schema) -> None:
    """Add `schema`'s new columns to the table's schema file (written hidden, then renamed)."""
    current = pq.read_schema(path / SCHEMA_FILE) if table_exists(path) else pa.schema([])
    merged = pa.schema([*current, *(f for f in schema if f.name not in current.names)])
    if table_exists(path) and merged.names == current.names:
        return
    path.mkdir(parents=True, exist_ok=True)
    pq.write_metadata(merged, path / f".{SCHEMA_FILE}")
    os.replace(path / f".{SCHEMA_FILE}", path / SCHEMA_FILE)
