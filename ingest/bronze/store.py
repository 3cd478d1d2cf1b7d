"""The Bronze tables' operations, whichever format a table is in.

`BRONZE_FORMAT` chooses the format new tables are written in: `delta` (Delta Lake, the default)
or `parquet` (plain Parquet files, for engines without a Delta reader - open-source Spark
without the Delta Lake JARs; `ingest.bronze.parquet`). Reads follow what is on disk, so a
lakehouse stays readable whatever the setting; writing to a table of the other format is an
error rather than a table of two formats.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pyarrow as pa
import pyarrow.dataset as pads

from common.errors import LakehouseError
from common.settings import bronze_format
from ingest.bronze import delta, parquet
from ingest.contracts.bronze import BATCH_ID_KEY, PARTITION_COLUMN

__all__ = ["BATCH_ID_KEY", "PARTITION_COLUMN"]
FORMATS: dict[str, ModuleType] = {"delta": delta, "parquet": parquet}


class BronzeFormatError(LakehouseError):
    """A table is in another format than the one new writes would use."""


def format_of(path: Path) -> str | None:
    """The format the table at `path` is in, or None when there is no table."""
    return next((name for name, fmt in FORMATS.items() if fmt.table_exists(Path(path))), None)


def table_exists(path: Path) -> bool:
    return format_of(path) is not None


def open_dataset(path: Path | str) -> pads.Dataset:
    """The table's current rows as a lazy pyarrow dataset."""
    found = format_of(Path(path))
    if found is None:
        raise FileNotFoundError(f"no Bronze table at {path}")
    return FORMATS[found].open_dataset(path)


def count_rows(path: Path, filter_expression: pads.Expression | None = None) -> int:
    if not table_exists(path):
        return 0
    return open_dataset(path).count_rows(filter=filter_expression)


def commits(path: Path) -> list[dict[str, str]]:
    """Every commit's metadata (batch id under `BATCH_ID_KEY`)."""
    found = format_of(path)
    return FORMATS[found].commits(path) if found else []


def committed_batches(path: Path) -> set[str]:
    return {c[BATCH_ID_KEY] for c in commits(path) if BATCH_ID_KEY in c}


def remove_uncommitted(path: Path) -> list[Path]:
    """Delete the hidden files an interrupted write left in a table (a batch's Parquet file before
    its commit, a schema file before its rename); readers never saw them. Only for a writer that
    holds the loader lock: another writer's hidden file would be in flight."""
    if not path.is_dir():
        return []
    leftovers = [*path.glob(f"{PARTITION_COLUMN}=*/.*.parquet"), *path.glob(".*_metadata")]
    for leftover in leftovers:
        leftover.unlink(missing_ok=True)
    return leftovers


def create_empty(path: Path, schema: pa.Schema) -> bool:
    """Create an empty table in the configured format unless one exists; True if created."""
    return _writer(path).create_empty(path, schema)


def commit_file(
    path: Path,
    file: Path,
    schema: pa.Schema,
    partition_date: str,
    stats: dict,
    batch_id: str,
    metadata: dict[str, str],
) -> None:
    """Commit a hidden Parquet file written under `path/_ingest_date=<date>/` (see the formats)."""
    _writer(path).commit_file(path, file, schema, partition_date, stats, batch_id, metadata)


def append_batch(path: Path, data: pa.Table, batch_id: str, metadata: dict[str, str]) -> None:
    _writer(path).append_batch(path, data, batch_id, metadata)


def replace_batch(path: Path, data: pa.Table, batch_id: str) -> None:
    _writer(path).replace_batch(path, data, batch_id)


def _writer(path: Path) -> ModuleType:
    wanted, found = bronze_format(), format_of(path)
    if found not in (None, wanted):
        raise BronzeFormatError(
            f"Bronze table {path} is in {found} format but BRONZE_FORMAT is {wanted}: set "
            f"BRONZE_FORMAT={found}, or start a new lakehouse (LAKEHOUSE_DIR) for {wanted}."
        )
    return FORMATS[wanted]
