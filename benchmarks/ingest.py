"""`make bench-ingest`: CSV -> Bronze throughput against DuckDB's raw CSV -> Parquet conversion.

Each data size is generated, its trip files loaded into Bronze with `lakehouse ingest csv`, and
the same files converted by DuckDB's own `COPY (SELECT * FROM read_csv(...)) TO ...parquet`.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import asdict
from typing import Any

from rich.console import Console
from rich.table import Table

from benchmarks.harness import BIN, machine_description, measure, write_report
from common.settings import Settings
from ingest.loaders.csv_loader import data_lines

RAW_CONVERSION = """
import duckdb, sys
duckdb.sql(
    "copy (select * from read_csv(?, all_varchar = true, header = true, ignore_errors = true))"
    " to '" + sys.argv[2] + "' (format parquet)",
    params=[sys.argv[1]],
)
"""


def run_ingest_benchmark(settings: Settings, trip_counts: list[int], console: Console) -> None:
    """Generate each data size, then time the loader and the raw conversion on its trips."""
    machine = machine_description()
    console.print(f"Machine: {machine}")
    results: list[dict[str, Any]] = []
    for trips in trip_counts:
        work = settings.lakehouse_dir / "bench" / f"trips-{trips}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        env = {**os.environ, "LAKEHOUSE_DIR": str(work)}
        console.print(f"[bold]{trips:,} trips[/]: generating ...")
        generate = measure(
            [str(BIN / "lakehouse"), "generate", "mobility", "--trips", str(trips)], env
        )
        files = sorted((work / "landing" / "trips").glob("*.csv"))
        size_mb = sum(f.stat().st_size for f in files) / 1e6
        rows = sum(data_lines(f) for f in files)
        console.print(f"  {len(files)} trip files, {size_mb:,.0f} MB; loading into Bronze ...")
        ingest = measure([str(BIN / "lakehouse"), "ingest", "csv", "--entity", "trips"], env)
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
