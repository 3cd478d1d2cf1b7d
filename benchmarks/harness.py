"""The one benchmark harness: every step runs as its own process, timed, with its peak memory
(its own, or its whole process tree's), in a fresh lakehouse of its own under
$LAKEHOUSE_DIR/bench; results are printed and written, with the machine, to
$LAKEHOUSE_DIR/reports/bench_<name>.json."""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
from rich.console import Console

from common.errors import LakehouseError
from common.settings import Settings, dbt_project_dir
from ingest.kafka import KafkaSettings
from ops import broker

EVENTS_PER_MILLION_TRIPS = 600_000
VEHICLES = 200
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Step:
    seconds: float
    peak_rss_mb: float


def write_report(settings: Settings, name: str, results: list[dict], console: Console) -> None:
    """Write a benchmark's results, with the machine, to reports/bench_<name>.json."""
    report = settings.reports_dir / f"bench_{name}.json"
    report.parent.mkdir(parents=True, exist_ok=True)
    document = {"machine": machine_description(), "results": results}
    report.write_text(json.dumps(document, indent=2) + "\n")
    console.print(f"Written to {report}")


def machine_description() -> str:
    return (
        f"{platform.processor() or platform.machine()}, {psutil.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB, Python {platform.python_version()}"
    )


def measure(command: list[str], env: dict[str, str]) -> Step:
    """Run a command to completion; its wall time and its own peak resident memory."""
    return _measured(command, env, capture=False)[1]


def measure_output(command: list[str], env: dict[str, str]) -> tuple[str, Step]:
    """Like `measure`, and also returns what the command printed."""
    return _measured(command, env, capture=True)


def _measured(command: list[str], env: dict[str, str], capture: bool) -> tuple[str, Step]:
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE if capture else subprocess.DEVNULL, text=True
    )
    output = ""
    if process.stdout is not None:  # only with `capture`
        output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    _check(command, process.returncode, env)
    return output, Step(seconds=round(seconds, 2), peak_rss_mb=round(usage.ru_maxrss / 1024, 1))


def measure_tree(command: list[str], env: dict[str, str], also: tuple[int, ...] = ()) -> Step:
    """Like `measure`, but the peak is the summed RSS of the process and all its children,
    sampled every 0.2 s (for commands that start other processes, such as Spark's JVM), and of
    the processes `also` names with theirs (a Spark cluster's daemons, which dbt talks to)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    roots, peak = [psutil.Process(pid) for pid in (process.pid, *also)], 0
    while process.poll() is None:
        try:
            tree = [p for root in roots for p in (root, *root.children(recursive=True))]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.NoSuchProcess:
            pass
        time.sleep(0.2)
    _check(command, process.returncode, env)
    return Step(seconds=round(time.perf_counter() - started, 2), peak_rss_mb=round(peak / 2**20))


class StepFailed(LakehouseError):
    """A measured command failed: nothing to measure. Its lakehouse is kept for a look."""


def _check(command: list[str], returncode: int, env: dict[str, str]) -> None:
    if returncode != 0:
        raise StepFailed(
            f"{Path(command[0]).name} {' '.join(command[1:])} failed (exit {returncode}); "
            f"its lakehouse is kept at {env.get('LAKEHOUSE_DIR')}, dbt's log in "
            f"{env.get('DBT_LOG_PATH', 'logs/')}"
        )


def landed_sizes(
    settings: Settings,
    trip_counts: list[int],
    name: str,
    console: Console,
    bronze_format: str = "delta",
) -> Iterator[tuple[int, Path, dict[str, str], int]]:
    """For each size, a fresh lakehouse under $LAKEHOUSE_DIR/bench with the data landed in
    Bronze of `bronze_format`: yields (trips, its directory, the environment for commands,
    simulated minutes) and removes the directory once the caller is done with it. The embedded
    broker runs meanwhile.
    """
    console.print(f"Machine: {machine_description()}")
    console.print(broker.start(KafkaSettings.from_env(), settings.lakehouse_dir))
    try:
        for trips in trip_counts:
            work = settings.lakehouse_dir / "bench" / f"{name}-{trips}"
            env = bench_environment(work) | {"BRONZE_FORMAT": bronze_format}
            minutes = load_bench_data(trips, env, console)
            yield trips, work, env, minutes
            shutil.rmtree(work)
    finally:
        console.print(broker.stop(settings.lakehouse_dir))


def bench_environment(work: Path) -> dict[str, str]:
    """A fresh lakehouse directory for one benchmark size, and the environment pointing at it."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    return {
        **os.environ,
        "LAKEHOUSE_DIR": str(work),
        "DBT_PROFILES_DIR": str(dbt_project_dir()),
        "DBT_TARGET_PATH": str(work / "target"),
        "DBT_LOG_PATH": str(work / "logs"),
        "KAFKA_TOPIC_TELEMETRY": f"bench.{uuid.uuid4().hex[:8]}",
    }


def load_bench_data(trips: int, env: dict[str, str], console: Console) -> int:
    """Generate `trips` trips and proportional telemetry (the broker must be running), land
    both in Bronze and load the seeds; returns the simulated minutes."""
    lakehouse, dbt = str(BIN / "lakehouse"), str(BIN / "dbt")
    minutes = max(1, round(trips / 1e6 * EVENTS_PER_MILLION_TRIPS / VEHICLES / 60))
    console.print(f"[bold]{trips:,} trips[/], {VEHICLES} vehicles x {minutes} min: loading ...")
    for command in (
        [lakehouse, "generate", "mobility", "--trips", str(trips)],
        [lakehouse, "simulate", "--vehicles", str(VEHICLES), "--minutes", str(minutes)],
        [lakehouse, "land", "--until-idle", "3"],
        [lakehouse, "ingest", "csv"],
        [dbt, "seed"],
    ):
        measure(command, env)
    return minutes
