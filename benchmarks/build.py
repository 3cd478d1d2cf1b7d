"""`make bench-build`: Silver and Gold build times and memory on DuckDB at a data size.

For each size: generate the trips, stream proportional telemetry (600,000 events per million
trips) through the embedded broker, land both, then time in separate processes `dbt run` of
Silver, of Gold, a no-change re-run of both (what the incremental models cost when nothing
arrived), and `dbt test`. The slowest models come from dbt's run_results.json.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from benchmarks.harness import (
    BIN,
    VEHICLES,
    landed_sizes,
    machine_description,
    measure,
    write_report,
)
from common.settings import Settings


def run_build_benchmark(settings: Settings, trip_counts: list[int], console: Console) -> None:
    dbt = str(BIN / "dbt")
    results: list[dict[str, Any]] = []
    for trips, work, env, minutes in landed_sizes(settings, trip_counts, "build", console):
        steps: dict[str, dict[str, Any]] = {}
        for label, command in (
            ("silver", [dbt, "run", "--select", "staging", "intermediate"]),
            ("gold", [dbt, "run", "--select", "marts"]),
        ):
            console.print(f"  dbt run: {label} ...")
            steps[label] = asdict(measure(command, env))
            if label == "gold":
                slowest = _slowest_models(work / "target" / "run_results.json")
                silver_slowest = _slowest_models(work / "target" / "run_results.silver.json")
            else:
                shutil.copy(
                    work / "target" / "run_results.json",
                    work / "target" / "run_results.silver.json",
                )
        console.print("  dbt run: no-change re-run of silver and gold ...")
        steps["rerun"] = asdict(
            measure([dbt, "run", "--select", "staging", "intermediate", "marts"], env)
        )
        # The tests of Silver and Gold; not Elementary's, whose tables this run does not build.
        console.print("  dbt test (Silver and Gold) ...")
        select = ["--select", "staging", "intermediate", "marts"]
        select += ["--exclude", "tag:elementary-tests"]
        steps["test"] = asdict(measure([dbt, "test", *select], env))
        models = sorted(silver_slowest + slowest, key=lambda m: -m[1])[:10]
        results.append({"trips": trips, "telemetry_minutes": minutes, "steps": steps,
                        "slowest_models": models})  # fmt: skip

    for result in results:
        steps = result["steps"]
        build = steps["silver"]["seconds"] + steps["gold"]["seconds"]
        table = Table(
            title=f"{result['trips']:,} trips, {VEHICLES} vehicles x "
            f"{result['telemetry_minutes']} min of telemetry",
            caption=machine_description(),
        )
        for column in ("step", "seconds", "peak RSS MB"):
            table.add_column(column, justify="left" if column == "step" else "right")
        for label in ("silver", "gold", "rerun", "test"):
            table.add_row(
                label, f"{steps[label]['seconds']:.1f}", f"{steps[label]['peak_rss_mb']:,.0f}"
            )
        console.print(table)
        console.print(
            f"Silver + Gold: {build:.1f} s; no-change re-run: {steps['rerun']['seconds']:.1f} s "
            f"({steps['rerun']['seconds'] / build:.0%} of the build). Slowest models: "
            + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in result["slowest_models"])
        )
    write_report(settings, "build", results, console)


def _slowest_models(run_results: Path) -> list[tuple[str, float]]:
    results = json.loads(run_results.read_text())["results"]
    timed = [
        (r["unique_id"].split(".")[-1], round(r["execution_time"], 2))
        for r in results
        if r["unique_id"].startswith("model.mobility_lakehouse.")
    ]
    return sorted(timed, key=lambda m: -m[1])[:10]
