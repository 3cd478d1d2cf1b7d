"""`lakehouse bench engines`: the same Silver and Gold on DuckDB and on Spark (`spark_local`).

For each size the data are generated and landed once (as `bench build` does); then, per engine,
`dbt seed` and `dbt run` of Silver and of Gold each run in their own process, timed, with the
peak resident memory of the whole process tree sampled (Spark's JVM is a child of dbt). The
ML layer is not compared: it does not run on Spark yet. Elementary's uploads are switched off
on both engines so that they time the models alone.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psutil
from rich.console import Console
from rich.table import Table

from ingest.bench import machine_description
from ingest.bench_build import bench_environment, load_bench_data
from ingest.config import Settings
from ingest.telemetry import broker
from ingest.telemetry.kafka import KafkaSettings

ENGINES = {"duckdb": [], "spark": ["--target", "spark_local"]}
LAYERS = {"silver": ["staging", "intermediate"], "gold": ["marts"]}
NO_UPLOADS = json.dumps(
    {
        "disable_run_results": True,
        "disable_dbt_artifacts_autoupload": True,
        "disable_dbt_invocation_autoupload": True,
    }
)


def run_engines_benchmark(settings: Settings, trip_counts: list[int], console: Console) -> None:
    console.print(f"Machine: {machine_description()}")
    dbt = str(Path(sys.executable).parent / "dbt")
    console.print(broker.start(KafkaSettings.from_env(), settings.lakehouse_dir))
    results = []
    try:
        for trips in trip_counts:
            work = settings.lakehouse_dir / "bench" / f"engines-{trips}"
            env = bench_environment(work)
            load_bench_data(trips, env, console)
            result = {"trips": trips}
            for engine, target in ENGINES.items():
                run_env = env | {"DBT_TARGET_PATH": str(work / f"target-{engine}")}
                _measure_tree([dbt, "seed", *target], run_env)
                for layer, selection in LAYERS.items():
                    console.print(f"  {engine}: dbt run {layer} ...")
                    command = [dbt, "run", *target, "--vars", NO_UPLOADS, "--select", *selection]
                    result[f"{engine}_{layer}"] = _measure_tree(command, run_env)
            results.append(result)
            shutil.rmtree(work)
    finally:
        console.print(broker.stop(settings.lakehouse_dir))

    for result in results:
        table = Table(title=f"{result['trips']:,} trips", caption=machine_description())
        for column in ("layer", "DuckDB s", "DuckDB peak MB", "Spark s", "Spark peak MB", "ratio"):
            table.add_column(column, justify="left" if column == "layer" else "right")
        for layer in (*LAYERS, "total"):
            duck, spark = _layer(result, "duckdb", layer), _layer(result, "spark", layer)
            table.add_row(
                layer,
                f"{duck['seconds']:.1f}",
                f"{duck['peak_mb']:,.0f}",
                f"{spark['seconds']:.1f}",
                f"{spark['peak_mb']:,.0f}",
                f"{spark['seconds'] / duck['seconds']:.1f}x",
            )
        console.print(table)
    report = settings.reports_dir / "bench_engines.json"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(json.dumps({"machine": machine_description(), "results": results}, indent=2))
    console.print(f"Written to {report}")


def _layer(result: dict, engine: str, layer: str) -> dict[str, float]:
    if layer != "total":
        return result[f"{engine}_{layer}"]
    steps = [result[f"{engine}_{name}"] for name in LAYERS]
    return {
        "seconds": sum(s["seconds"] for s in steps),
        "peak_mb": max(s["peak_mb"] for s in steps),
    }


def _measure_tree(command: list[str], env: dict[str, str]) -> dict[str, float]:
    """Run a command; its wall time and the peak summed RSS of it and its children."""
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
    if process.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed with exit code {process.returncode} "
            f"(dbt's log: {env['DBT_LOG_PATH']})"
        )
    return {"seconds": round(time.perf_counter() - started, 2), "peak_mb": round(peak / 2**20)}
