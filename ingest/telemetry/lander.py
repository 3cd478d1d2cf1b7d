"""Kafka -> Bronze: land telemetry micro-batches in Bronze without loss or duplication.

Exactly-once in effect:
- Each micro-batch becomes one Bronze commit of `bronze/telemetry_events`, and that commit's
  metadata records, per partition, the next offset to read (the high-water mark) and a
  fingerprint of the last message landed.
- Kafka offsets are committed only after the Bronze commit. After a crash at any point, the
  lander starts each partition at the later of the Kafka committed offset and Bronze's
  high-water mark, so a batch that reached Bronze is not read again even if its Kafka commit
  was lost, and a batch that did not reach Bronze is read again.
- A producer that re-sends an event (same `event_id`) creates a second Bronze row; Silver
  keeps each `event_id` once.

Messages that cannot be events (not UTF-8, not JSON, wrong `schema_version`, no `event_id`)
go to `bronze/telemetry_dead_letters` with their raw bytes, position and error, and never stop
the stream. They are written just before the events commit; if the lander dies between the
two, they are written again on restart, so consumers count dead letters by position.
"""

from __future__ import annotations

import hashlib
import json
import logging
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaException, Message, TopicPartition

from ingest.bronze import store
from ingest.telemetry.kafka import BrokerUnreachable, KafkaSettings, ensure_topic
from ingest.telemetry.simulator import SCHEMA_VERSION

EVENTS_TABLE = "telemetry_events"
DEAD_LETTERS_TABLE = "telemetry_dead_letters"
OFFSETS_KEY = "lakehouse.offsets"
# Fetch in large chunks and keep a deep local queue: measured 25 % faster on the embedded broker.
CONSUMER_TUNING = {
    "fetch.max.bytes": 64 * 1024 * 1024,
    "max.partition.fetch.bytes": 8 * 1024 * 1024,
    "queued.min.messages": 500_000,
}
log = logging.getLogger(__name__)

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
        (store.PARTITION_COLUMN, pa.date32()),
    ]
)


@dataclass
class LandingReport:
    consumed: int = 0
    landed: int = 0
    dead_letters: int = 0
    batches: int = 0
    seconds: float = 0.0
    steady_seconds: float = 0.0  # from the first message read to the last batch landed
    started_at: dict[int, int] = field(default_factory=dict)  # partition -> first offset read


@dataclass(frozen=True)
class Mark:
    """Where Bronze stands in one partition: the next offset, and a fingerprint of the last
    landed message (to recognise a re-created topic whose offsets started again)."""

    next_offset: int
    last_sha256: str


def bronze_high_water_marks(events_table: Path, topic: str) -> dict[int, Mark]:
    """Per partition, the next offset after the last one committed to Bronze."""
    marks: dict[int, Mark] = {}
    for commit in store.commits(events_table):
        offsets = json.loads(commit.get(OFFSETS_KEY, "{}")).get(topic, {})
        for partition, (offset, sha) in offsets.items():
            current = marks.get(int(partition))
            if current is None or offset > current.next_offset:
                marks[int(partition)] = Mark(offset, sha)
    return marks


