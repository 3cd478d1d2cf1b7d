"""Streaming to the real broker and checking Bronze, for the lander and broker tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition

from ingest.bronze import store
from ingest.contracts.bronze import EVENTS_TABLE
from ingest.kafka import KafkaSettings, ensure_topic
from ingest.upstream.telemetry.producer import KafkaStreamer
from ingest.upstream.telemetry.simulator import SimulationConfig, VehicleSimulator

LAKEHOUSE = str(Path(sys.executable).parent / "lakehouse")


def stream(kafka: KafkaSettings, vehicles: int, steps: int, seed: int = 1) -> set[str]:
    """Produce a simulation; returns the distinct event ids sent."""
    ensure_topic(kafka)
    simulator = VehicleSimulator(SimulationConfig(vehicles=vehicles, seed=seed))
    streamer = KafkaStreamer(kafka)
    ids = set()
    for batch in simulator.batches(steps, 20):
        streamer.send(batch)
        ids.update(json.loads(value)["event_id"] for _, value in batch)
    assert streamer.flush() == 0 and streamer.failed == 0
    return ids


def bronze(lakehouse: Path, table: str = EVENTS_TABLE) -> pa.Table:
    return store.open_dataset(lakehouse / "bronze" / table).to_table()


def assert_exactly_once(lakehouse: Path, produced_messages: int, event_ids: set[str]) -> None:
    """Bronze holds each message once (by partition and offset), all of them, and these ids."""
    events = bronze(lakehouse)
    positions = set(
        zip(events["kafka_partition"].to_pylist(), events["kafka_offset"].to_pylist(), strict=True)
    )
    assert len(positions) == events.num_rows, "a message was landed twice"
    assert events.num_rows == produced_messages, "a message was lost"
    assert set(pc.unique(events["event_id"]).to_pylist()) == event_ids


def messages_in_topic(kafka: KafkaSettings) -> int:
    """What the topic holds, from its watermarks (offsets are contiguous: no transactions)."""
    consumer = Consumer(kafka.client_config(**{"group.id": "count", "enable.auto.commit": False}))
    held = 0
    for partition in range(kafka.partitions):
        low, high = _watermarks(consumer, TopicPartition(kafka.topic, partition))
        held += high - low
    consumer.close()
    return held


LEADERLESS = {
    KafkaError.NOT_LEADER_FOR_PARTITION,
    KafkaError.LEADER_NOT_AVAILABLE,
    KafkaError._TIMED_OUT,
}


def _watermarks(consumer: Consumer, partition: TopicPartition) -> tuple[int, int]:
    """The partition's watermarks; a broker that has just started may not have elected the
    partition's leader yet (a retriable error): asked again for up to 30 seconds."""
    deadline = time.monotonic() + 30
    while True:
        try:
            return consumer.get_watermark_offsets(partition, 10)
        except KafkaException as error:
            if error.args[0].code() not in LEADERLESS or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def land_process(lakehouse: Path, *options: str) -> subprocess.Popen:
    """`lakehouse land` in the background, on the topic the `kafka` fixture exported."""
    return subprocess.Popen(
        [LAKEHOUSE, "land", *options],
        env={**os.environ, "LAKEHOUSE_DIR": str(lakehouse)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def bronze_commits(lakehouse: Path) -> int:
    """Commits of the events table so far (the empty table's included)."""
    return len(list((lakehouse / "bronze" / EVENTS_TABLE / "_delta_log").glob("*.json")))


def wait_for(condition, what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)
