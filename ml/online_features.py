"""The online feature snapshot: what dbt computed for the recent and the next hour of every zone,
published as one Parquet file the prediction API reads (the API never opens the warehouse,
which `dbt build` locks).

The file is written under a hidden temporary name and renamed into place: a rename is atomic
on one filesystem, so a reader sees the old file or the new one, never half of either.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from common.settings import lakehouse_dir

SNAPSHOT_FILE = "online_features.parquet"
KEYS = ("zone_id", "hour_at")


def snapshot_path(directory: Path | None = None) -> Path:
    """$LAKEHOUSE_DIR/serving/online_features.parquet (or that file in `directory`)."""
    return (directory or lakehouse_dir() / "serving") / SNAPSHOT_FILE


def publish(frame: pd.DataFrame, path: Path | None = None) -> Path:
    """Write `frame` to the snapshot atomically (temporary file, fsync, rename)."""
    path = path or snapshot_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        table = pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False)
        pq.write_table(table, temporary)
        with temporary.open("rb") as written:
            os.fsync(written.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


def read(path: Path) -> pd.DataFrame:
    """The snapshot's rows, `hour_at` as naive UTC timestamps."""
    frame = pq.read_table(path).to_pandas()
    frame["hour_at"] = pd.to_datetime(frame["hour_at"]).dt.tz_localize(None)
    return frame
