"""The `lakehouse` command line: generate, ingest, install dbt packages, summarise, benchmark."""

from __future__ import annotations

import os
import sys
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
broker_app = typer.Typer(help="The embedded Kafka-protocol broker (Tansu) on loopback.")
app.add_typer(generate_app, name="generate")
app.add_typer(ingest_app, name="ingest")
app.add_typer(broker_app, name="broker")
bench_app = typer.Typer(help="Benchmarks (figures for the README's performance section).")
app.add_typer(bench_app, name="bench")
# Wide enough for the tables when the output is a log rather than a terminal.
console = Console(width=None if sys.stdout.isatty() else 110)


def _fail(message: str) -> None:
    console.print(f"[bold red]error:[/] {message}", soft_wrap=True)  # one line, paths intact
    raise typer.Exit(1)


def _ensure_bronze_tables(settings) -> list[str]:
    """The Bronze tables, created in BRONZE_FORMAT where missing; a format error is one line."""
    from ingest.bronze.store import BronzeFormatError
    from ingest.bronze.tables import ensure_bronze_tables

    try:
        return ensure_bronze_tables(settings.bronze_dir)
    except BronzeFormatError as error:
        _fail(str(error))


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


@app.command("init")
def init_command() -> None:
    """Create $LAKEHOUSE_DIR and the empty Bronze tables dbt reads (safe to repeat)."""
    settings = load_settings()
    created = _ensure_bronze_tables(settings)
    console.print(
        f"Bronze tables in {settings.bronze_dir}: "
        + (f"created {', '.join(created)}." if created else "all present.")
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
    drift: Annotated[
        bool,
        typer.Option(
            "--drift",
            help="Drift scenario: from --drift-from on, demand grows 150 %% in half the zones "
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
    from dataclasses import replace

    from ingest.mobility.generator import GeneratorConfig, generate_mobility

    try:
        config = GeneratorConfig(
            trips=trips,
            days=days,
            start_date=date.fromisoformat(start_date),
            zones=zones,
            seed=seed,
            bad_fraction=bad_fraction,
            incident=incident,
        )
        if drift:
            first = date.fromisoformat(drift_from) if drift_from else config.default_drift_from
            config = replace(config, drift_from=first)
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
    if report.incident:
        console.print(f"Incident injected: {report.incident}")


@ingest_app.command("csv")
def ingest_csv_command(
    entity: Annotated[
        list[str] | None, typer.Option(help="Only these entities (repeatable).")
    ] = None,
) -> None:
    """Land every CSV file of $LAKEHOUSE_DIR/landing/ in the Bronze tables."""
    from ingest.bronze.csv_loader import ingest_files, landing_files
    from ingest.bronze.tables import CSV_ENTITIES

    settings = load_settings()
    entities = entity or list(CSV_ENTITIES)
    unknown = sorted(set(entities) - set(CSV_ENTITIES))
    if unknown:
        _fail(f"unknown entity '{unknown[0]}'; choose from {', '.join(CSV_ENTITIES)}.")
    if not settings.landing_dir.is_dir():
        _fail(
            f"no landing directory at {settings.landing_dir}: "
            "run `lakehouse generate mobility` first or set LAKEHOUSE_DIR."
        )
    files = landing_files(settings.landing_dir, entities)
    if not files:
        _fail(f"no CSV files under {settings.landing_dir}/<entity>/ to ingest.")
    _ensure_bronze_tables(settings)

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
    for result in results:
        if result.status == "loaded" and result.message:
            console.print(f"[bold yellow]warning:[/] {result.message}", soft_wrap=True)
    refused = [r for r in results if r.status == "refused"]
    for result in refused:
        console.print(f"[bold red]refused:[/] {result.message}", soft_wrap=True)
    if refused:
        raise typer.Exit(2)


@broker_app.command("start")
def broker_start_command() -> None:
    """Start the embedded broker (unless KAFKA_BOOTSTRAP_SERVERS names a cluster)."""
    from ingest.telemetry import broker
    from ingest.telemetry.kafka import KafkaSettings

    try:
        console.print(broker.start(KafkaSettings.from_env(), load_settings().lakehouse_dir))
    except broker.BrokerError as error:
        _fail(str(error))


@broker_app.command("stop")
def broker_stop_command() -> None:
    """Stop the embedded broker (its in-memory topics are discarded)."""
    from ingest.telemetry import broker

    console.print(broker.stop(load_settings().lakehouse_dir))


@broker_app.command("status")
def broker_status_command() -> None:
    """Say whether the embedded broker runs, or which cluster is configured."""
    from ingest.telemetry import broker
    from ingest.telemetry.kafka import KafkaSettings

    console.print(broker.status(KafkaSettings.from_env(), load_settings().lakehouse_dir))


@app.command("simulate")
def simulate_command(
    vehicles: Annotated[int, typer.Option(help="Vehicles driving at once.")] = 200,
    minutes: Annotated[float, typer.Option(help="Simulated minutes of driving.")] = 10.0,
    rate: Annotated[float, typer.Option(help="Readings per second per vehicle.")] = 1.0,
    realtime: Annotated[
        bool, typer.Option("--realtime/--max-rate", help="Pace like real time, or go flat out.")
    ] = False,
    seed: Annotated[int, typer.Option(help="Random seed; same seed, same events.")] = 42,
    start: Annotated[
        str | None,
        typer.Option(
            help="Simulated start time (UTC, ISO 8601); default: the run ends where the "
            "generator's default days end."
        ),
    ] = None,
    fault_fraction: Annotated[float, typer.Option(help="Share of faulty readings.")] = 0.005,
    drift: Annotated[
        bool,
        typer.Option(
            "--drift",
            help="Drift scenario: from 60 %% of the run on, every driver drives harder "
            "(faster, sharper throttle and brakes). For the ML drift tables.",
        ),
    ] = False,
    incident: Annotated[
        bool,
        typer.Option(
            "--incident",
            help="Incident scenario: from 90 %% of the run on, the coolant sensors of a third "
            "of the fleet report one stuck value. For Elementary's anomaly tests.",
        ),
    ] = False,
) -> None:
    """Simulate a fleet and stream its telemetry to the Kafka topic."""
    import signal
    from datetime import datetime, timedelta

    from ingest.config import DEMO_PERIOD_END
    from ingest.telemetry.kafka import BrokerUnreachable, KafkaSettings, ensure_topic
    from ingest.telemetry.simulator import SimulationConfig, VehicleSimulator
    from ingest.telemetry.streamer import KafkaStreamer

    load_settings()
    try:
        duration = timedelta(minutes=minutes)
        started_at = (
            datetime.fromisoformat(start.replace("Z", "+00:00"))
            if start
            else DEMO_PERIOD_END - duration
        )
        config = SimulationConfig(
            vehicles=vehicles,
            rate_hz=rate,
            start=started_at,
            seed=seed,
            fault_fraction=fault_fraction,
            drift_at=started_at + 0.6 * duration if drift else None,
            incident_at=started_at + 0.9 * duration if incident else None,
        )
    except ValueError as error:
        _fail(f"invalid option: {error}.")
    kafka = KafkaSettings.from_env()
    try:
        partitions = ensure_topic(kafka)
    except BrokerUnreachable as error:
        _fail(str(error))
    simulator = VehicleSimulator(config)
    streamer = KafkaStreamer(kafka)
    steps = round(minutes * 60 * rate)
    stop = {"requested": False}

    def request_stop(*_: object) -> None:
        stop["requested"] = True

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, request_stop)
    started = time.perf_counter()
    sent = 0
    with _progress() as progress:
        task = progress.add_task(f"Streaming to {kafka.topic}", total=steps)
        steps_per_batch = 1 if realtime else max(1, 20_000 // vehicles)
        for number, batch in enumerate(simulator.batches(steps, steps_per_batch), start=1):
            streamer.send(batch)
            sent += len(batch)
            progress.update(task, completed=min(number * steps_per_batch, steps))
            if realtime:
                time.sleep(max(0.0, started + number / rate - time.perf_counter()))
            if stop["requested"]:
                break
    undelivered = streamer.flush()
    elapsed = time.perf_counter() - started
    trips_file = _write_trip_metadata(simulator, config, load_settings().landing_dir)
    console.print(
        f"{sent:,} events for {vehicles} vehicles to {kafka.topic} ({partitions} partitions) "
        f"in {elapsed:.1f} s ({sent / elapsed:,.0f}/s): {streamer.delivered:,} delivered, "
        f"{streamer.failed + undelivered:,} failed."
    )
    console.print(f"Trip metadata with the driving profiles: {trips_file} (load: ingest csv).")
    if streamer.failed or undelivered:
        _fail(
            f"{streamer.failed + undelivered:,} events were not delivered ({streamer.last_error})."
        )


def _write_trip_metadata(simulator, config, landing_dir: Path) -> Path:
    """The simulation's trips (and labels) as a landing file named after the simulation, so
    the same simulation writes the same file and loading it twice adds nothing."""
    import pyarrow.csv as pacsv

    from ingest.telemetry.simulator import DRIVING_TRIPS

    folder = landing_dir / DRIVING_TRIPS
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{config.start:%Y-%m-%dT%H%M}-seed{config.seed}-{config.vehicles}v.csv"
    tmp = folder / f".{name}.tmp"
    pacsv.write_csv(simulator.trip_metadata(), tmp)
    os.replace(tmp, folder / name)
    return folder / name


@app.command("land")
def land_command(
    until_idle: Annotated[
        float | None, typer.Option(help="Stop after this many seconds without a message.")
    ] = None,
    max_events: Annotated[int | None, typer.Option(help="Stop after this many events.")] = None,
    batch_size: Annotated[int, typer.Option(help="Events per Delta commit at most.")] = 50_000,
    batch_seconds: Annotated[float, typer.Option(help="Seconds per micro-batch at most.")] = 5.0,
) -> None:
    """Land the telemetry topic in Bronze (runs until stopped unless told otherwise)."""
    import logging

    from ingest.telemetry.kafka import BrokerUnreachable, KafkaSettings
    from ingest.telemetry.lander import Lander

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    settings = load_settings()
    _ensure_bronze_tables(settings)
    lander = Lander(KafkaSettings.from_env(), settings.lakehouse_dir, batch_size, batch_seconds)
    try:
        report = lander.run(until_idle=until_idle, max_events=max_events)
    except BrokerUnreachable as error:
        _fail(str(error))
    console.print(
        f"Landed {report.landed:,} events and {report.dead_letters:,} dead letters "
        f"in {report.batches} micro-batches ({report.seconds:.1f} s)."
    )


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


@app.command("report")
def report_command() -> None:
    """Build Elementary's observability report of the dbt runs so far, offline."""
    from ingest.report import ReportError, build_report

    settings = load_settings()
    profiles_dir = Path(os.environ.get("DBT_PROFILES_DIR", Path.cwd()))
    started = time.perf_counter()
    with console.status("edr report: reading the Elementary tables and rendering..."):
        try:
            report = build_report(Path.cwd(), profiles_dir, settings.lakehouse_dir)
        except ReportError as error:
            _fail(str(error))
    console.print(f"Elementary report: {report} ({time.perf_counter() - started:.0f} s)")


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
    table.add_column("entity", no_wrap=True)
    for column in headers[1:]:
        table.add_column(column, justify="right")
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
        "(schemas silver, gold and reference), browse the models and their lineage with "
        "`make docs`, "
        "or run `make demo` again: it reuses what is installed and changes no numbers."
    )


@bench_app.command("ingest")
def bench_ingest_command(
    trips: Annotated[
        list[int] | None, typer.Option(help="Trip counts to measure (repeatable).")
    ] = None,
) -> None:
    """Measure CSV -> Bronze throughput against DuckDB's raw CSV -> Parquet conversion."""
    from ingest.bench import StepFailed, run_ingest_benchmark

    try:
        run_ingest_benchmark(load_settings(), trips or [1_000_000, 10_000_000], console)
    except StepFailed as error:
        _fail(str(error))


@bench_app.command("build")
def bench_build_command(
    trips: Annotated[
        list[int] | None, typer.Option(help="Trip counts to measure (repeatable).")
    ] = None,
) -> None:
    """Measure Silver and Gold build times and memory on DuckDB (and a no-change re-run)."""
    from ingest.bench import StepFailed
    from ingest.bench_build import run_build_benchmark
    from ingest.telemetry.broker import BrokerError

    try:
        run_build_benchmark(load_settings(), trips or [1_000_000, 10_000_000], console)
    except (BrokerError, StepFailed) as error:
        _fail(str(error))


@bench_app.command("engines")
def bench_engines_command(
    trips: Annotated[
        list[int] | None, typer.Option(help="Trip counts to measure (repeatable).")
    ] = None,
) -> None:
    """Silver, Gold and ML on DuckDB and on Spark (spark_local): time and peak memory per layer."""
    from ingest.bench import StepFailed
    from ingest.bench_engines import run_engines_benchmark
    from ingest.telemetry.broker import BrokerError

    try:
        run_engines_benchmark(load_settings(), trips or [1_000_000], console)
    except (BrokerError, StepFailed) as error:
        _fail(str(error))


@bench_app.command("ml")
def bench_ml_command(
    trips: Annotated[
        list[int] | None, typer.Option(help="Trip counts to measure (repeatable).")
    ] = None,
) -> None:
    """Measure the ML models' training and scoring time and memory, and the whole dbt build."""
    from ingest.bench import StepFailed
    from ingest.bench_ml import run_ml_benchmark
    from ingest.telemetry.broker import BrokerError

    try:
        run_ml_benchmark(load_settings(), trips or [200_000, 10_000_000], console)
    except (BrokerError, StepFailed) as error:
        _fail(str(error))


@bench_app.command("stream")
def bench_stream_command(
    vehicles: Annotated[int, typer.Option(help="Vehicles in the simulation.")] = 200,
    minutes: Annotated[float, typer.Option(help="Simulated minutes (one reading/s).")] = 50.0,
) -> None:
    """Measure simulator, producer, lander and raw-consume rates on the same broker."""
    from ingest.bench import StepFailed
    from ingest.bench_stream import run_stream_benchmark
    from ingest.telemetry.broker import BrokerError

    try:
        run_stream_benchmark(load_settings(), vehicles, minutes, console)
    except (BrokerError, StepFailed) as error:
        _fail(str(error))
