"""`lakehouse init` and `lakehouse ingest`: the Bronze tables and the CSV loader."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from common.errors import LakehouseError
from common.settings import load_settings
from ingest.bronze.tables import ensure_bronze_tables
from ingest.contracts.bronze import CSV_ENTITIES
from ops.cli.output import console, progress, table, warn

app = typer.Typer(help="Land source data in Bronze.", no_args_is_help=True)


class FilesRefused(LakehouseError):
    """Some landing files were refused; the others loaded."""

    exit_code = 2


def init_command() -> None:
    """Create $LAKEHOUSE_DIR and the empty Bronze tables dbt reads (safe to repeat)."""
    settings = load_settings()
    created = ensure_bronze_tables(settings.bronze_dir)
    console.print(
        f"Bronze tables in {settings.bronze_dir}: "
        + (f"created {', '.join(created)}." if created else "all present.")
    )


@app.command("csv")
def csv_command(
    entity: Annotated[
        list[str] | None, typer.Option(help="Only these entities (repeatable).")
    ] = None,
) -> None:
    """Land every CSV file of $LAKEHOUSE_DIR/landing/ in the Bronze tables."""
    from ingest.loaders.csv_loader import ignored_entries, ingest_files, landing_files

    settings = load_settings()
    entities = entity or list(CSV_ENTITIES)
    unknown = sorted(set(entities) - set(CSV_ENTITIES))
    if unknown:
        raise LakehouseError(
            f"unknown entity '{unknown[0]}'; choose from {', '.join(CSV_ENTITIES)}."
        )
    if not settings.landing_dir.is_dir():
        raise LakehouseError(
            f"no landing directory at {settings.landing_dir}: "
            "run `lakehouse generate mobility` first or set LAKEHOUSE_DIR."
        )
    files = landing_files(settings.landing_dir, entities)
    for entry in ignored_entries(settings.landing_dir):
        warn(f"not loaded: landing/{entry}.")
    if not files:
        raise LakehouseError(f"no CSV files under {settings.landing_dir}/<entity>/ to ingest.")
    ensure_bronze_tables(settings.bronze_dir)

    started = time.perf_counter()
    with progress() as bar:
        task = bar.add_task("Ingesting files", total=len(files))
        results = ingest_files(files, settings.lakehouse_dir, on_file=lambda _: bar.advance(task))
    elapsed = time.perf_counter() - started

    columns = ["entity", "files loaded", "already in Bronze", "refused", "rows landed"]
    summary = table("CSV -> Bronze", [*columns, "lines rejected"])
    for name in entities:
        mine = [r for r in results if r.entity == name]
        if mine:
            summary.add_row(
                name,
                str(sum(r.status == "loaded" for r in mine)),
                str(sum(r.status == "skipped" for r in mine)),
                str(sum(r.status == "refused" for r in mine)),
                f"{sum(r.rows for r in mine):,}",
                f"{sum(r.rejects for r in mine):,}",
            )
    console.print(summary)
    megabytes = sum(r.size_bytes for r in results if r.status == "loaded") / 1e6
    console.print(f"{megabytes:,.1f} MB loaded in {elapsed:.1f} s.")
    for result in results:
        if result.status == "loaded" and result.message:
            warn(result.message)
    refused = [r for r in results if r.status == "refused"]
    for result in refused:
        console.print(f"[bold red]refused:[/] {result.message}", soft_wrap=True)
    if refused:
        raise FilesRefused(
            f"{len(refused)} file(s) refused, the others loaded: fix them and run "
            "`lakehouse ingest csv` again."
        )
