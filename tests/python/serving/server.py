"""A built lakehouse to serve from, and the prediction API as a real uvicorn process on a free
loopback port, for the serving tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from ..pipeline import BUILD, INGEST, LAKEHOUSE_CLI, LAND, environment, own_topic, run

TRIPS, DAYS, ZONES, VEHICLES, MINUTES = "40000", "10", "10", "50", "12"


def build_lakehouse(tmp_path: Path, broker) -> tuple[Path, dict[str, str]]:
    """generate -> simulate -> land -> ingest csv -> dbt build, in a temporary lakehouse."""
    lakehouse, env = environment(tmp_path)
    env = own_topic(env, broker) | {"SERVING_RELOAD_SECONDS": "1", "OMP_NUM_THREADS": "1"}
    generate = ["generate", "mobility", "--trips", TRIPS, "--days", DAYS, "--zones", ZONES]
    run([LAKEHOUSE_CLI, *generate], env)
    run([LAKEHOUSE_CLI, "simulate", "--vehicles", VEHICLES, "--minutes", MINUTES], env)
    run(LAND, env)
    run(INGEST, env)
    run(BUILD, env)
    return lakehouse, env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition: Callable[[], bool], timeout: float = 60, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class Server:
    def __init__(self, process: subprocess.Popen, url: str, log: Path):
        self.process, self.url, self.log = process, url, log
        self.client = httpx.Client(base_url=url, timeout=30)

    def status(self, path: str) -> int | None:
        try:
            return self.client.get(path).status_code
        except httpx.TransportError:
            return None


@contextmanager
def serve(env: dict[str, str], log: Path, wait_ready: bool = True) -> Iterator[Server]:
    """`lakehouse serve` on a free port; stopped with SIGTERM (a graceful shutdown) at the end
    unless the test killed it."""
    port = free_port()
    with log.open("w") as output:
        process = subprocess.Popen(
            [LAKEHOUSE_CLI, "serve", "--port", str(port), "--log-level", "warning"],
            env=env, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    server = Server(process, f"http://127.0.0.1:{port}", log)
    try:
        wait_for(lambda: server.status("/health/live") == 200, what=f"the API to start ({log})")
        if wait_ready:
            wait_for(lambda: server.status("/health/ready") == 200, 120, f"readiness ({log})")
        yield server
    finally:
        server.client.close()
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait()


__all__ = ["BUILD", "build_lakehouse", "run", "serve", "wait_for"]
