"""Shared fixtures: small data sets in temporary lakehouse directories, and a real Kafka-protocol
broker (the embedded Apache Kafka) on a free loopback port, one per session."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from ingest.kafka import KafkaSettings
from ingest.upstream.mobility.generator import GeneratorConfig, generate_mobility
from ops import broker

REPO_ROOT = Path(__file__).resolve().parents[2]
# The longest modules (minutes each), run first: pytest-xdist hands modules to its workers in
# collection order (with `--no-loadscope-reorder`, as `make pytest` runs it; by default it orders
# them by their number of tests, which put these one- to four-test modules last, side by side).
LONGEST_FIRST = ("test_spark_parity.py", "test_chain.py", "test_spark_cluster.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: the rest keep their order


@pytest.fixture(scope="session")
def small_config() -> GeneratorConfig:
    """A data set small enough for unit tests, with every kind of bad record present."""
    return GeneratorConfig(
        trips=4_000, days=3, start_date=date(2026, 3, 2), zones=8, seed=7, bad_fraction=0.08
    )


@pytest.fixture
def lakehouse_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "lakehouse"
    directory.mkdir()
    monkeypatch.setenv("LAKEHOUSE_DIR", str(directory))
    return directory


@pytest.fixture
def landed(lakehouse_dir: Path, small_config: GeneratorConfig) -> Path:
    """A lakehouse directory whose landing/ holds the small data set."""
    generate_mobility(small_config, lakehouse_dir / "landing")
    return lakehouse_dir


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def broker_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KafkaSettings]:
    home = tmp_path_factory.mktemp("broker")
    settings = replace(
        KafkaSettings.from_env(), bootstrap_servers=f"127.0.0.1:{free_port()}", external=False
    )
    broker.start(settings, home)
    yield settings
    broker.stop(home)


@pytest.fixture
def kafka(broker_settings: KafkaSettings, monkeypatch: pytest.MonkeyPatch) -> KafkaSettings:
    """Settings with a topic of its own, also exported for `lakehouse` subprocesses."""
    return topic_of_its_own(broker_settings, monkeypatch)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory, broker_settings) -> tuple[Path, dict]:
    """A lakehouse after generate, simulate, land, ingest and `dbt build`, and its environment:
    built once per session for the serving and the cockpit tests."""
    from .serving.server import build_lakehouse  # its helpers import this module

    return build_lakehouse(tmp_path_factory.mktemp("serving"), broker_settings)


def topic_of_its_own(broker: KafkaSettings, monkeypatch: pytest.MonkeyPatch) -> KafkaSettings:
    """`broker` with a topic and lander group of its own, exported for subprocesses too."""
    settings = replace(
        broker, topic=f"telemetry-{uuid.uuid4().hex[:8]}", partitions=3,
        group_id=f"lander-{uuid.uuid4().hex[:8]}",
    )  # fmt: skip
    for name, value in {
        "KAFKA_BOOTSTRAP_SERVERS": settings.bootstrap_servers,
        "KAFKA_TOPIC_TELEMETRY": settings.topic,
        "KAFKA_TOPIC_PARTITIONS": str(settings.partitions),
        "KAFKA_GROUP_ID": settings.group_id,
    }.items():
        monkeypatch.setenv(name, value)
    return settings
