"""Simulator -> Kafka -> lander -> Bronze against the real embedded broker."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest
from confluent_kafka import Producer

from ingest.contracts.bronze import DEAD_LETTERS_TABLE, EVENTS_TABLE
from ingest.kafka import ensure_topic
from ingest.loaders import lander as lander_module
from ingest.loaders.lander import Lander

from ...streaming import LAKEHOUSE, assert_exactly_once, bronze, messages_in_topic, stream

pytestmark = pytest.mark.integration


def test_every_event_lands_once(kafka, lakehouse_dir):
    ids = stream(kafka, vehicles=40, steps=250)
    report = Lander(kafka, lakehouse_dir, batch_size=3_000).run(until_idle=2)
    assert report.landed == report.consumed and report.dead_letters == 0
    assert report.batches >= 3
    assert_exactly_once(lakehouse_dir, report.consumed, ids)
    again = Lander(kafka, lakehouse_dir).run(until_idle=1)
    assert again.consumed == 0


def test_a_crash_after_the_bronze_commit_does_not_land_the_batch_twice(
    kafka, lakehouse_dir, monkeypatch
):
    """Die between the Delta commit and the Kafka offset commit, then restart."""
    ids = stream(kafka, vehicles=30, steps=200)
    real_append = lander_module.store.append_batch

    def append_then_die(path, *args, **kwargs):
        real_append(path, *args, **kwargs)
        if path.name == EVENTS_TABLE:
            raise SystemExit("killed after the Delta commit, before the Kafka commit")

    monkeypatch.setattr(lander_module.store, "append_batch", append_then_die)
    with pytest.raises(SystemExit):
        Lander(kafka, lakehouse_dir, batch_size=2_500).run(until_idle=2)
    monkeypatch.setattr(lander_module.store, "append_batch", real_append)
    first = bronze(lakehouse_dir).num_rows
    report = Lander(kafka, lakehouse_dir, batch_size=2_500).run(until_idle=2)
    assert_exactly_once(lakehouse_dir, first + report.consumed, ids)


@pytest.mark.parametrize("kill_after_commits", [1, 3, 6])
def test_sigkill_at_any_point_then_restart_loses_and_duplicates_nothing(
    kafka, lakehouse_dir, kill_after_commits
):
    ids = stream(kafka, vehicles=50, steps=300)
    command = [LAKEHOUSE, "land", "--until-idle", "3", "--batch-size", "1000"]
    env = {**os.environ, "LAKEHOUSE_DIR": str(lakehouse_dir)}
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    log = lakehouse_dir / "bronze" / EVENTS_TABLE / "_delta_log"
    deadline = time.monotonic() + 90
    while len(list(log.glob("*.json"))) < kill_after_commits + 1:  # +1: the empty table
        assert process.poll() is None, process.stderr.read().decode()
        assert time.monotonic() < deadline, "the lander made no progress"
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    subprocess.run(command, env=env, check=True, capture_output=True)
    assert_exactly_once(lakehouse_dir, messages_in_topic(kafka), ids)


def test_poison_messages_become_dead_letters_and_the_stream_goes_on(kafka, lakehouse_dir):
    ensure_topic(kafka)
    producer = Producer(kafka.client_config(**{"client.id": "poison"}))
    good = {"schema_version": 1, "event_id": "V000001-1", "vehicle_id": "V000001", "ts": 1}
    poison = {
        b"{not json": "invalid JSON",
        json.dumps({**good, "schema_version": 99}).encode(): "unsupported schema_version",
        json.dumps({k: v for k, v in good.items() if k != "event_id"}).encode(): "missing event_id",
        b"\xff\xfe{}": "not UTF-8",
        b"[1, 2]": "not a JSON object",
    }
    for value in [
        json.dumps(good).encode(),
        *poison,
        json.dumps({**good, "event_id": "x"}).encode(),
    ]:
        producer.produce(kafka.topic, value=value, key=b"V000001")
    producer.flush()
    report = Lander(kafka, lakehouse_dir).run(until_idle=2)
    assert (report.landed, report.dead_letters) == (2, len(poison))
    dead = bronze(lakehouse_dir, DEAD_LETTERS_TABLE).to_pylist()
    assert {d["raw_bytes"]: d["error"] for d in dead} == poison
    assert all(d["kafka_topic"] == kafka.topic and d["kafka_offset"] >= 1 for d in dead)


def test_events_from_another_client_are_landed_too(kafka, lakehouse_dir):
    ensure_topic(kafka)
    producer = Producer(kafka.client_config(**{"client.id": "external-script", "acks": "all"}))
    for i in range(100):
        event = {"schema_version": 1, "event_id": f"EXT-{i}", "vehicle_id": "V000007", "ts": i}
        producer.produce(kafka.topic, value=json.dumps(event), key="V000007")
    producer.flush()
    Lander(kafka, lakehouse_dir).run(until_idle=2)
    events = bronze(lakehouse_dir)
    assert sorted(events["event_id"].to_pylist()) == sorted(f"EXT-{i}" for i in range(100))
    assert set(events["kafka_key"].to_pylist()) == {"V000007"}
