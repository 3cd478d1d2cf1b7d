"""The project's Apache Spark cluster on loopback (`lakehouse spark start|stop|status`).

A standalone master, two workers, and one Spark application on them that serves both Spark
Connect (the `spark_connect` target; Spark's Connect plugin) and the Thrift protocol (the
`spark` target; Spark's HiveThriftServer2). One application means one Hive metastore (Derby,
which allows one process) and one warehouse, so both targets see the same tables, and they
persist across restarts. Everything runs from the pyspark wheel's own scripts and jars
(`sbin/spark-daemon.sh`), with Delta Lake's jars (`make install`) on the application's and the
executors' class path, and the executors' Python being this environment's interpreter.

Under `$LAKEHOUSE_DIR/spark/`: `cluster/warehouse` and `cluster/metastore` (the catalog),
`cluster/work` (the workers' scratch space), `pids/` and `logs/`.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pyspark

from common.errors import LakehouseError
from common.network import LOOPBACK, listening
from common.settings import env, env_int
from ops import pids

MASTER = "org.apache.spark.deploy.master.Master"
WORKER = "org.apache.spark.deploy.worker.Worker"
SERVER = "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2"
CONNECT_PLUGIN = "org.apache.spark.sql.connect.SparkConnectPlugin"
WORKERS = 2
IDENT = "lakehouse"  # spark-daemon.sh's SPARK_IDENT_STRING, part of its pid and log names


class SparkClusterError(LakehouseError):
    """The Spark cluster could not be started or stopped; the message says why."""


@dataclass(frozen=True)
class Ports:
    master: int
    connect: int
    thrift: int

    @classmethod
    def from_env(cls) -> Ports:
        return cls(
            env_int("LAKEHOUSE_SPARK_MASTER_PORT", 1, 65535),
            env_int("SPARK_CONNECT_PORT", 1, 65535),
            env_int("SPARK_PORT", 1, 65535),
        )


@dataclass(frozen=True)
class Daemon:
    """One of the cluster's processes as spark-daemon.sh names it (class and instance)."""

    label: str
    java_class: str
    instance: int

    def pid_file(self, folder: Path) -> Path:
        return folder / "pids" / f"spark-{IDENT}-{self.java_class}-{self.instance}.pid"

    def log_file(self, folder: Path) -> Path:
        logs = sorted((folder / "logs").glob(f"spark-{IDENT}-{self.java_class}-{self.instance}-*"))
        return logs[-1] if logs else folder / "logs"


DAEMONS = (
    Daemon("master", MASTER, 1),
    *(Daemon(f"worker {i}", WORKER, i) for i in range(1, WORKERS + 1)),
    Daemon("Connect and Thrift server", SERVER, 1),
)


def folder(lakehouse_dir: Path) -> Path:
    return lakehouse_dir / "spark"


def spark_home() -> Path:
    """The pyspark wheel, which holds Spark's scripts (sbin/, bin/) and jars."""
    return Path(pyspark.__file__).parent


def delta_jars() -> list[str]:
    """Delta Lake's jars, or a sentence saying how to fetch them."""
    found = Path(env("LAKEHOUSE_DELTA_JARS")).expanduser()
    jars = sorted(glob.glob(str(found / "*.jar")))
    if not jars:
        raise SparkClusterError(
            f"Delta Lake's jars are not in {found}: run `make install` (it fetches them from "
            "Maven Central once), or set LAKEHOUSE_DELTA_JARS to the folder that holds them."
        )
    return jars


def _java() -> None:
    if not shutil.which("java"):
        raise SparkClusterError(
            "the Spark cluster needs Java 17 or later and no `java` was found: install a JRE "
            "(e.g. `apt-get install openjdk-17-jre-headless`)."
        )


def running(lakehouse_dir: Path) -> dict[Daemon, int]:
    """The cluster's processes that are running, with their pids."""
    home = folder(lakehouse_dir)
    found = {d: pids.running_pid(d.pid_file(home)) for d in DAEMONS}
    return {d: pid for d, pid in found.items() if pid}


