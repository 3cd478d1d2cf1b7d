"""The prediction log: every answer the API gives, as rows of the Bronze table `prediction_log`
(ingest/contracts/bronze.py), of which the API is the only writer.

Requests put their rows on an in-memory queue; one writer thread appends them to Bronze as one
commit every `flush_seconds` or `batch_rows` rows, whichever comes first, and once more on
shutdown. A SIGKILL (or a power cut) loses the rows still queued - at most the last
`flush_seconds` of requests - and nothing committed: a commit is atomic, so a kill during a
flush leaves the batch wholly absent (its hidden file is cleaned up by the next start).
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from ingest.bronze import store
from ingest.contracts.bronze import PARTITION_COLUMN, PREDICTIONS_SCHEMA

log = logging.getLogger(__name__)
_STOP = object()


def row(
    request_id: str,
    endpoint: str,
    use_case: str,
    status_code: int,
    latency_ms: float,
    model: tuple[str, int] | None = None,
    keys: dict | None = None,
    features: dict | None = None,
    prediction: object = None,
    row_number: int = 0,
) -> dict:
    """One log row (keys, features and prediction as JSON)."""
    return {
        "request_id": request_id,
        "row_number": row_number,
        "requested_at": datetime.now(UTC),
        "endpoint": endpoint,
        "use_case": use_case,
        "status_code": status_code,
        "model_name": model[0] if model else None,
        "model_version": model[1] if model else None,
        "keys": _json(keys),
        "features": _json(features),
        "prediction": _json(prediction),
        "latency_ms": latency_ms,
    }


def _json(value: object) -> str | None:
    return None if value is None else json.dumps(value, default=str, allow_nan=False)


class PredictionLog:
    """Queues rows and appends them to the Bronze table in small batches on a thread."""

    def __init__(self, table: Path, flush_seconds: float = 1.0, batch_rows: int = 500):
        self.table = table
        self.flush_seconds = flush_seconds
        self.batch_rows = batch_rows
        self.queue: queue.Queue = queue.Queue()
        self.written = 0
        self._thread = threading.Thread(target=self._run, name="prediction-log", daemon=True)

    def start(self) -> None:
        store.remove_uncommitted(self.table)  # the API is the table's only writer
        store.create_empty(self.table, PREDICTIONS_SCHEMA)
        self._thread.start()

    def add(self, rows: list[dict]) -> None:
        for item in rows:
            self.queue.put(item)

    def close(self) -> None:
        """Write what is queued and stop the thread."""
        self.queue.put(_STOP)
        self._thread.join()

    def _run(self) -> None:
        pending: list[dict] = []
        stopping = False
        while not stopping:
            deadline = datetime.now(UTC).timestamp() + self.flush_seconds
            while len(pending) < self.batch_rows:
                timeout = deadline - datetime.now(UTC).timestamp()
                if timeout <= 0:
                    break
                try:
                    item = self.queue.get(timeout=timeout)
                except queue.Empty:
                    break
                if item is _STOP:
                    stopping = True
                    break
                pending.append(item)
            if pending:
                try:
                    self._write(pending)
                    pending = []
                except Exception:  # keep serving; try again with the next flush
                    log.exception("prediction log: %d rows not written yet", len(pending))
        if pending:
            self._write(pending)

    def _write(self, rows: list[dict]) -> None:
        now = datetime.now(UTC)
        batch_id = f"api-{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
        for item in rows:
            item["_ingested_at"] = now
            item["_batch_id"] = batch_id
            item[PARTITION_COLUMN] = now.date()
        table = pa.Table.from_pylist(rows, schema=PREDICTIONS_SCHEMA)
        store.append_batch(self.table, table, batch_id, {})
        self.written += len(rows)
