"""`make bench-engines`: the same Silver, Gold and ML on DuckDB, on Spark in the dbt process
(`spark_local`) and on the project's Spark cluster through Spark Connect (`spark_connect`).

For each size the data are generated and landed once as Delta Lake Bronze (as `bench build`
does); then, per engine, `dbt seed` and `dbt run` of Silver, of Gold and of the ML layer each
run in their own process, timed, with the peak resident memory of the whole process tree
sampled (Spark's JVM is a child of dbt; for `spark_connect` the cluster's master, workers,
executors and server are added), then a no-change re-run of all three layers. Each engine has
an MLflow registry of its own, so each trains its models (with one registry, the second engine
would find the first one's versions and only score). Elementary's uploads are switched off on
every engine so that they time the models alone. The cluster is started once per size and
stopped after its runs.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from rich.console import Console
from rich.table import Table

from benchmarks.harness import BIN, landed_sizes, machine_description, measure_tree, write_report
from common.settings import Settings
from ops import spark

ENGINES = {
    "duckdb": [],
    "spark": ["--target", "spark_local"],
    "spark_connect": ["--target", "spark_connect"],
}
LAYERS = {"silver": ["staging", "intermediate"], "gold": ["marts"], "ml": ["path:models/ml"]}
RERUN = ["staging", "intermediate", "marts", "path:models/ml"]
NO_UPLOADS = json.dumps(
    {
        "disable_run_results": True,
        "disable_dbt_artifacts_autoupload": True,
        "disable_dbt_invocation_autoupload": True,
    }
)


def run_engines_benchmark(settings: Settings, trip_counts: list[int], console: Console) -> None:
    results: list[dict[str, Any]] = []
    for trips, work, env, _ in landed_sizes(settings, trip_counts, "engines", console):
        result: dict[str, Any] = {"trips": trips}
        for engine, target in ENGINES.items():
            run_env = env | {
                "DBT_TARGET_PATH": str(work / f"target-{engine}"),
                "MLFLOW_TRACKING_URI": f"sqlite:///{work / f'mlflow-{engine}.db'}",
            }
            if engine != "spark_connect":
                result |= _engine(engine, target, run_env, (), console)
                continue
            console.print(spark.start(work))
            try:
                cluster = tuple(spark.running(work).values())
                result |= _engine(engine, target, run_env, cluster, console)
            finally:
                console.print(spark.stop(work))
        results.append(result)

    for result in results:
        table = Table(title=f"{result['trips']:,} trips", caption=machine_description())
        table.add_column("layer")
        for engine in ENGINES:
            table.add_column(f"{engine} s", justify="right")
            table.add_column(f"{engine} peak MB", justify="right")
        for engine in list(ENGINES)[1:]:
            table.add_column(f"{engine} / duckdb", justify="right")
        for layer in (*LAYERS, "total", "rerun"):
            steps = {engine: _layer(result, engine, layer) for engine in ENGINES}
            table.add_row(
                layer,
                *(f"{v:,.1f}" for s in steps.values() for v in (s["seconds"], s["peak_rss_mb"])),
                *(
                    f"{steps[e]['seconds'] / steps['duckdb']['seconds']:.1f}x"
                    for e in list(ENGINES)[1:]
                ),
            )
        console.print(table)
    write_report(settings, "engines", results, console)


def _engine(
    engine: str, target: list[str], env: dict[str, str], also: tuple[int, ...], console: Console
) -> dict[str, Any]:
    """Seed, the three layers one by one, then a no-change re-run, on one engine."""
    dbt = str(BIN / "dbt")
    measure_tree([dbt, "seed", *target], env, also)
    steps = {**LAYERS, "rerun": RERUN}
    result = {}
    for layer, selection in steps.items():
        console.print(f"  {engine}: dbt run {layer} ...")
        command = [dbt, "run", *target, "--vars", NO_UPLOADS, "--select", *selection]
        result[f"{engine}_{layer}"] = asdict(measure_tree(command, env, also))
    return result


def _layer(result: dict, engine: str, layer: str) -> dict[str, float]:
    if layer != "total":
        return result[f"{engine}_{layer}"]
    steps = [result[f"{engine}_{name}"] for name in LAYERS]
    return {
        "seconds": sum(s["seconds"] for s in steps),
        "peak_rss_mb": max(s["peak_rss_mb"] for s in steps),
    }
