"""How the embedded Apache Kafka broker is run: its jars or installation, Java, its configuration.

The jars are Apache Kafka's from Maven Central, fetched once by `make install` (the pom in
`jvm/kafka/`) into `LAKEHOUSE_KAFKA_JARS`, outside the repository. `KAFKA_HOME` names a Kafka
installation to use instead: its `bin/kafka-storage.sh` and `bin/kafka-server-start.sh` run.
One process is both the KRaft controller and the broker, on loopback only.
"""

from __future__ import annotations

import base64
import os
import shutil
import socket
import uuid
from dataclasses import dataclass
from pathlib import Path

from common.errors import LakehouseError
from common.settings import env

KAFKA_VERSION = "4.1.1"  # the pom's kafka.version (tests/python/ops/test_broker.py compares)
STORAGE_TOOL = "kafka.tools.StorageTool"
SERVER = "kafka.Kafka"
CONSOLE_PRODUCER = "org.apache.kafka.tools.ConsoleProducer"
# Kafka's own logs: warnings and the start-up lines, to the broker's log file (its stdout).
LOG4J2 = """\
status = warn
appender.out.type = Console
appender.out.name = out
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = warn
rootLogger.appenderRef.out.ref = out
logger.server.name = kafka.server.KafkaRaftServer
logger.server.level = info
"""


class BrokerError(LakehouseError):
    """The embedded broker could not be started or stopped; the message says why."""


@dataclass(frozen=True)
class Paths:
    """The broker's files under `$LAKEHOUSE_DIR/broker/`: pid, log, log dirs, configuration."""

    pid: Path
    log: Path
    data: Path
    config: Path
    log4j: Path

    @classmethod
    def under(cls, lakehouse_dir: Path) -> Paths:
        folder = lakehouse_dir / "broker"
        folder.mkdir(parents=True, exist_ok=True)
        names = ("kafka.pid", "kafka.log", "data", "server.properties", "log4j2.properties")
        return cls(*(folder / name for name in names))


def java() -> str:
    """The `java` on PATH to run Kafka with; a sentence when there is none."""
    found = shutil.which("java")
    if not found:
        raise BrokerError(
            "the embedded Kafka broker needs Java 17 or later and no `java` was found: install "
            "a JRE (e.g. `apt-get install openjdk-17-jre-headless`), or set "
            "KAFKA_BOOTSTRAP_SERVERS to use an existing Kafka cluster instead."
        )
    return found


def jars_dir() -> Path:
    """Where `make install` put the Kafka jars."""
    return Path(env("LAKEHOUSE_KAFKA_JARS")).expanduser()


def classpath() -> str:
    """The fetched jars as a class path, or a sentence saying how to fetch them."""
    folder = jars_dir()
    if not list(folder.glob("kafka_2.13-*.jar")):
        raise BrokerError(
            f"the Apache Kafka jars are not in {folder}: run `make install` (it fetches them "
            "from Maven Central once), or set KAFKA_HOME to a Kafka installation."
        )
    return str(folder / "*")


def kafka_home() -> Path | None:
    value = env("KAFKA_HOME").strip()
    if not value:
        return None
    home = Path(value).expanduser()
    if not (home / "bin" / "kafka-server-start.sh").is_file():
        raise BrokerError(
            f"KAFKA_HOME={home} is not a Kafka installation (no bin/kafka-server-start.sh): "
            "fix it, or unset it to use the fetched jars."
        )
    return home


def heap() -> str:
    return env("LAKEHOUSE_BROKER_HEAP").strip()


def java_class(name: str, *args: str) -> list[str]:
    """A command running `name` from the fetched jars (the storage tool, the broker, clients)."""
    return [java(), f"-Xmx{heap()}", "-cp", classpath(), name, *args]


def storage_format_command(paths: Paths, cluster_id: str) -> list[str]:
    args = ["format", "--config", str(paths.config), "--cluster-id", cluster_id]
    home = kafka_home()
    if home:
        return [str(home / "bin" / "kafka-storage.sh"), *args]
    return java_class(STORAGE_TOOL, *args)


def server_command(paths: Paths) -> list[str]:
    home = kafka_home()
    if home:
        return [str(home / "bin" / "kafka-server-start.sh"), str(paths.config)]
    return [
        java(), f"-Xms{heap()}", f"-Xmx{heap()}", "-XX:+UseG1GC", "-Djava.awt.headless=true",
        f"-Dlog4j2.configurationFile={paths.log4j}", "-cp", classpath(), SERVER, str(paths.config),
    ]  # fmt: skip


def process_env() -> dict[str, str]:
    """The environment for Kafka's scripts (KAFKA_HOME): the same small heap."""
    return {**os.environ, "KAFKA_HEAP_OPTS": f"-Xms{heap()} -Xmx{heap()}"}


def write_config(paths: Paths, port: int) -> None:
    """server.properties for one combined broker and controller on loopback; the controller's
    port is picked free at each start (a static quorum of one voter does not record it)."""
    controller = _free_port()
    settings = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.voters": f"1@127.0.0.1:{controller}",
        "listeners": f"PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller}",
        "advertised.listeners": f"PLAINTEXT://127.0.0.1:{port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "log.dirs": str(paths.data),
        "num.partitions": "1",
        "offsets.topic.replication.factor": "1",
        "offsets.topic.num.partitions": "3",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        "group.initial.rebalance.delay.ms": "0",
        "auto.create.topics.enable": "false",
    }
    paths.config.write_text("".join(f"{k}={v}\n" for k, v in settings.items()))
    paths.log4j.write_text(LOG4J2)


def formatted(paths: Paths) -> bool:
    return (paths.data / "meta.properties").is_file()


def new_cluster_id() -> str:
    """A Kafka cluster id: 16 random bytes, URL-safe base64 without padding, not starting
    with '-' (as Kafka's own `Uuid.randomUuid`)."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not text.startswith("-"):
            return text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int) -> float | None:
    """A process's resident memory in MB (Linux), or None when it cannot be read."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None
