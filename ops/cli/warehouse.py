"""`lakehouse deps`, `lakehouse report` and `lakehouse summary`: the dbt side of operations."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from common.settings import env, load_settings
from ops.cli.output import console, table


def deps_command(
    edr: Annotated[
        bool, typer.Option(help="Also install the packages of edr's internal dbt project.")
    ] = True,
) -> None:
    """Install the dbt packages (dbt deps, or the offline mirror in $DBT_PACKAGES_MIRROR)."""
    from ops.dbt_packages import edr_project_dir, install_packages

    settings = load_settings()
    projects = {"project": settings.project_dir}
    if edr:
        projects["edr"] = edr_project_dir()
    for label, project_dir in projects.items():
        outcome = install_packages(project_dir, settings.packages_mirror)
        console.print(f"dbt packages ({label}): {outcome}")


def report_command(
    target: Annotated[
        str | None,
        typer.Option(
            help="The dbt target whose warehouse to report on: dev (DuckDB), or spark / "
            "spark_connect (a Spark cluster, through its Thrift server). Default: $DBT_TARGET."
        ),
    ] = None,
) -> None:
    """Build Elementary's observability report of the dbt runs so far, offline."""
    from ops.report import build_report

    settings = load_settings()
    started = time.perf_counter()
    with console.status("edr report: reading the Elementary tables and rendering..."):
        report = build_report(settings, target or env("DBT_TARGET"))
    console.print(f"Elementary report: {report} ({time.perf_counter() - started:.0f} s)")


def summary_command(
    started_at: Annotated[
        float | None, typer.Option(help="Unix time the run started, for the wall time.")
    ] = None,
) -> None:
    """Print rows per layer, the last dbt run's test results and what to open next."""
    from ops.summary import layer_counts, test_results

    settings = load_settings()
    rows = table(
        "Rows per layer",
        ["entity", "files", "landing", "bronze", "rejects", "silver", "rejected", "dupes"],
        caption="rejects: unparseable lines kept in Bronze; rejected: rows that break a "
        "Silver rule; duplicates: older or repeated deliveries of a key",
    )
    for row in layer_counts(settings):
        rows.add_row(row.entity, *(f"{v:,}" if v is not None else "-" for v in row.values()))
    console.print(rows)

    tests = test_results(settings.target_path / "run_results.json")
    if tests:
        console.print(
            f"dbt: {tests.get('pass', 0)} tests passed, {tests.get('warn', 0)} warned, "
            f"{tests.get('fail', 0) + tests.get('error', 0)} failed; "
            f"{tests.get('models', 0)} models built."
        )
    if started_at:
        console.print(f"Wall time: {time.time() - started_at:.0f} s.")
    console.print(
        f"Next: query {settings.warehouse_path} with any DuckDB 1.5 client "
        "(schemas silver, gold and reference), browse the models and their lineage with "
        "`make docs`, "
        "or run `make demo` again: it reuses what is installed and changes no numbers."
    )