class Lander:
    """Consume the telemetry topic and land it in Bronze, one Bronze commit per micro-batch."""

    def __init__(
        self,
        settings: KafkaSettings,
        lakehouse_dir: Path,
        batch_size: int = 50_000,
        batch_seconds: float = 5.0,
    ) -> None:
        self.settings = settings
        self.bronze_dir = lakehouse_dir / "bronze"
        self.batch_size = batch_size
        self.batch_seconds = batch_seconds
        self._stop = False
        self._duckdb = duckdb.connect(config={"threads": 1})

    def request_stop(self, *_: object) -> None:
        """Finish the current micro-batch, then stop (SIGINT/SIGTERM handler)."""
        self._stop = True

    def run(
        self,
        until_idle: float | None = None,
        max_events: int | None = None,
        on_progress: Callable[[LandingReport, int], None] | None = None,
    ) -> LandingReport:
        """Land until stopped, until nothing arrives for `until_idle` s, or `max_events`."""
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self.request_stop)
        partitions = ensure_topic(self.settings)
        consumer = Consumer(
            self.settings.client_config(
                **{
                    "group.id": self.settings.group_id,
                    "client.id": "lakehouse-lander",
                    "enable.auto.commit": False,
                    "auto.offset.reset": "earliest",
                    **CONSUMER_TUNING,
                }
            )
        )
        report = LandingReport()
        started = time.monotonic()
        try:
            self._assign(consumer, partitions, report)
            buffer: list[Message] = []
            batch_started = last_message = time.monotonic()
            first_message = 0.0
            last_log = started
            while not self._stop:
                wanted = self.batch_size - len(buffer)
                if max_events is not None:
                    wanted = min(wanted, max_events - report.consumed)
                messages = consumer.consume(num_messages=max(min(wanted, 10_000), 1), timeout=0.5)
                now = time.monotonic()
                messages = [m for m in messages if not self._is_error(m)]
                if messages:
                    first_message = first_message or now
                    last_message = now
                    buffer.extend(messages)
                    report.consumed += len(messages)
                full = len(buffer) >= self.batch_size
                done = max_events is not None and report.consumed >= max_events
                idle = until_idle is not None and now - last_message >= until_idle
                if buffer and (full or done or idle or now - batch_started >= self.batch_seconds):
                    self._land(buffer, consumer, report)
                    buffer, batch_started = [], now
                if now - last_log >= 10:
                    last_log = now
                    lag = self._lag(consumer)
                    log.info(
                        "landed %d events (%.0f/s), %d dead letters, consumer lag %d",
                        report.landed, report.landed / (now - started), report.dead_letters, lag,
                    )  # fmt: skip
                    if on_progress:
                        on_progress(report, lag)
                if done or idle:
                    break
            if buffer:  # stopped by a signal: land what was read before leaving
                self._land(buffer, consumer, report)
            if first_message:
                report.steady_seconds = time.monotonic() - first_message
        except KafkaException as error:
            raise BrokerUnreachable(f"Kafka error while landing: {error}") from None
        finally:
            consumer.close()
            report.seconds = time.monotonic() - started
        return report

    def _assign(self, consumer: Consumer, partitions: int, report: LandingReport) -> None:
        """Start each partition at the later of Kafka's committed offset and Bronze's mark.

        Explicit assignment with committed offsets avoids a consumer-group join (slow on some
        brokers) while keeping the group's offsets for monitoring and restarts. Bronze's mark
        counts only if the message before it is the one Bronze landed last: a re-created
        topic (the embedded broker keeps topics in memory) starts its offsets again.
        """
        topic = self.settings.topic
        marks = self._verified_marks(consumer, partitions)
        committed = consumer.committed(
            [TopicPartition(topic, p) for p in range(partitions)], timeout=30
        )
        assignment = []
        for tp in committed:
            start = max(tp.offset, marks.get(tp.partition, -1))
            report.started_at[tp.partition] = max(start, 0)
            assignment.append(
                TopicPartition(topic, tp.partition, start if start >= 0 else OFFSET_BEGINNING)
            )
        consumer.assign(assignment)

    def _verified_marks(self, consumer: Consumer, partitions: int) -> dict[int, int]:
        """Bronze's next offset per partition, for partitions where the topic is the same.

        The check reads the message just before the mark. The offset that arrives decides
        (not ListOffsets, which some brokers answer wrongly): the mark itself minus one ->
        compare fingerprints; later -> the message aged out by retention, trust the mark;
        earlier, or nothing (the fetch was reset to the start of a shorter partition) -> the
        topic was re-created and is read from its committed offset or its start.
        """
        topic = self.settings.topic
        marks = bronze_high_water_marks(self.bronze_dir / EVENTS_TABLE, topic)
        marks = {p: m for p, m in marks.items() if p < partitions and m.next_offset > 0}
        if not marks:
            return {}
        consumer.assign([TopicPartition(topic, p, m.next_offset - 1) for p, m in marks.items()])
        first: dict[int, Message] = {}
        deadline = time.monotonic() + 5
        while len(first) < len(marks) and time.monotonic() < deadline:
            for message in consumer.consume(num_messages=1000, timeout=0.5):
                if message.error() is None:
                    first.setdefault(message.partition(), message)
        consumer.unassign()
        verified = {}
        for partition, mark in marks.items():
            message = first.get(partition)
            wanted = mark.next_offset - 1
            if message is not None and (
                message.offset() > wanted
                or (
                    message.offset() == wanted and _fingerprint(message.value()) == mark.last_sha256
                )
            ):
                verified[partition] = mark.next_offset
            else:
                log.warning(
                    "%s[%d] does not hold at offset %d the message Bronze landed there: the "
                    "topic was re-created, so it is read from its committed offset or its start",
                    topic, partition, wanted,
                )  # fmt: skip
        return verified

    def _lag(self, consumer: Consumer) -> int:
        """Messages in the topic not read yet, over the assigned partitions."""
        lag = 0
        for tp in consumer.position(consumer.assignment()):
            _, end = consumer.get_watermark_offsets(tp, cached=True)  # from fetch responses
            lag += max(end - max(tp.offset, 0), 0)
        return lag

    @staticmethod
    def _is_error(message: Message) -> bool:
        error = message.error()
        if error is not None:
            log.warning("consumer error: %s", error)
        return error is not None

    def _land(self, messages: list[Message], consumer: Consumer, report: LandingReport) -> None:
        """Write one micro-batch: dead letters, then events + offsets in one Bronze commit,
        then the Kafka offset commit."""
        ingested_at = datetime.now(UTC)
        last: dict[int, Message] = {}
        for m in messages:
            if m.partition() not in last or m.offset() > last[m.partition()].offset():
                last[m.partition()] = m
        next_offsets = {p: m.offset() + 1 for p, m in last.items()}
        first = {m.partition(): m.offset() for m in reversed(messages)}
        batch_id = hashlib.sha256(
            json.dumps([first, next_offsets], sort_keys=True).encode()
        ).hexdigest()[:32]
        events, dead = self._split(messages, ingested_at, batch_id)
        if dead.num_rows:
            store.append_batch(self.bronze_dir / DEAD_LETTERS_TABLE, dead, batch_id, {})
        offsets = json.dumps(
            {
                self.settings.topic: {
                    p: [o, _fingerprint(last[p].value())] for p, o in next_offsets.items()
                }
            }
        )
        store.append_batch(self.bronze_dir / EVENTS_TABLE, events, batch_id, {OFFSETS_KEY: offsets})
        consumer.commit(
            offsets=[TopicPartition(self.settings.topic, p, o) for p, o in next_offsets.items()],
            asynchronous=False,
        )
        report.batches += 1
        report.landed += events.num_rows
        report.dead_letters += dead.num_rows

    def _split(
        self, messages: list[Message], ingested_at: datetime, batch_id: str
    ) -> tuple[pa.Table, pa.Table]:
        """Separate events from poison messages, vectorised (DuckDB's JSON functions)."""
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
        self._duckdb.register("batch", checked)
        event_id, problem = (
            zip(
                *self._duckdb.execute(
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
        self._duckdb.unregister("batch")
        problems = [
            reason if ok else "not UTF-8" for ok, reason in zip(utf8_ok, problem, strict=True)
        ]
        good = pa.array([p is None for p in problems])
        audit = {
            "_ingested_at": pa.array([ingested_at] * n, pa.timestamp("us", tz="UTC")),
            "_batch_id": pa.array([batch_id] * n, pa.string()),
            store.PARTITION_COLUMN: pa.array([ingested_at.date()] * n, pa.date32()),
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


def _fingerprint(value: bytes | None) -> str:
    return hashlib.sha256(value or b"").hexdigest()


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
