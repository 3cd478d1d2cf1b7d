"""The `lakehouse` command line: generate, ingest, install dbt packages, summarise, benchmark."""

from __future__ import annotations

import os
import time
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ingest.config import load_settings
from ingest.mobility.schema import ENTITIES

app = typer.Typer(help="Mobility lakehouse: synthetic data, Bronze ingestion, dbt helpers.")
generate_app = typer.Typer(help="Generate synthetic source data.")
ingest_app = typer.Typer(help="Land source data in Bronze.")
app.add_typer(generate_app, name="generate")
app.add_typer(ingest_app, name="ingest")
console = Console()


def _fail(message: str) -> None:
    console.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(1)


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


@generate_app.command("mobility")
def generate_mobility_command(
    trips: Annotated[int, typer.Option(help="Trip requests to generate.")] = 200_000,
    days: Annotated[int, typer.Option(help="Days of data, one file per entity per day.")] = 28,
    start_date: Annotated[str, typer.Option(help="First day (YYYY-MM-DD).")] = "2026-01-05",
    zones: Annotated[int, typer.Option(help="City zones.")] = 30,
    seed: Annotated[int, typer.Option(help="Random seed; same seed, same files.")] = 42,
    bad_fraction: Annotated[
        float, typer.Option(help="Share of trip records that are deliberately bad.")
    ] = 0.01,
) -> None:
    """Write synthetic ride-hailing CSV files to $LAKEHOUSE_DIR/landing/."""
    from ingest.mobility.generator import GeneratorConfig, generate_mobility

    try:
        config = GeneratorConfig(
            trips=trips,
            days=days,
            start_date=date.fromisoformat(start_date),
            zones=zones,
            seed=seed,
            bad_fraction=bad_fraction,
        )
    except ValueError as error:
        _fail(f"invalid option: {error}.")
    settings = load_settings()
    started = time.perf_counter()
    with _progress() as progress:
        task = progress.add_task("Generating days", total=config.days)
        report = generate_mobility(
            config, settings.landing_dir, on_day=lambda n: progress.update(task, completed=n)
        )
    table = Table(title=f"Landing files in {settings.landing_dir}")
    table.add_column("entity")
    table.add_column("files", justify="right")
    table.add_column("rows", justify="right")
    for entity in ENTITIES:
        table.add_row(entity, str(report.files[entity]), f"{report.rows[entity]:,}")
    console.print(table)
    bad = sum(report.bad_records.values())
    console.print(
        f"{bad:,} deliberately bad trip records "
        f"({', '.join(f'{k} {v}' for k, v in sorted(report.bad_records.items()))}); "
        f"done in {time.perf_counter() - started:.1f} s."
    )


@ingest_app.command("csv")
def ingest_csv_command(
    entity: Annotated[
        list[str] | None, typer.Option(help="Only these entities (repeatable).")
    ] = None,
) -> None:
    """Land every CSV file of $LAKEHOUSE_DIR/landing/ in the Bronze Delta tables."""
    from ingest.bronze.csv_loader import ingest_files, landing_files

    settings = load_settings()
    entities = entity or list(ENTITIES)
    unknown = sorted(set(entities) - set(ENTITIES))
    if unknown:
        _fail(f"unknown entity '{unknown[0]}'; choose from {', '.join(ENTITIES)}.")
    if not settings.landing_dir.is_dir():
        _fail(
            f"no landing directory at {settings.landing_dir}: "
            "run `lakehouse generate mobility` first or set LAKEHOUSE_DIR."
        )
    files = landing_files(settings.landing_dir, entities)
    if not files:
        _fail(f"no CSV files under {settings.landing_dir}/<entity>/ to ingest.")

    started = time.perf_counter()
    with _progress() as progress:
        task = progress.add_task("Ingesting files", total=len(files))
        results = ingest_files(
            files, settings.lakehouse_dir, on_file=lambda _: progress.advance(task)
        )
    elapsed = time.perf_counter() - started

    table = Table(title="CSV -> Bronze")
    for column in ("entity", "files loaded", "already in Bronze", "refused", "rows landed"):
        table.add_column(column, justify="left" if column == "entity" else "right")
    table.add_column("lines rejected", justify="right")
    for name in entities:
        mine = [r for r in results if r.entity == name]
        if not mine:
            continue
        table.add_row(
            name,
            str(sum(r.status == "loaded" for r in mine)),
            str(sum(r.status == "skipped" for r in mine)),
            str(sum(r.status == "refused" for r in mine)),
            f"{sum(r.rows for r in mine):,}",
            f"{sum(r.rejects for r in mine):,}",
        )
    console.print(table)
    megabytes = sum(r.size_bytes for r in results if r.status == "loaded") / 1e6
    console.print(f"{megabytes:,.1f} MB loaded in {elapsed:.1f} s.")
    refused = [r for r in results if r.status == "refused"]
    for result in refused:
        console.print(f"[bold red]refused:[/] {result.message}")
    if refused:
        raise typer.Exit(2)


@app.command("deps")
def deps_command(
    edr: Annotated[
        bool, typer.Option(help="Also install the packages of edr's internal dbt project.")
    ] = True,
) -> None:
    """Install the dbt packages (dbt deps, or the offline mirror in $DBT_PACKAGES_MIRROR)."""
    from ingest.dbt_deps import DepsError, install_packages

    load_settings()
    mirror = Path(os.environ.get("DBT_PACKAGES_MIRROR", "~/.cache/dbt-mirror")).expanduser()
    projects = {"project": Path.cwd()}
    if edr:
        import elementary

        projects["edr"] = Path(elementary.__file__).parent / "monitor" / "dbt_project"
    for label, project_dir in projects.items():
        try:
            outcome = install_packages(project_dir, mirror)
        except DepsError as error:
            _fail(str(error))
        console.print(f"dbt packages ({label}): {outcome}")


@app.command("summary")
def summary_command(
    started_at: Annotated[
        float | None, typer.Option(help="Unix time the run started, for the wall time.")
    ] = None,
) -> None:
    """Print rows per layer, the last dbt run's test results and what to open next."""
    from ingest.summary import layer_counts, test_results

    settings = load_settings()
    counts = layer_counts(settings)
    table = Table(
        title="Rows per layer",
        caption="rejects: unparseable lines kept in Bronze; rejected: rows that break a "
        "Silver rule; duplicates: older or repeated deliveries of a key",
    )
    headers = ("entity", "files", "landing", "bronze", "rejects", "silver", "rejected", "dupes")
    for column in headers:
        table.add_column(column, justify="left" if column == "entity" else "right")
    for row in counts:
        table.add_row(row.entity, *(f"{v:,}" if v is not None else "-" for v in row.values()))
    console.print(table)

    tests = test_results(Path("target/run_results.json"))
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
        "(schemas silver and reference), browse the models and their lineage with `make docs`, "
        "or run `make demo` again: it reuses what is installed and changes no numbers."
    )


@app.command("bench")
def bench_command(
    trips: Annotated[
        list[int] | None, typer.Option(help="Trip counts to measure (repeatable).")
    ] = None,
) -> None:
    """Measure CSV → Bronze throughput against DuckDB's raw CSV → Parquet conversion."""
    from ingest.bench import run_ingest_benchmark

    settings = load_settings()
    run_ingest_benchmark(settings, trips or [1_000_000, 10_000_000], console)
