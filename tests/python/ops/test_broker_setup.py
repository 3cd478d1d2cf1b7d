"""What the embedded broker needs (Java, the fetched jars or KAFKA_HOME) and the sentence a user
gets when it is missing; one pinned Kafka version."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from common.settings import VARIABLES
from ingest.kafka import KafkaSettings
from ops import broker, kafka_jvm

from ..conftest import REPO_ROOT, free_port


def _settings() -> KafkaSettings:
    return replace(
        KafkaSettings.from_env(), bootstrap_servers=f"127.0.0.1:{free_port()}", external=False
    )


def test_one_kafka_version_in_the_pom_the_code_and_the_default_jar_cache():
    pom = (REPO_ROOT / "jvm" / "kafka" / "pom.xml").read_text()
    match = re.search(r"<kafka.version>(.+)</kafka.version>", pom)
    assert match and match[1] == kafka_jvm.KAFKA_VERSION
    default = next(v.default for v in VARIABLES if v.name == "LAKEHOUSE_KAFKA_JARS")
    assert default.endswith(f"/kafka-{kafka_jvm.KAFKA_VERSION}")


def test_without_java_the_broker_says_so_and_how_to_use_a_cluster(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(broker.BrokerError, match=r"needs Java 17.*KAFKA_BOOTSTRAP_SERVERS"):
        broker.start(_settings(), tmp_path)


def test_without_the_jars_the_broker_says_how_to_fetch_them(tmp_path, monkeypatch):
    monkeypatch.setenv("LAKEHOUSE_KAFKA_JARS", str(tmp_path / "none"))
    with pytest.raises(broker.BrokerError, match="run `make install`"):
        broker.start(_settings(), tmp_path)


def test_a_kafka_home_that_is_not_an_installation_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("KAFKA_HOME", str(tmp_path))
    with pytest.raises(broker.BrokerError, match="is not a Kafka installation"):
        broker.start(_settings(), tmp_path)


def test_an_external_cluster_starts_nothing(tmp_path):
    settings = replace(_settings(), external=True)
    assert "no broker started" in broker.start(settings, tmp_path)
    assert not (tmp_path / "broker" / "kafka.pid").exists()


@pytest.mark.integration
def test_kafka_home_scripts_run_the_broker(tmp_path, monkeypatch):
    """A Kafka installation's bin/ scripts are used when KAFKA_HOME is set (here a minimal
    one whose scripts run the fetched jars, as Kafka's own do)."""
    bin_dir = tmp_path / "kafka" / "bin"
    bin_dir.mkdir(parents=True)
    jars = kafka_jvm.jars_dir()
    for script, main in (
        ("kafka-storage.sh", kafka_jvm.STORAGE_TOOL),
        ("kafka-server-start.sh", kafka_jvm.SERVER),
    ):
        path = bin_dir / script
        path.write_text(
            f'#!/bin/sh\necho "{script} $*"\n'
            f'exec java $KAFKA_HEAP_OPTS -cp "{jars}/*" {main} "$@"\n'
        )
        path.chmod(0o755)
    monkeypatch.setenv("KAFKA_HOME", str(tmp_path / "kafka"))
    settings, home = _settings(), tmp_path / "lakehouse"
    try:
        assert "listening" in broker.start(settings, home)
        assert broker.answers(settings)
    finally:
        broker.stop(home)
    log = (home / "broker" / "kafka.log").read_text()
    assert "kafka-storage.sh format" in log and "kafka-server-start.sh" in log
