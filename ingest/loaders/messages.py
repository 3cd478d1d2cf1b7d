"""Telling telemetry events from poison messages, and fingerprinting a message.

A message is an event when it is UTF-8 JSON, an object, has the contract's `schema_version`
and a non-empty `event_id`; anything else is a dead letter with the reason, never an error
that stops the stream.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from confluent_kafka import Message

from ingest.contracts.bronze import EVENTS_SCHEMA, PARTITION_COLUMN
from ingest.contracts.telemetry import SCHEMA_VERSION


def classify(
    duck: duckdb.DuckDBPyConnection, messages: list[Message], ingested_at: datetime, batch_id: str
) -> tuple[pa.Table, pa.Table]:
    """Separate events from poison messages, vectorised with DuckDB's JSON functions on `duck`:
    the events as `EVENTS_SCHEMA` rows, and the dead letters with their raw bytes and error."""
    n = len(messages)
    raw = pa.array([m.value() for m in messages], pa.binary())
    meta = {
        "kafka_key": pa.array(
            [k.decode("utf-8", "replace") if (k := m.key()) else None for m in messages],
            pa.string(),
        ),
        "kafka_topic": pa.array([m.topic() for m in messages], pa.string()),
        "kafka_partition": pa.array([m.partition() for m in messages], pa.int32()),
        "kafka_offset": pa.array([m.offset() for m in messages], pa.int64()),
        "kafka_timestamp": pa.array(
            [m.timestamp()[1] for m in messages], pa.timestamp("ms", tz="UTC")
        ),
    }
    text, utf8_ok = _decode(raw)
    checked = pa.table({"value": text})
    duck.register("batch", checked)
    event_id, problem = (
        zip(
            *duck.execute(
                f"""
            select
                case when json_valid(value) then json_extract_string(value, '$.event_id') end,
                case
                    when value is null then 'empty message'
                    when not json_valid(value) then 'invalid JSON'
                    when json_type(value) != 'OBJECT' then 'not a JSON object'
                    when try_cast(json_extract(value, '$.schema_version') as integer)
                        is distinct from {SCHEMA_VERSION}
                        then 'unsupported schema_version'
                    when coalesce(json_extract_string(value, '$.event_id'), '') = ''
                        then 'missing event_id'
                end
            from batch
            """
            ).fetchall(),
            strict=True,
        )
        if n
        else ((), ())
    )
    duck.unregister("batch")
    problems = [reason if ok else "not UTF-8" for ok, reason in zip(utf8_ok, problem, strict=True)]
    good = pa.array([p is None for p in problems])
    audit = {
        "_ingested_at": pa.array([ingested_at] * n, pa.timestamp("us", tz="UTC")),
        "_batch_id": pa.array([batch_id] * n, pa.string()),
        PARTITION_COLUMN: pa.array([ingested_at.date()] * n, pa.date32()),
    }
    events = pa.table(
        {"event_id": pa.array(event_id, pa.string()), "value": text, **meta, **audit},
        schema=EVENTS_SCHEMA,
    ).filter(good)
    dead = pa.table(
        {
            "raw_bytes": raw,
            "raw_text": pa.array(
                [b.decode("utf-8", "backslashreplace") if b is not None else None
                 for b in raw.to_pylist()] if not all(utf8_ok) else text,
                pa.string(),
            ),
            "error": pa.array(problems, pa.string()),
            **meta,
            **audit,
        }
    ).filter(pc.invert(good))  # fmt: skip
    return events, dead


def fingerprint(value: bytes | None) -> str:
    return hashlib.sha256(value or b"").hexdigest()


def position(message: Message) -> tuple[int, int]:
    """A consumed message's partition and offset (the client leaves them unset only on
    messages that did not come from a topic)."""
    partition, offset = message.partition(), message.offset()
    if partition is None or offset is None:
        raise ValueError(f"a message with no partition or offset: {message.error()}")
    return partition, offset


def _decode(raw: pa.Array) -> tuple[pa.Array, list[bool]]:
    """Message bytes as text, and which messages were valid UTF-8 (invalid ones become null)."""
    try:
        return raw.cast(pa.string()), [True] * len(raw)
    except pa.ArrowInvalid:  # rare: decode one by one to find the bad ones
        texts, ok = [], []
        for value in raw.to_pylist():
            try:
                texts.append(value.decode("utf-8") if value is not None else None)
                ok.append(True)
            except UnicodeDecodeError:
                texts.append(None)
                ok.append(False)
        return pa.array(texts, pa.string()), ok
