"""The prediction API over HTTP on loopback beside `mlflow models serve` serving the same
registered demand version: single-row latency (p50, p99) and throughput per endpoint at 1 and
8 concurrent clients, and each server's peak memory. Reads the lakehouse at $LAKEHOUSE_DIR
(after `make demo`): its champion models and feature snapshot."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass

import httpx
import numpy as np
import psutil
from rich.console import Console
from rich.table import Table

from benchmarks.harness import BIN, write_report
from common.errors import LakehouseError
from common.settings import Settings
from ml import online_features, tracking
from ml.driving_style import FEATURES as STYLE_FEATURES
from ml.forecasting import DEMAND, DEMAND_FEATURES


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    url: str
    peak_rss_mb: float = 0.0

    def sample_memory(self) -> None:
        try:
            tree = [psutil.Process(self.process.pid)]
            tree += tree[0].children(recursive=True)
            rss = sum(p.memory_info().rss for p in tree) / 2**20
        except psutil.Error:
            return
        self.peak_rss_mb = max(self.peak_rss_mb, rss)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(name: str, command: list[str], port: int, ready: str, env: dict) -> Server:
    log = open(os.devnull, "w")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = Server(name, process, f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if httpx.get(server.url + ready, timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.5)
    _stop(server)
    raise LakehouseError(f"{name} did not become ready on {server.url}: run it by hand to see why.")


def _stop(server: Server) -> None:
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(30)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


def _load(server: Server, path: str, body: dict, clients: int, seconds: float) -> dict:
    """Clients each sending one request after the other for `seconds`: latencies and rate."""
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client() -> None:
        mine = []
        with httpx.Client(base_url=server.url, timeout=30) as http:
            while time.monotonic() < stop_at:
                started = time.perf_counter()
                answer = http.post(path, json=body)
                mine.append(time.perf_counter() - started)
                if answer.status_code != 200:
                    failures[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads):
        server.sample_memory()
        time.sleep(0.2)
    elapsed = time.monotonic() - began
    values = np.array(latencies) * 1000
    return {
        "server": server.name, "endpoint": path, "clients": clients, "requests": len(values),
        "failures": failures[0], "p50_ms": float(np.percentile(values, 50)),
        "p99_ms": float(np.percentile(values, 99)), "requests_per_s": len(values) / elapsed,
    }  # fmt: skip


def run_serve_benchmark(settings: Settings, seconds: float, workers: int, console: Console) -> None:
    snapshot = online_features.read(
        online_features.snapshot_path(settings.lakehouse_dir / "serving")
    )
    row = snapshot.sort_values("hour_at").groupby("zone_id").tail(1).iloc[0]
    champion = tracking.alias_version(DEMAND.registered_model)
    if champion is None:
        raise LakehouseError("no champion demand model: run `make demo` (dbt build) first.")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "LAKEHOUSE_DIR": str(settings.lakehouse_dir)}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"  # mlflow runs uvicorn by name
    api_port, mlflow_port = _free_port(), _free_port()
    api = _start("lakehouse serve", [str(BIN / "lakehouse"), "serve", "--port", str(api_port),
                 "--workers", str(workers), "--log-level", "warning"], api_port, "/health/ready",
                 env)  # fmt: skip
    try:
        mlflow = _start(
            "mlflow models serve",
            [str(BIN / "mlflow"), "models", "serve", "-m",
             f"models:/{DEMAND.registered_model}/{champion.version}", "--env-manager", "local",
             "--host", "127.0.0.1", "--port", str(mlflow_port), "--workers", str(workers)],
            mlflow_port, "/ping", env | {"MLFLOW_TRACKING_URI": tracking.mlflow_tracking_uri()},
        )  # fmt: skip
    except LakehouseError:
        _stop(api)
        raise
    zone = str(row["zone_id"])
    features = {
        name: (None if row[name] != row[name] else float(row[name])) for name in DEMAND_FEATURES
    }
    split = {"columns": list(DEMAND_FEATURES), "data": [list(features.values())]}
    cases: list[tuple[Server, str, dict]] = [
        (api, "/v1/demand/predict", {"zone_id": zone}),
        (api, "/v1/surge/predict", {"zone_id": zone, "requests": 30, "active_drivers": 6}),
        (api, "/v1/driving-style/predict", {"features": {n: 1.0 for n in STYLE_FEATURES}}),
        (mlflow, "/invocations", {"dataframe_split": split}),
    ]  # fmt: skip
    results = []
    try:
        for server, path, body in cases:
            _load(server, path, body, 1, 2)  # warm-up
            for clients in (1, 8):
                results.append(_load(server, path, body, clients, seconds))
    finally:
        _stop(api)
        _stop(mlflow)
    for item in results:
        item["peak_rss_mb"] = (api if item["server"] == api.name else mlflow).peak_rss_mb
        item["workers"] = workers
    _print(results, workers, console)
    write_report(settings, "serve", results, console)


def _print(results: list[dict], workers: int, console: Console) -> None:
    table = Table(title=f"Single-row predictions over HTTP on loopback, {workers} worker(s) each")
    for column in ("server", "endpoint", "clients", "p50 ms", "p99 ms", "req/s", "peak RSS MB"):
        table.add_column(column)
    for r in results:
        figures = (r["p50_ms"], r["p99_ms"], r["requests_per_s"], r["peak_rss_mb"])
        formatted = [f"{value:.1f}" for value in figures[:2]] + [f"{v:.0f}" for v in figures[2:]]
        table.add_row(r["server"], r["endpoint"], str(r["clients"]), *formatted)
    console.print(table)
