"""`lakehouse cockpit`: one vehicle driven live in a window, streamed to the telemetry topic and
judged by the driving-style model (docs/cockpit.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from common.errors import InvalidSetting, LakehouseError
from common.settings import env, load_settings
from ingest.contracts.telemetry import DRIVING_PROFILES
from ingest.kafka import KafkaSettings
from ops.cli.output import console


def cockpit_command(
    profile: Annotated[
        str, typer.Option(help="The simulated driver's profile: calm, normal or aggressive.")
    ] = "normal",
    speed: Annotated[
        float, typer.Option(help="Times faster than real time (1: real time).", min=0.1, max=100)
    ] = 1.0,
    api: Annotated[
        str | None,
        typer.Option(
            help="The prediction API for the live verdict (default: SERVING_HOST and "
            "SERVING_PORT, where `lakehouse serve` listens)."
        ),
    ] = None,
    snapshot: Annotated[
        Path | None,
        typer.Option(
            help="Drive --seconds offscreen as fast as possible and save the window as this PNG."
        ),
    ] = None,
    seconds: Annotated[
        int, typer.Option(help="Simulated seconds the snapshot drives.", min=1, max=86_400)
    ] = 60,
    start: Annotated[
        str | None,
        typer.Option(
            help="The simulated clock's start: `now` (a live lakehouse) or an ISO 8601 time "
            "(UTC); default: 10 minutes before the demo period ends, where `lakehouse "
            "simulate` drives."
        ),
    ] = None,
) -> None:
    """Drive one vehicle in a window; every reading streams to the telemetry topic."""
    if profile not in DRIVING_PROFILES:
        raise InvalidSetting(
            f"--profile must be one of {', '.join(DRIVING_PROFILES)}, not {profile!r}."
        )
    try:
        from cockpit import app, display
        from cockpit.drive import DEFAULT_START, DriveConfig
    except ImportError as missing:
        raise LakehouseError(
            f"The cockpit needs PySide6 and pyqtgraph ({missing.name} is missing): "
            "pip install -e '.[cockpit]' (make install does)."
        ) from None
    config = DriveConfig(
        kafka=KafkaSettings.from_env(),
        landing_dir=load_settings().landing_dir,
        api_url=api or f"http://{env('SERVING_HOST')}:{env('SERVING_PORT')}",
        profile=profile,
        start=_clock(start) if start else DEFAULT_START,
    )
    report = app.snapshot(config, snapshot, seconds) if snapshot else app.run(config, speed)
    state = report.stream
    console.print(
        f"{state.sent:,} events sent to {state.topic}: {state.delivered:,} delivered, "
        f"{state.failed:,} failed, {state.unsent:,} not sent ({report.readings:,} readings)."
    )
    console.print(f"Trip metadata with the driving profiles: {report.trip_metadata}.")
    verdict = display.verdict_view(report.verdict, report.driven, report.readings)
    console.print(f"Live verdict: {verdict.headline}; {verdict.detail}")
    if snapshot:
        console.print(f"Screenshot: {snapshot}.")
    if state.problem:
        console.print(state.problem)


def _clock(value: str) -> datetime:
    if value == "now":
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidSetting(f"--start must be `now` or an ISO 8601 time, not {value!r}.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
