"""Telling telemetry events from poison messages, and fingerprinting a message.

A message is an event when it is UTF-8 JSON, an object, has the contract's `schema_version`
and a non-empty `event_id`; anything else is a dead letter with the reason, never an error
that stops the stream.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from confluent_kafka import Message

from ingest.contracts.bronze import EVENTS_SCHEMA, PARTITION_COLUMN
from ingest.contracts.telemetry import SCHEMA_VERSION


@dataclass(frozen=True)
class Positions:
    """Where a batch of messages sits in the topic, as columns (one entry per message)."""

    partitions: pa.Array
    offsets: pa.Array

    @classmethod
    def of(cls, messages: list[Message]) -> Positions:
        return cls(
            pa.array([m.partition() for m in messages], pa.int32()),
            pa.array([m.offset() for m in messages], pa.int64()),
        )

    def ranges(self) -> dict[int, tuple[int, int, int]]:
        """Per partition: the first offset, the next offset after the last one, and the
        batch index of the last message (offsets rise within a partition along the batch)."""
        index = pa.array(range(len(self.offsets)), pa.int64())
        table = pa.table({"p": self.partitions, "o": self.offsets, "i": index})
        found = table.group_by("p").aggregate([("o", "min"), ("o", "max"), ("i", "max")])
        columns = (found[c].to_pylist() for c in ("p", "o_min", "o_max", "i_max"))
        return {p: (low, high + 1, i) for p, low, high, i in zip(*columns, strict=True)}


def classify(
    duck: duckdb.DuckDBPyConnection,
    messages: list[Message],
    where: Positions,
    ingested_at: datetime,
    batch_id: str,
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
        "kafka_partition": where.partitions,
        "kafka_offset": where.offsets,
        "kafka_timestamp": pa.array(
            [m.timestamp()[1] for m in messages], pa.timestamp("ms", tz="UTC")
        ),
    }
    text, utf8_ok = _decode(raw)
    checked = pa.table({"value": text})
    duck.register("batch", checked)
    found = duck.execute(
        f"""
        select
            case when json_valid(value) then json_extract_string(value, '$.event_id') end
                as event_id,
            case
                when value is null then 'empty message'
                when not json_valid(value) then 'invalid JSON'
                when json_type(value) != 'OBJECT' then 'not a JSON object'
                when try_cast(json_extract(value, '$.schema_version') as integer)
                    is distinct from {SCHEMA_VERSION}
                    then 'unsupported schema_version'
                when coalesce(json_extract_string(value, '$.event_id'), '') = ''
                    then 'missing event_id'
            end as problem
        from batch
        """
    ).to_arrow_table()  # columns, in the batch's order: no Python object per message
    duck.unregister("batch")
    event_id = found["event_id"].combine_chunks().cast(pa.string())
    problems = pc.if_else(
        pa.array(utf8_ok, pa.bool_()), found["problem"].combine_chunks().cast(pa.string()),
        pa.scalar("not UTF-8", pa.string()),
    )  # fmt: skip
    good = pc.is_null(problems)
    audit = {
        "_ingested_at": pa.array([ingested_at] * n, pa.timestamp("us", tz="UTC")),
        "_batch_id": pa.array([batch_id] * n, pa.string()),
        PARTITION_COLUMN: pa.array([ingested_at.date()] * n, pa.date32()),
    }
    events = pa.table(
        {"event_id": event_id, "value": text, **meta, **audit}, schema=EVENTS_SCHEMA
    ).filter(good)
    dead = pa.table(
        {
            "raw_bytes": raw,
            "raw_text": pa.array(
                [b.decode("utf-8", "backslashreplace") if b is not None else None
                 for b in raw.to_pylist()] if not all(utf8_ok) else text,
                pa.string(),
            ),
            "error": problems,
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