def _environment(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "SPARK_HOME": str(spark_home()),
        "SPARK_PID_DIR": str(home / "pids"),
        "SPARK_LOG_DIR": str(home / "logs"),
        "SPARK_IDENT_STRING": IDENT,
        "SPARK_LOCAL_IP": LOOPBACK,  # every service and UI binds to loopback
        "SPARK_WORKER_DIR": str(home / "cluster" / "work"),
        # The executors' Python: this environment's, which has pandas, scikit-learn, pyarrow.
        "PYSPARK_PYTHON": sys.executable,
        "PYSPARK_DRIVER_PYTHON": sys.executable,
    }


def server_arguments(home: Path, ports: Ports) -> list[str]:
    """spark-submit's arguments for the application serving Connect and Thrift. Static
    settings (extensions, catalog, metastore, warehouse) belong here: Connect clients can only
    change runtime ones."""
    memory = env("LAKEHOUSE_SPARK_WORKER_MEMORY").strip()
    settings = {
        "spark.plugins": CONNECT_PLUGIN,
        "spark.connect.grpc.binding.address": LOOPBACK,
        "spark.connect.grpc.binding.port": str(ports.connect),
        "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
        "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
        "spark.sql.catalogImplementation": "hive",
        "spark.sql.warehouse.dir": str(home / "cluster" / "warehouse"),
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={home / 'cluster' / 'metastore'}",
        "spark.executor.memory": memory,
        "spark.pyspark.python": sys.executable,
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": env("SPARK_SHUFFLE_PARTITIONS").strip(),
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.databricks.delta.snapshotPartitions": "2",
        "spark.ui.enabled": "false",
    }
    return [
        *("--master", f"spark://{LOOPBACK}:{ports.master}", "--name", "mobility_lakehouse"),
        *("--driver-memory", env("LAKEHOUSE_SPARK_SERVER_MEMORY").strip()),
        # On the driver's own class path too: Thrift sessions load data sources through the
        # system class loader, which does not see --jars ("Failed to find the data source").
        *("--driver-class-path", ":".join(delta_jars())),
        *("--jars", ",".join(delta_jars())),
        *(arg for key, value in settings.items() for arg in ("--conf", f"{key}={value}")),
        *("--hiveconf", f"hive.server2.thrift.port={ports.thrift}"),
        *("--hiveconf", f"hive.server2.thrift.bind.host={LOOPBACK}"),
    ]


