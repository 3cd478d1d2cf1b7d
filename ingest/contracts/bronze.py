"""The Bronze table catalogue: every table's name and schema, shared by the loaders that write
them, the store that creates them and dbt's sources that read them.

CSV entities are stored as text with audit columns; telemetry as one row per Kafka message with
its raw JSON. Every table is partitioned by `_ingest_date`, and every commit carries its batch
id under `BATCH_ID_KEY`.
"""

from __future__ import annotations

import pyarrow as pa

from ingest.contracts.entities import ENTITY_COLUMNS
from ingest.contracts.telemetry import DRIVING_TRIP_COLUMNS, DRIVING_TRIPS

PARTITION_COLUMN = "_ingest_date"
BATCH_ID_KEY = "lakehouse.batch_id"
REJECTS_TABLE = "csv_rejects"  # CSV lines that could not be parsed, with the raw line
EVENTS_TABLE = "telemetry_events"
DEAD_LETTERS_TABLE = "telemetry_dead_letters"  # Kafka messages that are not events
PREDICTIONS_TABLE = "prediction_log"  # every answer of the prediction API (serving/)
AUDIT_COLUMNS = ("_ingested_at", "_source_file", "_source_line", "_batch_id", "_record_hash")

# Every entity delivered as CSV files in landing/<entity>/, with its required columns.
CSV_ENTITIES: dict[str, tuple[str, ...]] = {**ENTITY_COLUMNS, DRIVING_TRIPS: DRIVING_TRIP_COLUMNS}

CSV_AUDIT_SCHEMA = pa.schema(
    [
        ("_ingested_at", pa.timestamp("us", tz="UTC")),
        ("_source_file", pa.string()),
        ("_source_line", pa.int64()),
        ("_batch_id", pa.string()),
        ("_record_hash", pa.string()),
        (PARTITION_COLUMN, pa.date32()),
    ]
)

EVENTS_SCHEMA = pa.schema(
    [
        ("event_id", pa.string()),
        ("value", pa.string()),
        ("kafka_key", pa.string()),
        ("kafka_topic", pa.string()),
        ("kafka_partition", pa.int32()),
        ("kafka_offset", pa.int64()),
        ("kafka_timestamp", pa.timestamp("ms", tz="UTC")),
        ("_ingested_at", pa.timestamp("us", tz="UTC")),
        ("_batch_id", pa.string()),
        (PARTITION_COLUMN, pa.date32()),
    ]
)


# One row per prediction the API made (a batch request: one row per input row) or refused; keys,
# features and prediction as JSON text, since they differ by use case. The API is the only
# writer (serving/predictions.py).
PREDICTIONS_SCHEMA = pa.schema(
    [
        ("request_id", pa.string()),
        ("row_number", pa.int32()),  # the row's position in a batch request (0 otherwise)
        ("requested_at", pa.timestamp("us", tz="UTC")),
        ("endpoint", pa.string()),
        ("use_case", pa.string()),
        ("status_code", pa.int32()),
        ("model_name", pa.string()),
        ("model_version", pa.int32()),
        ("keys", pa.string()),
        ("features", pa.string()),
        ("prediction", pa.string()),
        ("latency_ms", pa.float64()),
        ("_ingested_at", pa.timestamp("us", tz="UTC")),
        ("_batch_id", pa.string()),
        (PARTITION_COLUMN, pa.date32()),
    ]
)


def csv_table_schema(columns: list[str]) -> pa.Schema:
    """A CSV entity's Bronze schema: its columns as text, then the audit columns."""
    return pa.schema([(name, pa.string()) for name in columns] + list(CSV_AUDIT_SCHEMA))


def source_tables() -> dict[str, pa.Schema]:
    """Every Bronze table dbt reads as a source, with the schema it is created with."""
    tables = {entity: csv_table_schema(list(cols)) for entity, cols in CSV_ENTITIES.items()}
    return tables | {EVENTS_TABLE: EVENTS_SCHEMA, PREDICTIONS_TABLE: PREDICTIONS_SCHEMA}
