"""`python -m benchmarks <name>`: the benchmarks behind `make bench-*` (run from the checkout).

Each prints its figures with the machine and the data size and writes them to
$LAKEHOUSE_DIR/reports/bench_<name>.json; benchmarks/README.md holds the current figures.
"""

from __future__ import annotations

from typing import Annotated

import typer

from common.settings import load_settings
from ops.cli.app import LakehouseGroup
from ops.cli.output import console

app = typer.Typer(cls=LakehouseGroup, help=__doc__, no_args_is_help=True)
Trips = Annotated[list[int] | None, typer.Option(help="Trip counts to measure (repeatable).")]


@app.command("ingest")
def ingest_command(trips: Trips = None) -> None:
    """CSV -> Bronze throughput against DuckDB's raw CSV -> Parquet conversion."""
    from benchmarks.ingest import run_ingest_benchmark

    run_ingest_benchmark(load_settings(), trips or [1_000_000, 10_000_000], console)


@app.command("build")
def build_command(trips: Trips = None) -> None:
    """Silver and Gold build times and memory on DuckDB (and a no-change re-run)."""
    from benchmarks.build import run_build_benchmark

    run_build_benchmark(load_settings(), trips or [1_000_000, 10_000_000], console)


@app.command("engines")
def engines_command(trips: Trips = None) -> None:
    """Silver, Gold and ML on DuckDB and on Spark (spark_local): time and peak memory."""
    from benchmarks.engines import run_engines_benchmark

    run_engines_benchmark(load_settings(), trips or [1_000_000], console)


@app.command("ml")
def ml_command(trips: Trips = None) -> None:
    """The ML models' training and scoring time and memory, and the whole dbt build."""
    from benchmarks.ml import run_ml_benchmark

    run_ml_benchmark(load_settings(), trips or [200_000, 10_000_000], console)


@app.command("stream")
def stream_command(
    vehicles: Annotated[int, typer.Option(help="Vehicles in the simulation.")] = 200,
    minutes: Annotated[float, typer.Option(help="Simulated minutes (one reading/s).")] = 50.0,
) -> None:
    """Simulator, producer, lander and raw-consume rates on the same broker."""
    from benchmarks.stream import run_stream_benchmark

    run_stream_benchmark(load_settings(), vehicles, minutes, console)


@app.command("serve")
def serve_command(
    seconds: Annotated[
        float, typer.Option(min=1, max=600, help="Seconds of load per endpoint and concurrency.")
    ] = 10.0,
    workers: Annotated[
        int, typer.Option(min=1, max=16, help="Worker processes of each server.")
    ] = 1,
) -> None:
    """The prediction API against `mlflow models serve` on the same demand version, over HTTP."""
    from benchmarks.serve import run_serve_benchmark

    run_serve_benchmark(load_settings(), seconds, workers, console)


if __name__ == "__main__":
    app()
