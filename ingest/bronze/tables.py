"""The Bronze tables dbt reads, created empty up front so sources resolve before data lands."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from ingest.bronze import store
from ingest.mobility.schema import ENTITY_COLUMNS
from ingest.telemetry.lander import EVENTS_SCHEMA, EVENTS_TABLE
from ingest.telemetry.simulator import DRIVING_TRIP_COLUMNS, DRIVING_TRIPS

# Every entity delivered as CSV files in landing/<entity>/, with its required columns.
CSV_ENTITIES: dict[str, tuple[str, ...]] = {**ENTITY_COLUMNS, DRIVING_TRIPS: DRIVING_TRIP_COLUMNS}

CSV_AUDIT_SCHEMA = pa.schema(
    [
        ("_ingested_at", pa.timestamp("us", tz="UTC")),
        ("_source_file", pa.string()),
        ("_source_line", pa.int64()),
        ("_batch_id", pa.string()),
        ("_record_hash", pa.string()),
        (store.PARTITION_COLUMN, pa.date32()),
    ]
)


def csv_table_schema(columns: list[str]) -> pa.Schema:
    """A CSV entity's Bronze schema: its columns as text, then the audit columns."""
    return pa.schema([(name, pa.string()) for name in columns] + list(CSV_AUDIT_SCHEMA))


def ensure_bronze_tables(bronze_dir: Path) -> list[str]:
    """Create every Bronze source table that does not exist yet; returns the names created."""
    schemas = {e: csv_table_schema(list(cols)) for e, cols in CSV_ENTITIES.items()}
    schemas[EVENTS_TABLE] = EVENTS_SCHEMA
    return [
        name for name, schema in schemas.items() if store.create_empty(bronze_dir / name, schema)
    ]
