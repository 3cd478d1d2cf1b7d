"""`make bench-ml`: the ML models' training and scoring time and memory at a data size.

For each size: load the data as `bench build` does, time the whole `dbt build` (Silver, Gold,
ML and every test - the figure the demo-scale target is about), then run each ML Python model
alone in its own process against a fresh MLflow store (so training really trains and scoring
really scores, with `--full-refresh`), measuring wall time and the process's peak RSS (dbt's
own start-up included), with the training-set size from the training tables.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import duckdb
from rich.console import Console
from rich.table import Table

from benchmarks.harness import BIN, landed_sizes, machine_description, measure, write_report
from common.queries import one_row
from common.settings import Settings

# Per use case: its training model (whose rows give the training-set size) and scoring model.
USE_CASES = {
    "driving_style": ("ml_driving_style_training", "ml_driving_style_scores"),
    "demand_forecasting": ("ml_demand_training", "ml_demand_forecasts"),
    "surge_pricing": ("ml_surge_training", "ml_surge_predictions"),
}
MONITORING = ("ml_feature_drift", "ml_prediction_drift", "ml_model_performance")


def run_ml_benchmark(settings: Settings, trip_counts: list[int], console: Console) -> None:
    dbt = str(BIN / "dbt")
    results: list[dict[str, Any]] = []
    for trips, work, env, _ in landed_sizes(settings, trip_counts, "ml", console):
        console.print("  dbt build (Silver, Gold, ML, tests) ...")
        build = measure([dbt, "build"], env)
        env["MLFLOW_TRACKING_URI"] = f"sqlite:///{work / 'bench-mlflow.db'}"
        models: dict[str, dict[str, Any]] = {}
        for model in [*(m for pair in USE_CASES.values() for m in pair), *MONITORING]:
            console.print(f"  {model} alone ...")
            models[model] = asdict(measure([dbt, "run", "--select", model, "--full-refresh"], env))
        results.append(
            {
                "trips": trips,
                "build": asdict(build),
                "models": models,
                "training_rows": _training_rows(work / "warehouse.duckdb"),
            }
        )

    for result in results:
        built = result["build"]
        table = Table(
            title=f"{result['trips']:,} trips: dbt build (all layers and tests) "
            f"{built['seconds']:.1f} s, peak RSS {built['peak_rss_mb']:,.0f} MB",
            caption=machine_description(),
        )
        for column in ("model", "training rows", "seconds", "peak RSS MB"):
            table.add_column(column, justify="left" if column == "model" else "right")
        for model, step in result["models"].items():
            rows = result["training_rows"].get(model)
            table.add_row(
                model,
                f"{rows:,}" if rows else "",
                f"{step['seconds']:.1f}",
                f"{step['peak_rss_mb']:,.0f}",
            )
        console.print(table)
    write_report(settings, "ml", results, console)


def _training_rows(warehouse: Path) -> dict[str, int]:
    rows: dict[str, int] = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for training, _ in USE_CASES.values():
            query = f"select max(training_rows) from ml.{training}"
            (rows[training],) = one_row(con.execute(query))
    return rows
