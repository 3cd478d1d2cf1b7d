"""Kafka settings from the environment, the embedded broker's address, and client configs.

When `KAFKA_BOOTSTRAP_SERVERS` is set, every command uses that cluster (Apache Kafka, Redpanda,
Confluent Cloud, MSK) with the optional SASL/TLS settings below, and no broker is started.
Otherwise the project's embedded broker on loopback is used (`lakehouse broker start`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, NewTopic

from common.errors import LakehouseError
from common.settings import env, env_int

# librdkafka's own log lines (a broker that does not answer is logged every second) go to this
# logger, which says nothing unless the command runs with --verbose; the command's one sentence
# says what went wrong.
CLIENT_LOG = logging.getLogger("librdkafka")
CLIENT_LOG.propagate = False
CLIENT_LOG.addHandler(logging.NullHandler())

# Environment variable -> librdkafka setting, for clusters that need authentication.
SECURITY_SETTINGS = {
    "KAFKA_SECURITY_PROTOCOL": "security.protocol",
    "KAFKA_SASL_MECHANISM": "sasl.mechanism",
    "KAFKA_SASL_USERNAME": "sasl.username",
    "KAFKA_SASL_PASSWORD": "sasl.password",
    "KAFKA_SSL_CA_LOCATION": "ssl.ca.location",
}


@dataclass(frozen=True)
class KafkaSettings:
    bootstrap_servers: str
    external: bool  # a cluster the user configured, not the embedded broker
    topic: str
    partitions: int
    group_id: str
    security: dict[str, str]

    @classmethod
    def from_env(cls) -> KafkaSettings:
        configured = env("KAFKA_BOOTSTRAP_SERVERS").strip()
        port = env_int("LAKEHOUSE_BROKER_PORT", 1, 65_535)
        return cls(
            bootstrap_servers=configured or f"127.0.0.1:{port}",
            external=bool(configured),
            topic=env("KAFKA_TOPIC_TELEMETRY"),
            partitions=env_int("KAFKA_TOPIC_PARTITIONS", 1, 10_000),
            group_id=env("KAFKA_GROUP_ID"),
            security={
                setting: env(name) for name, setting in SECURITY_SETTINGS.items() if env(name)
            },
        )

    def connection_config(self) -> dict[str, str | int | float | bool]:
        """The broker's address and the security settings: what every client needs."""
        return {"bootstrap.servers": self.bootstrap_servers, **self.security}

    def client_config(self, **extra: object) -> dict[str, object]:
        return {**self.connection_config(), "logger": CLIENT_LOG, **extra}


class BrokerUnreachable(LakehouseError):
    """No Kafka broker answers at the configured address."""


def ensure_topic(settings: KafkaSettings, timeout: float = 5.0) -> int:
    """Create the telemetry topic if it does not exist; return its partition count. A broker
    that does not answer within `timeout` seconds is `BrokerUnreachable`."""
    admin = AdminClient(settings.connection_config(), logger=CLIENT_LOG)
    try:
        topics = admin.list_topics(timeout=timeout).topics
    except KafkaException:
        raise BrokerUnreachable(_unreachable(settings)) from None
    if settings.topic not in topics:
        futures = admin.create_topics(
            [NewTopic(settings.topic, num_partitions=settings.partitions, replication_factor=1)]
        )
        for future in futures.values():
            try:
                future.result(timeout)
            except KafkaException as error:
                if "TOPIC_ALREADY_EXISTS" not in str(error):
                    raise
        topics = admin.list_topics(settings.topic, timeout=timeout).topics
    return len(topics[settings.topic].partitions)


def _unreachable(settings: KafkaSettings) -> str:
    if settings.external:
        return (
            f"no Kafka broker answers at KAFKA_BOOTSTRAP_SERVERS={settings.bootstrap_servers}: "
            "check the address and the SASL/TLS settings in .env."
        )
    return (
        f"the embedded Kafka broker is not running at {settings.bootstrap_servers}: "
        "start it with `lakehouse broker start` (or set KAFKA_BOOTSTRAP_SERVERS)."
    )


def show_client_logs() -> None:
    """Let librdkafka's log lines through to standard error (the commands' --verbose)."""
    CLIENT_LOG.propagate = True
    CLIENT_LOG.setLevel(logging.DEBUG)
