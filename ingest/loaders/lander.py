"""Kafka -> Bronze: land telemetry micro-batches in Bronze without loss or duplication.

Exactly-once in effect:
- Each micro-batch becomes one Bronze commit of `bronze/telemetry_events`, and that commit's
  metadata records, per partition, the next offset to read (the high-water mark) and a
  fingerprint of the last message landed.
- Kafka offsets are committed only after the Bronze commit. Whenever the consumer group assigns
  a partition (at start, after a crash, after a rebalance), the lander starts it at the later
  of the group's committed offset and Bronze's high-water mark, so a batch that reached Bronze
  is not read again even if its Kafka commit was lost, and a batch that did not reach Bronze
  is read again.
- Landers on the same topic and group share its partitions. When a rebalance takes partitions
  away, the lander first lands what it holds of them (eager rebalancing: the new owner starts
  only after every member gave its partitions up); a member the group lost (it stopped
  heart-beating) discards what it holds. Messages a consume call returns for a partition no
  longer owned, or from before the assigned offset, are dropped.
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
from confluent_kafka import Consumer, KafkaException, Message, TopicPartition

from ingest.bronze import store
from ingest.contracts.bronze import DEAD_LETTERS_TABLE, EVENTS_TABLE
from ingest.kafka import BrokerUnreachable, KafkaSettings, ensure_topic
from ingest.loaders.messages import Positions, classify, fingerprint
from ingest.loaders.offsets import OFFSETS_KEY, start_offsets

# Fetch in large chunks and keep a deep local queue.
CONSUMER_TUNING = {
    "fetch.max.bytes": 64 * 1024 * 1024,
    "max.partition.fetch.bytes": 8 * 1024 * 1024,
    "queued.min.messages": 500_000,
}
# A lander that died hands its partitions over after this long without a heartbeat.
SESSION_TIMEOUT_MS = 6_000  # the broker's default minimum
# How long --until-idle waits for an unreachable broker before giving up.
UNREACHABLE_SECONDS = 60.0
log = logging.getLogger(__name__)


@dataclass
class LandingReport:
    consumed: int = 0
    landed: int = 0
    dead_letters: int = 0
    batches: int = 0
    seconds: float = 0.0
    steady_seconds: float = 0.0  # from the first message read to the last batch landed
    started_at: dict[int, int] = field(default_factory=dict)  # partition -> first offset read


class Lander:
    """Consume the telemetry topic as a member of the consumer group and land it in Bronze, one
    Bronze commit per micro-batch."""

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
        self._buffer: list[Message] = []
        self._next: dict[int, int] = {}  # owned partition -> the next offset to accept
        self._joined = False  # the group has given this member its (maybe empty) share
        self._report = LandingReport()

    def request_stop(self, *_: object) -> None:
        """Finish the current micro-batch, then stop (SIGINT/SIGTERM handler)."""
        self._stop = True

    def run(
        self,
        until_idle: float | None = None,
        max_events: int | None = None,
        on_progress: Callable[[LandingReport, int], None] | None = None,
    ) -> LandingReport:
        """Land until stopped, until caught up with nothing new for `until_idle` s, or
        `max_events`."""
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self.request_stop)
        ensure_topic(self.settings)
        consumer = Consumer(
            self.settings.client_config(
                **{
                    "group.id": self.settings.group_id,
                    "client.id": "lakehouse-lander",
                    "enable.auto.commit": False,
                    "auto.offset.reset": "earliest",
                    "session.timeout.ms": SESSION_TIMEOUT_MS,
                    **CONSUMER_TUNING,
                }
            )
        )
        self._probe = Consumer(
            self.settings.client_config(
                **{"group.id": f"{self.settings.group_id}.probe", "enable.auto.commit": False}
            )
        )
        report = self._report = LandingReport()
        started = time.monotonic()
        try:
            consumer.subscribe(
                [self.settings.topic],
                on_assign=self._on_assign,
                on_revoke=self._on_revoke,
                on_lost=self._on_lost,
            )
            batch_started = last_message = time.monotonic()
            first_message = 0.0
            last_log = waiting_since = started
            while not self._stop:
                wanted = self.batch_size - len(self._buffer)
                if max_events is not None:
                    wanted = min(wanted, max_events - report.consumed)
                messages = consumer.consume(num_messages=max(min(wanted, 10_000), 1), timeout=0.5)
                now = time.monotonic()
                messages = self._accept(messages)
                if messages:
                    first_message = first_message or now
                    last_message = now
                    self._buffer.extend(messages)
                    report.consumed += len(messages)
                full = len(self._buffer) >= self.batch_size
                done = max_events is not None and report.consumed >= max_events
                idle = False
                if messages:
                    waiting_since = now
                elif until_idle is not None and now - last_message >= until_idle:
                    # Idle once every owned partition is read to its end; not while the group
                    # has given this member nothing yet (joining, or a rebalance after the
                    # broker restarted), nor while no broker answers - for a while.
                    caught_up = self._caught_up(consumer) if self._joined else None
                    if caught_up is not None:
                        idle, waiting_since = caught_up, now
                    elif now - waiting_since > UNREACHABLE_SECONDS:
                        if self._buffer:
                            self._land(self._buffer, consumer)
                            self._buffer = []
                        raise BrokerUnreachable(
                            f"the Kafka broker at {self.settings.bootstrap_servers} gave no "
                            f"partition of {self.settings.topic} or no answer for "
                            f"{UNREACHABLE_SECONDS:.0f} s; "
                            "what was read is landed."
                        )
                if self._buffer and (
                    full or done or idle or now - batch_started >= self.batch_seconds
                ):
                    self._land(self._buffer, consumer)
                    self._buffer, batch_started = [], now
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
            if self._buffer:  # stopped by a signal: land what was read before leaving
                self._land(self._buffer, consumer)
                self._buffer = []
            if first_message:
                report.steady_seconds = time.monotonic() - first_message
        except KafkaException as error:
            raise BrokerUnreachable(f"Kafka error while landing: {error}") from None
        finally:
            # On an error, what is held is dropped (it is read again), never landed by the
            # revoke that closing the consumer calls: it may be in Bronze already.
            self._buffer = []
            consumer.close()  # leaves the group
            self._probe.close()
            report.seconds = time.monotonic() - started
        return report

    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        """Position each assigned partition at the later of the group's committed offset and
        Bronze's mark (`start_offsets`)."""
        if partitions:
            committed = consumer.committed(partitions, timeout=30)
            starts = start_offsets(
                self._probe, self.settings.topic, self.bronze_dir / EVENTS_TABLE, committed
            )
            for tp in partitions:
                tp.offset = starts[tp.partition]
                self._next[tp.partition] = tp.offset
                self._report.started_at.setdefault(tp.partition, tp.offset)
            log.info("assigned %s", {tp.partition: tp.offset for tp in partitions})
        consumer.assign(partitions)
        self._joined = True

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        """Land what is held of the partitions taken away, before the new owner starts."""
        revoked = {tp.partition for tp in partitions}
        held = [m for m in self._buffer if m.partition() in revoked]
        if held:
            self._land(held, consumer)
        self._buffer = [m for m in self._buffer if m.partition() not in revoked]
        self._release(revoked)
        self._joined = False  # until the group assigns again

    def _on_lost(self, _consumer: Consumer, partitions: list[TopicPartition]) -> None:
        """The group gave these partitions to another member already: what is held of them
        is not landed (the new owner reads it again)."""
        lost = {tp.partition for tp in partitions}
        log.warning("lost partitions %s to the group; their unlanded messages are dropped", lost)
        self._release(lost)
        self._joined = False

    def _release(self, partitions: set[int]) -> None:
        """Forget the partitions and drop what is still held of them (not landed)."""
        kept = [m for m in self._buffer if m.partition() not in partitions]
        self._report.consumed -= len(self._buffer) - len(kept)
        self._buffer = kept
        for partition in partitions:
            self._next.pop(partition, None)

    def _accept(self, messages: list[Message]) -> list[Message]:
        """The messages of partitions this member owns, from the offset it owns them at."""
        accepted = []
        owned = self._next
        for message in messages:
            if message.error() is not None:
                log.warning("consumer error: %s", message.error())
                continue
            partition, offset = message.partition(), message.offset()
            start = owned.get(partition)  # type: ignore[arg-type]
            if start is not None and offset is not None and offset >= start:
                accepted.append(message)
                owned[partition] = offset + 1  # type: ignore[index]
        return accepted

    def _caught_up(self, consumer: Consumer) -> bool | None:
        """Whether every owned partition has been read to its end (None: no broker answers)."""
        try:
            for partition, next_offset in self._next.items():
                tp = TopicPartition(self.settings.topic, partition)
                if next_offset < consumer.get_watermark_offsets(tp, timeout=2)[1]:
                    return False
        except KafkaException:
            return None
        return True

    def _lag(self, consumer: Consumer) -> int:
        """Messages in the owned partitions not read yet."""
        lag = 0
        for partition, next_offset in self._next.items():
            tp = TopicPartition(self.settings.topic, partition)
            _, end = consumer.get_watermark_offsets(tp, cached=True)  # from fetch responses
            lag += max(end - next_offset, 0)
        return lag

    def _land(self, messages: list[Message], consumer: Consumer) -> None:
        """Write one micro-batch: dead letters, then events + offsets in one Bronze commit,
        then the Kafka offset commit (which may fail: Bronze's offsets are the truth)."""
        report = self._report
        ingested_at = datetime.now(UTC)
        where = Positions.of(messages)
        ranges = where.ranges()
        first = {p: r[0] for p, r in ranges.items()}
        next_offsets = {p: r[1] for p, r in ranges.items()}
        batch_id = hashlib.sha256(
            json.dumps([first, next_offsets], sort_keys=True).encode()
        ).hexdigest()[:32]
        events, dead = classify(self._duckdb, messages, where, ingested_at, batch_id)
        if dead.num_rows:
            store.append_batch(self.bronze_dir / DEAD_LETTERS_TABLE, dead, batch_id, {})
        offsets = json.dumps(
            {
                self.settings.topic: {
                    p: [r[1], fingerprint(messages[r[2]].value())] for p, r in ranges.items()
                }
            }
        )
        store.append_batch(self.bronze_dir / EVENTS_TABLE, events, batch_id, {OFFSETS_KEY: offsets})
        try:
            consumer.commit(
                offsets=[
                    TopicPartition(self.settings.topic, p, o) for p, o in next_offsets.items()
                ],
                asynchronous=False,
            )
        except KafkaException as error:  # broker restarting, or a rebalance under way
            log.warning("Kafka offset commit failed (%s); Bronze holds the offsets", error)
        report.batches += 1
        report.landed += events.num_rows
        report.dead_letters += dead.num_rows
