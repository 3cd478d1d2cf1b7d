"""`lakehouse generate`: write the synthetic sources' files."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date
from typing import Annotated

import typer

from common.errors import InvalidSetting
from common.settings import load_settings
from ingest.contracts.entities import ENTITIES
from ops.cli.output import console, progress, table

app = typer.Typer(help="Generate synthetic source data.", no_args_is_help=True)


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidSetting(f"{option} must be a date as YYYY-MM-DD, not {value!r}.") from None


@app.command("mobility")
def mobility_command(
    trips: Annotated[
        int, typer.Option(help="Trip requests to generate.", min=1, max=100_000_000)
    ] = 200_000,
    days: Annotated[
        int, typer.Option(help="Days of data, one file per entity per day.", min=1, max=3_650)
    ] = 28,
    start_date: Annotated[str, typer.Option(help="First day (YYYY-MM-DD).")] = "2026-01-05",
    zones: Annotated[int, typer.Option(help="City zones.", min=2, max=998)] = 30,
    seed: Annotated[
        int, typer.Option(help="Random seed; same seed, same files.", min=0, max=2**32 - 1)
    ] = 42,
    bad_fraction: Annotated[
        float, typer.Option(help="Share of trip records that are deliberately bad.", min=0, max=0.5)
    ] = 0.01,
    drift: Annotated[
        bool,
        typer.Option(
            "--drift",
            help="Drift scenario: from --drift-from on, demand grows 150 % in half the zones "
            "while supply stays put (surge rises). For the ML drift tables.",
        ),
    ] = False,
    drift_from: Annotated[
        str | None,
        typer.Option(help="First drifted day (YYYY-MM-DD); default: three quarters in."),
    ] = None,
    incident: Annotated[
        bool,
        typer.Option(
            "--incident",
            help="Incident scenario: on the last day the busiest zone's trips stop arriving "
            "from 06:00 to 20:00, and the last two days' trip files lack the rating column. "
            "For Elementary's anomaly tests.",
        ),
    ] = False,
) -> None:
    """Write synthetic ride-hailing CSV files to $LAKEHOUSE_DIR/landing/."""
    from ingest.upstream.mobility.generator import GeneratorConfig, generate_mobility

    config = GeneratorConfig(
        trips=trips,
        days=days,
        start_date=_day(start_date, "--start-date"),
        zones=zones,
        seed=seed,
        bad_fraction=bad_fraction,
        incident=incident,
    )
    if drift:
        first = _day(drift_from, "--drift-from") if drift_from else config.default_drift_from
        config = replace(config, drift_from=first)
    settings = load_settings()
    started = time.perf_counter()
    with progress() as bar:
        task = bar.add_task("Generating days", total=config.days)
        report = generate_mobility(
            config, settings.landing_dir, on_day=lambda n: bar.update(task, completed=n)
        )
    summary = table(f"Landing files in {settings.landing_dir}", ["entity", "files", "rows"])
    for entity in ENTITIES:
        summary.add_row(entity, str(report.files[entity]), f"{report.rows[entity]:,}")
    console.print(summary)
    bad = sum(report.bad_records.values())
    console.print(
        f"{bad:,} deliberately bad trip records "
        f"({', '.join(f'{k} {v}' for k, v in sorted(report.bad_records.items()))}); "
        f"done in {time.perf_counter() - started:.1f} s."
    )
    if report.incident:
        console.print(f"Incident injected: {report.incident}")
