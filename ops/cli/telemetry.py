"""`lakehouse simulate` and `lakehouse land`: telemetry through the Kafka topic into Bronze."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Annotated

import typer

from common.errors import InvalidSetting, LakehouseError
from common.settings import DEMO_PERIOD_END, load_settings
from ingest.bronze.tables import ensure_bronze_tables
from ingest.kafka import KafkaSettings
from ops.cli.output import console, progress


def _start(value: str | None, duration: timedelta) -> datetime:
    if not value:
        return DEMO_PERIOD_END - duration
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidSetting(f"--start must be an ISO 8601 time, not {value!r}.") from None


def simulate_command(
    vehicles: Annotated[
        int, typer.Option(help="Vehicles driving at once.", min=1, max=100_000)
    ] = 200,
    minutes: Annotated[
        float, typer.Option(help="Simulated minutes of driving.", min=0.1, max=60 * 24 * 31)
    ] = 10.0,
    rate: Annotated[
        float, typer.Option(help="Readings per second per vehicle.", min=0.01, max=100)
    ] = 1.0,
    realtime: Annotated[
        bool, typer.Option("--realtime/--max-rate", help="Pace like real time, or go flat out.")
    ] = False,
    seed: Annotated[
        int, typer.Option(help="Random seed; same seed, same events.", min=0, max=2**32 - 1)
    ] = 42,
    start: Annotated[
        str | None,
        typer.Option(
            help="Simulated start time (UTC, ISO 8601); default: the run ends where the "
            "generator's default days end."
        ),
    ] = None,
    fault_fraction: Annotated[
        float, typer.Option(help="Share of faulty readings.", min=0, max=0.5)
    ] = 0.005,
    drift: Annotated[
        bool,
        typer.Option(
            "--drift",
            help="Drift scenario: from 60 % of the run on, every driver drives harder "
            "(faster, sharper throttle and brakes). For the ML drift tables.",
        ),
    ] = False,
    incident: Annotated[
        bool,
        typer.Option(
            "--incident",
            help="Incident scenario: from 90 % of the run on, the coolant sensors of a third "
            "of the fleet report one stuck value. For Elementary's anomaly tests.",
        ),
    ] = False,
) -> None:
    """Simulate a fleet and stream its telemetry to the Kafka topic."""
    from ingest.upstream.telemetry.simulator import SimulationConfig
    from ingest.upstream.telemetry.stream import stream_simulation

    duration = timedelta(minutes=minutes)
    started_at = _start(start, duration)
    config = SimulationConfig(
        vehicles=vehicles,
        rate_hz=rate,
        start=started_at,
        seed=seed,
        fault_fraction=fault_fraction,
        drift_at=started_at + 0.6 * duration if drift else None,
        incident_at=started_at + 0.9 * duration if incident else None,
    )
    kafka = KafkaSettings.from_env()
    steps = round(minutes * 60 * rate)
    with progress() as bar:
        task = bar.add_task(f"Streaming to {kafka.topic}", total=steps)
        report = stream_simulation(
            config,
            steps,
            kafka,
            load_settings().landing_dir,
            realtime,
            on_progress=lambda done: bar.update(task, completed=done),
        )
    console.print(
        f"{report.sent:,} events for {vehicles} vehicles to {kafka.topic} "
        f"({report.partitions} partitions) in {report.seconds:.1f} s "
        f"({report.sent / max(report.seconds, 1e-9):,.0f}/s): {report.delivered:,} delivered, "
        f"{report.failed:,} failed."
    )
    console.print(
        f"Trip metadata with the driving profiles: {report.trip_metadata} (load: ingest csv)."
    )
    if report.failed:
        raise LakehouseError(f"{report.failed:,} events were not delivered ({report.last_error}).")


def land_command(
    until_idle: Annotated[
        float | None,
        typer.Option(
            help="Stop once caught up and nothing arrived for this many seconds.",
            min=0.1,
            max=86_400,
        ),
    ] = None,
    max_events: Annotated[
        int | None, typer.Option(help="Stop after this many events.", min=1)
    ] = None,
    batch_size: Annotated[
        int, typer.Option(help="Events per Bronze commit at most.", min=100, max=1_000_000)
    ] = 50_000,
    batch_seconds: Annotated[
        float, typer.Option(help="Seconds per micro-batch at most.", min=0.1, max=3_600)
    ] = 5.0,
) -> None:
    """Land the telemetry topic in Bronze (runs until stopped unless told otherwise)."""
    from ingest.loaders.lander import Lander

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    settings = load_settings()
    ensure_bronze_tables(settings.bronze_dir)
    lander = Lander(KafkaSettings.from_env(), settings.lakehouse_dir, batch_size, batch_seconds)
    report = lander.run(until_idle=until_idle, max_events=max_events)
    console.print(
        f"Landed {report.landed:,} events and {report.dead_letters:,} dead letters "
        f"in {report.batches} micro-batches ({report.seconds:.1f} s)."
    )