def _daemon(home: Path, *args: str) -> None:
    script = spark_home() / "sbin" / "spark-daemon.sh"
    with (home / "logs" / "spark-daemon.log").open("ab") as log:
        done = subprocess.run(
            ["bash", str(script), *args],
            env=_environment(home),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    if done.returncode:
        raise SparkClusterError(f"spark-daemon.sh {args[0]} {args[1]} failed; see {home / 'logs'}.")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


def _check_ports(ports: Ports) -> None:
    for name, variable, port in (
        ("master", "LAKEHOUSE_SPARK_MASTER_PORT", ports.master),
        ("Spark Connect", "SPARK_CONNECT_PORT", ports.connect),
        ("Thrift", "SPARK_PORT", ports.thrift),
    ):
        if listening(port):
            raise SparkClusterError(
                f"port {port} (the {name} port) is taken by another process: stop it or set "
                f"{variable} to a free port."
            )


def _wait(what: str, ready, deadline: float, home: Path, daemon: Daemon) -> None:
    while not ready():
        if time.monotonic() > deadline or not running(home.parent).get(daemon):
            log = daemon.log_file(home)
            stop(home.parent)
            raise SparkClusterError(f"the Spark {what} did not start; see {log}.")
        time.sleep(0.2)


def start(lakehouse_dir: Path, timeout: float = 600.0) -> str:
    """Start the master, the workers and the Connect and Thrift server unless they run; return
    once the workers have registered and both protocols accept connections."""
    home = folder(lakehouse_dir)
    ports = Ports.from_env()
    if running(lakehouse_dir):
        return f"the Spark cluster is already running ({status(lakehouse_dir)})"
    _java()
    arguments = server_arguments(home, ports)  # says first when Delta Lake's jars are missing
    _check_ports(ports)
    for sub in ("pids", "logs", "cluster/work", "cluster/warehouse", "cluster/metastore"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    deadline = started + timeout
    master = f"spark://{LOOPBACK}:{ports.master}"
    memory = env("LAKEHOUSE_SPARK_WORKER_MEMORY").strip()
    _daemon(home, "start", MASTER, "1", "--host", LOOPBACK, "--port", str(ports.master),
            "--webui-port", str(_free_port()))  # fmt: skip
    _wait("master", lambda: listening(ports.master), deadline, home, DAEMONS[0])
    for daemon in DAEMONS[1:-1]:
        _daemon(home, "start", WORKER, str(daemon.instance), "--host", LOOPBACK,
                "--webui-port", str(_free_port()), "--cores", "1", "--memory", memory,
                master)  # fmt: skip
    for daemon in DAEMONS[1:-1]:
        _wait(daemon.label, lambda d=daemon: _registered(d, home), deadline, home, daemon)
    _daemon(home, "submit", SERVER, "1", *arguments)
    server = DAEMONS[-1]
    _wait("Connect server", lambda: listening(ports.connect), deadline, home, server)
    _wait("Thrift server", lambda: listening(ports.thrift), deadline, home, server)
    return (
        f"Spark {pyspark.__version__} cluster on loopback: master {master}, {WORKERS} workers, "
        f"Spark Connect sc://{LOOPBACK}:{ports.connect}, Thrift {LOOPBACK}:{ports.thrift} "
        f"(ready in {time.monotonic() - started:.0f} s; logs {home / 'logs'})"
    )


def _registered(daemon: Daemon, home: Path) -> bool:
    log = daemon.log_file(home)
    return log.is_file() and "Successfully registered with master" in log.read_text()


def stop(lakehouse_dir: Path, timeout: float = 30.0) -> str:
    """Stop the server, the workers and the master (SIGTERM, SIGKILL after `timeout`)."""
    home = folder(lakehouse_dir)
    stopped = []
    for daemon in reversed(DAEMONS):
        pid = pids.running_pid(daemon.pid_file(home))
        if pid:
            _terminate(pid, timeout)
            stopped.append(f"{daemon.label} (pid {pid})")
        daemon.pid_file(home).unlink(missing_ok=True)
    if not stopped:
        return "the Spark cluster is not running"
    return f"Spark cluster stopped: {', '.join(stopped)}; its tables are kept in {home / 'cluster'}"


def _terminate(pid: int, timeout: float) -> None:
    """SIGTERM to the process and its children (spark-daemon.sh starts each in a session of
    its own, so the group is the daemon's); SIGKILL if it outlives `timeout`."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    """Whether the process runs (not a zombie; these are not this process's children)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def status(lakehouse_dir: Path) -> str:
    """Which of the cluster's processes run, and where it answers."""
    up = running(lakehouse_dir)
    ports = Ports.from_env()
    if not up:
        return (
            "the Spark cluster is not running (`lakehouse spark start`; it would serve "
            f"Spark Connect on sc://{LOOPBACK}:{ports.connect} and Thrift on port {ports.thrift})"
        )
    parts = [f"{d.label} pid {pid}" for d, pid in up.items()]
    missing = [d.label for d in DAEMONS if d not in up]
    if missing:
        parts.append(f"not running: {', '.join(missing)} (`lakehouse spark stop`, then start)")
    return (
        f"Spark cluster: {'; '.join(parts)}; Spark Connect sc://{LOOPBACK}:{ports.connect}"
        f" {'answers' if listening(ports.connect) else 'does not answer'}, Thrift port "
        f"{ports.thrift} {'answers' if listening(ports.thrift) else 'does not answer'}"
    )
