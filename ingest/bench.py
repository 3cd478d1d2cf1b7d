"""`lakehouse bench`: CSV -> Bronze throughput against DuckDB's raw CSV -> Parquet conversion.

Each step runs as its own process so its wall time and peak RSS are measured alone. Results
are printed and written to $LAKEHOUSE_DIR/reports/bench_ingest.json.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil
from rich.console import Console
from rich.table import Table

from ingest.bronze.csv_loader import data_lines
from ingest.config import Settings

RAW_CONVERSION = """
import duckdb, sys
duckdb.sql(
    "copy (select * from read_csv(?, all_varchar = true, header = true, ignore_errors = true))"
    " to '" + sys.argv[2] + "' (format parquet)",
    params=[sys.argv[1]],
)
"""


@dataclass(frozen=True)
class Step:
    seconds: float
    peak_rss_mb: float


def run_ingest_benchmark(settings: Settings, trip_counts: list[int], console: Console) -> None:
    """Generate each data size, then time the loader and the raw conversion on its trips."""
    machine = machine_description()
    console.print(f"Machine: {machine}")
    results = []
    for trips in trip_counts:
        work = settings.lakehouse_dir / "bench" / f"trips-{trips}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        env = {**os.environ, "LAKEHOUSE_DIR": str(work)}
        console.print(f"[bold]{trips:,} trips[/]: generating ...")
        generate = measure([_cli(), "generate", "mobility", "--trips", str(trips)], env)
        files = sorted((work / "landing" / "trips").glob("*.csv"))
        size_mb = sum(f.stat().st_size for f in files) / 1e6
        rows = sum(data_lines(f) for f in files)
        console.print(f"  {len(files)} trip files, {size_mb:,.0f} MB; loading into Bronze ...")
        ingest = measure([_cli(), "ingest", "csv", "--entity", "trips"], env)
        console.print("  raw DuckDB CSV -> Parquet conversion of the same files ...")
        raw = measure(
            [sys.executable, "-c", RAW_CONVERSION, str(work / "landing" / "trips" / "*.csv"),
             str(work / "raw.parquet")],
            env,
        )  # fmt: skip
        results.append(
            {
                "trips": trips,
                "rows": rows,
                "csv_mb": round(size_mb, 1),
                "generate": asdict(generate),
                "ingest": asdict(ingest),
                "raw_duckdb": asdict(raw),
                "ingest_rows_per_s": round(rows / ingest.seconds),
                "ingest_mb_per_s": round(size_mb / ingest.seconds, 1),
                "raw_rows_per_s": round(rows / raw.seconds),
                "ratio": round(raw.seconds / ingest.seconds, 2),
            }
        )
        shutil.rmtree(work)

    table = Table(title="CSV -> Bronze (trips files)", caption=f"on {machine}")
    headers = ("trips", "CSV MB", "gen s", "gen MB", "load s", "load MB", "rows/s", "MB/s")
    for column in (*headers, "raw s", "load/raw"):
        table.add_column(column, justify="right")
    for r in results:
        table.add_row(
            f"{r['trips']:,}",
            f"{r['csv_mb']:,.0f}",
            f"{r['generate']['seconds']:.1f}",
            f"{r['generate']['peak_rss_mb']:,.0f}",
            f"{r['ingest']['seconds']:.1f}",
            f"{r['ingest']['peak_rss_mb']:,.0f}",
            f"{r['ingest_rows_per_s']:,}",
            f"{r['ingest_mb_per_s']:,.1f}",
            f"{r['raw_duckdb']['seconds']:.1f}",
            f"{r['ratio']:.0%}",
        )
    console.print(table)
    write_report(settings, "ingest", results, console)


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


def _cli() -> str:
    return str(Path(sys.executable).parent / "lakehouse")


def measure(
    command: list[str], env: dict[str, str], capture: bool = False
) -> tuple[str, Step] | Step:
    """Run a command to completion; its wall time and its own peak resident memory.

    With `capture`, also returns what it printed.
    """
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE if capture else subprocess.DEVNULL, text=True
    )
    output = process.stdout.read() if capture else ""
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    _check(command, process.returncode, env)
    step = Step(seconds=round(seconds, 2), peak_rss_mb=round(usage.ru_maxrss / 1024, 1))
    return (output, step) if capture else step


def measure_tree(command: list[str], env: dict[str, str]) -> Step:
    """Like `measure`, but the peak is the summed RSS of the process and all its children,
    sampled every 0.2 s (for commands that start other processes, such as Spark's JVM)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    root, peak = psutil.Process(process.pid), 0
    while process.poll() is None:
        try:
            tree = [root, *root.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.NoSuchProcess:
            pass
        time.sleep(0.2)
    _check(command, process.returncode, env)
    return Step(seconds=round(time.perf_counter() - started, 2), peak_rss_mb=round(peak / 2**20))


class StepFailed(RuntimeError):
    """A measured command failed: nothing to measure. Its lakehouse is kept for a look."""


def _check(command: list[str], returncode: int, env: dict[str, str]) -> None:
    if returncode != 0:
        raise StepFailed(
            f"{Path(command[0]).name} {' '.join(command[1:])} failed (exit {returncode}); "
            f"its lakehouse is kept at {env.get('LAKEHOUSE_DIR')}, dbt's log in "
            f"{env.get('DBT_LOG_PATH', 'logs/')}"
        )
