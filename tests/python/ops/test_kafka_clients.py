"""Standard Kafka clients against the embedded broker: Debian's kcat (librdkafka 2.0) and the
Java console producer from the broker's own jars write events the project lands exactly once,
and kcat lists the topic and reads what the project's producer wrote."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter

import pytest

from ingest.kafka import KafkaSettings, ensure_topic
from ingest.loaders.lander import Lander
from ops import kafka_jvm

from ..streaming import assert_exactly_once, bronze, messages_in_topic, stream

pytestmark = pytest.mark.integration


def _kcat(*args: str, stdin: str | None = None) -> str:
    if shutil.which("kcat") is None:
        pytest.fail("kcat is not installed: apt-get install kcat (.ci/run does)")
    done = subprocess.run(
        ["kcat", *args], input=stdin, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _events(prefix: str, count: int) -> tuple[str, set[str]]:
    """`key|value` lines of telemetry events, and their ids."""
    lines, ids = [], set()
    for i in range(count):
        vehicle = f"V{i % 7:06d}"
        event = {"schema_version": 1, "event_id": f"{prefix}-{i}", "vehicle_id": vehicle, "ts": i}
        lines.append(f"{vehicle}|{json.dumps(event)}")
        ids.add(event["event_id"])
    return "\n".join(lines) + "\n", ids


def _land_and_check(kafka: KafkaSettings, lakehouse_dir, ids: set[str]) -> None:
    assert messages_in_topic(kafka) == len(ids)
    Lander(kafka, lakehouse_dir).run(until_idle=1)
    assert_exactly_once(lakehouse_dir, len(ids), ids)
    events = bronze(lakehouse_dir)
    assert set(events["kafka_key"].to_pylist()) == {f"V{i:06d}" for i in range(7)}


def test_events_produced_with_kcat_land_exactly_once(kafka, lakehouse_dir):
    ensure_topic(kafka)
    lines, ids = _events("KCAT", 2_000)
    _kcat("-P", "-b", kafka.bootstrap_servers, "-t", kafka.topic, "-K", "|", stdin=lines)
    _land_and_check(kafka, lakehouse_dir, ids)


def test_events_produced_with_the_java_console_producer_land_exactly_once(kafka, lakehouse_dir):
    ensure_topic(kafka)
    lines, ids = _events("JAVA", 2_000)
    command = kafka_jvm.java_class(
        kafka_jvm.CONSOLE_PRODUCER, "--bootstrap-server", kafka.bootstrap_servers,
        "--topic", kafka.topic, "--property", "parse.key=true", "--property", "key.separator=|",
    )  # fmt: skip
    done = subprocess.run(command, input=lines, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    _land_and_check(kafka, lakehouse_dir, ids)


def test_kcat_lists_the_topic_and_reads_what_the_project_produced(kafka):
    ids = stream(kafka, vehicles=10, steps=50)
    listing = _kcat("-L", "-b", kafka.bootstrap_servers)
    assert f'topic "{kafka.topic}" with {kafka.partitions} partitions' in listing
    out = _kcat("-C", "-b", kafka.bootstrap_servers, "-t", kafka.topic, "-e", "-q", "-f", "%s\n")
    read = Counter(json.loads(line)["event_id"] for line in out.splitlines() if line)
    assert set(read) == ids
    assert sum(read.values()) == messages_in_topic(kafka)
