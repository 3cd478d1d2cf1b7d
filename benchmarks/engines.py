"""`make bench-engines`: the same Silver, Gold and ML on DuckDB and on Spark (`spark_local`).

For each size the data are generated and landed once (as `bench build` does, but as plain
Parquet Bronze, which both engines read: this Spark has no Delta reader); then, per engine,
`dbt seed` and `dbt run` of Silver, of Gold and of the ML layer each run in their own process,
timed, with the peak resident memory of the whole process tree sampled (Spark's JVM is a child
of dbt). Each engine has an MLflow registry of its own, so each trains its models (with one
registry, the second engine would find the first one's versions and only score). Elementary's
uploads are switched off on both engines so that they time the models alone.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from rich.console import Console
from rich.table import Table

from benchmarks.harness import BIN, landed_sizes, machine_description, measure_tree, write_report
from common.settings import Settings

ENGINES = {"duckdb": [], "spark": ["--target", "spark_local"]}
LAYERS = {"silver": ["staging", "intermediate"], "gold": ["marts"], "ml": ["path:models/ml"]}
NO_UPLOADS = json.dumps(
    {
        "disable_run_results": True,
        "disable_dbt_artifacts_autoupload": True,
        "disable_dbt_invocation_autoupload": True,
    }
)


def run_engines_benchmark(settings: Settings, trip_counts: list[int], console: Console) -> None:
    dbt = str(BIN / "dbt")
    results: list[dict[str, Any]] = []
    for trips, work, env, _ in landed_sizes(settings, trip_counts, "engines", console, "parquet"):
        result: dict[str, Any] = {"trips": trips}
        for engine, target in ENGINES.items():
            run_env = env | {
                "DBT_TARGET_PATH": str(work / f"target-{engine}"),
                "MLFLOW_TRACKING_URI": f"sqlite:///{work / f'mlflow-{engine}.db'}",
            }
            measure_tree([dbt, "seed", *target], run_env)
            for layer, selection in LAYERS.items():
                console.print(f"  {engine}: dbt run {layer} ...")
                command = [dbt, "run", *target, "--vars", NO_UPLOADS, "--select", *selection]
                result[f"{engine}_{layer}"] = asdict(measure_tree(command, run_env))
        results.append(result)

    for result in results:
        table = Table(title=f"{result['trips']:,} trips", caption=machine_description())
        for column in ("layer", "DuckDB s", "DuckDB peak MB", "Spark s", "Spark peak MB", "ratio"):
            table.add_column(column, justify="left" if column == "layer" else "right")
        for layer in (*LAYERS, "total"):
            duck, spark = _layer(result, "duckdb", layer), _layer(result, "spark", layer)
            table.add_row(
                layer,
                f"{duck['seconds']:.1f}",
                f"{duck['peak_rss_mb']:,.0f}",
                f"{spark['seconds']:.1f}",
                f"{spark['peak_rss_mb']:,.0f}",
                f"{spark['seconds'] / duck['seconds']:.1f}x",
            )
        console.print(table)
    write_report(settings, "engines", results, console)


def _layer(result: dict, engine: str, layer: str) -> dict[str, float]:
    if layer != "total":
        return result[f"{engine}_{layer}"]
    steps = [result[f"{engine}_{name}"] for name in LAYERS]
    return {
        "seconds": sum(s["seconds"] for s in steps),
        "peak_rss_mb": max(s["peak_rss_mb"] for s in steps),
    }
