"""The embedded Apache Kafka broker through stops, crashes and restarts: topics and offsets
persist, the lander reconnects, the idempotent producer duplicates nothing. Each test module
run starts a broker of its own (these tests kill it), apart from the session's."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from confluent_kafka import Consumer, TopicPartition

from ingest.kafka import KafkaSettings, ensure_topic
from ingest.loaders.lander import Lander
from ingest.upstream.telemetry.producer import KafkaStreamer
from ingest.upstream.telemetry.simulator import SimulationConfig, VehicleSimulator
from ops import broker

from ..conftest import free_port, topic_of_its_own
from ..streaming import (
    LAKEHOUSE,
    assert_exactly_once,
    bronze,
    bronze_commits,
    land_process,
    messages_in_topic,
    stream,
    wait_for,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def own_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[KafkaSettings, Path]]:
    home = tmp_path_factory.mktemp("own-broker")
    settings = replace(
        KafkaSettings.from_env(), bootstrap_servers=f"127.0.0.1:{free_port()}", external=False
    )
    broker.start(settings, home)
    yield settings, home
    broker.stop(home)


@pytest.fixture
def topic(own_broker, monkeypatch) -> KafkaSettings:
    return topic_of_its_own(own_broker[0], monkeypatch)


def _kill(home: Path) -> None:
    """SIGKILL the broker (no controlled shutdown) and wait until it is gone."""
    pid = broker.running_pid(home)
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: broker.running_pid(home) is None, "the broker to die", timeout=10)


def _committed(kafka: KafkaSettings) -> list[int]:
    consumer = Consumer(kafka.client_config(**{"group.id": kafka.group_id}))
    tps = [TopicPartition(kafka.topic, p) for p in range(kafka.partitions)]
    offsets = [tp.offset for tp in consumer.committed(tps, timeout=10)]
    consumer.close()
    return offsets


def test_topics_and_offsets_persist_across_stop_and_start(own_broker, topic, lakehouse_dir):
    settings, home = own_broker
    ids = stream(topic, vehicles=20, steps=100)
    Lander(topic, lakehouse_dir, batch_size=1_000).run(until_idle=1)
    committed = _committed(topic)
    held = messages_in_topic(topic)
    assert sum(committed) == held
    assert "stopped" in broker.stop(home)
    assert not broker.listening(int(settings.bootstrap_servers.rsplit(":", 1)[1]))
    broker.start(settings, home)
    assert messages_in_topic(topic) == held
    assert _committed(topic) == committed
    more = stream(topic, vehicles=20, steps=50, seed=2)
    report = Lander(topic, lakehouse_dir).run(until_idle=1)
    # Only the new messages: the group's offsets survived.
    assert report.landed == messages_in_topic(topic) - held > 0
    assert_exactly_once(lakehouse_dir, held + report.landed, ids | more)


def test_broker_killed_between_simulate_and_land_loses_nothing(own_broker, topic, lakehouse_dir):
    settings, home = own_broker
    env = {**os.environ, "LAKEHOUSE_DIR": str(lakehouse_dir)}
    simulate = [LAKEHOUSE, "simulate", "--vehicles", "20", "--minutes", "2", "--seed", "7"]
    out = subprocess.run(simulate, env=env, check=True, capture_output=True, text=True).stdout
    sent = int(out.split(" events")[0].replace(",", "").split()[-1])
    _kill(home)
    broker.start(settings, home)
    land = [LAKEHOUSE, "land", "--until-idle", "2"]
    subprocess.run(land, env=env, check=True, capture_output=True)
    events = bronze(lakehouse_dir)
    assert messages_in_topic(topic) == sent
    assert_exactly_once(lakehouse_dir, sent, set(events["event_id"].to_pylist()))
    assert len(set(events["event_id"].to_pylist())) == 20 * 120  # every reading, each once


def test_a_lander_reconnects_after_the_broker_restarts_mid_run(own_broker, topic, lakehouse_dir):
    settings, home = own_broker
    ids = stream(topic, vehicles=60, steps=400)
    lander = land_process(lakehouse_dir, "--until-idle", "5", "--batch-size", "300")
    wait_for(lambda: bronze_commits(lakehouse_dir) > 5, "the lander to commit")
    _kill(home)
    broker.start(settings, home)
    _out, err = lander.communicate(timeout=180)
    assert lander.returncode == 0, err
    assert_exactly_once(lakehouse_dir, messages_in_topic(topic), ids)


def test_the_idempotent_producer_duplicates_nothing_through_a_broker_restart(own_broker, topic):
    settings, home = own_broker
    ensure_topic(topic)
    streamer = KafkaStreamer(topic)
    sent: list[str] = []

    def produce() -> None:
        simulator = VehicleSimulator(SimulationConfig(vehicles=50, seed=3))
        for batch in simulator.batches(600, 10):
            streamer.send(batch)
            sent.extend(json.loads(value)["event_id"] for _, value in batch)
            time.sleep(0.01)  # stream for a while: the broker dies in the middle

    producing = threading.Thread(target=produce)
    producing.start()
    wait_for(lambda: len(sent) > 5_000, "the producer to send")
    _kill(home)
    broker.start(settings, home)
    producing.join(timeout=120)
    assert streamer.flush(60) == 0 and streamer.failed == 0, streamer.last_error
    assert streamer.delivered == len(sent)
    consumer = Consumer(topic.client_config(**{"group.id": "check", "enable.auto.commit": False}))
    consumer.assign([TopicPartition(topic.topic, p, 0) for p in range(topic.partitions)])
    read: list[str] = []
    while batch := consumer.consume(10_000, timeout=2):
        read.extend(json.loads(m.value())["event_id"] for m in batch if m.error() is None)
    consumer.close()
    assert sorted(read) == sorted(sent), "the topic lost or duplicated an event"
