"""The embedded broker: Apache Kafka in KRaft mode (one combined broker and controller).

It listens on loopback only and keeps its topics, offsets and consumer groups in log
directories under `$LAKEHOUSE_DIR/broker/data/`, so they persist across stops and crashes;
its storage is formatted on the first start. Its pid, configuration and log live in
`$LAKEHOUSE_DIR/broker/`. `ops/kafka_jvm.py` says how it is run (fetched jars or KAFKA_HOME).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

from common.network import listening
from ingest.kafka import CLIENT_LOG, KafkaSettings
from ops import kafka_jvm, pids
from ops.kafka_jvm import BrokerError, Paths

__all__ = ["BrokerError", "answers", "listening", "running_pid", "start", "status", "stop"]


def _port(settings: KafkaSettings) -> int:
    return int(settings.bootstrap_servers.rsplit(":", 1)[1])


def running_pid(lakehouse_dir: Path) -> int | None:
    """The embedded broker's pid if it is running."""
    return pids.running_pid(Paths.under(lakehouse_dir).pid)


def answers(settings: KafkaSettings, timeout: float = 1.0) -> bool:
    """Whether the broker answers a metadata request."""
    admin = AdminClient(settings.connection_config(), logger=CLIENT_LOG)
    try:
        admin.list_topics(timeout=timeout)
    except KafkaException:
        return False
    return True


def start(settings: KafkaSettings, lakehouse_dir: Path, timeout: float = 90.0) -> str:
    """Start the broker unless it (or another Kafka on its port) is already there; format its
    storage on the first start; return once it answers metadata requests."""
    if settings.external:
        return f"using the Kafka cluster at {settings.bootstrap_servers}; no broker started"
    port = _port(settings)
    if running_pid(lakehouse_dir) or listening(port):
        return f"a broker is already listening on {settings.bootstrap_servers}"
    paths = Paths.under(lakehouse_dir)
    kafka_jvm.write_config(paths, port)
    command = kafka_jvm.server_command(paths)  # says what is missing (Java, jars) first
    if not kafka_jvm.formatted(paths):
        _format(paths)
    started = time.monotonic()
    with paths.log.open("ab") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=kafka_jvm.process_env(),
            start_new_session=True,  # keeps running after this command returns
        )
    paths.pid.write_text(str(process.pid))
    deadline = started + timeout
    while not (listening(port) and answers(settings)):
        if process.poll() is not None or time.monotonic() > deadline:
            stop(lakehouse_dir)
            raise BrokerError(
                f"the embedded Kafka broker did not start on port {port}; see {paths.log}."
            )
        time.sleep(0.1)
    return (
        f"embedded Kafka {kafka_jvm.KAFKA_VERSION} broker listening on "
        f"{settings.bootstrap_servers} (pid {process.pid}, ready in "
        f"{time.monotonic() - started:.1f} s; log {paths.log})"
    )


def _format(paths: Paths) -> None:
    """Format the log directories for a new single-node cluster (`kafka-storage format`)."""
    command = kafka_jvm.storage_format_command(paths, kafka_jvm.new_cluster_id())
    with paths.log.open("ab") as log:
        done = subprocess.run(
            command, stdout=log, stderr=subprocess.STDOUT, env=kafka_jvm.process_env()
        )
    if done.returncode:
        raise BrokerError(
            f"formatting the broker's storage in {paths.data} failed; see {paths.log}."
        )


def stop(lakehouse_dir: Path, timeout: float = 30.0) -> str:
    """Stop the broker (a controlled shutdown; killed if it takes longer than `timeout`)."""
    pid = running_pid(lakehouse_dir)
    paths = Paths.under(lakehouse_dir)
    if pid is None:
        paths.pid.unlink(missing_ok=True)
        return "the embedded broker is not running"
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while running_pid(lakehouse_dir) and time.monotonic() < deadline:
        time.sleep(0.05)
    if running_pid(lakehouse_dir):
        os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
    paths.pid.unlink(missing_ok=True)
    return f"embedded broker stopped (pid {pid}); its topics are kept in {paths.data}"


def status(settings: KafkaSettings, lakehouse_dir: Path) -> str:
    if settings.external:
        return f"external Kafka cluster configured: {settings.bootstrap_servers}"
    pid = running_pid(lakehouse_dir)
    if pid:
        rss = kafka_jvm.rss_mb(pid)
        memory = f", {rss:,.0f} MB resident" if rss else ""
        return f"embedded broker running on {settings.bootstrap_servers} (pid {pid}{memory})"
    return f"embedded broker not running (it would listen on {settings.bootstrap_servers})"
