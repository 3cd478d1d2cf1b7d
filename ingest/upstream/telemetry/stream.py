"""A simulation streamed to the telemetry topic: pacing, stopping on a signal, and the trip
metadata file the run leaves in the landing folder."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow.csv as pacsv

from ingest.contracts.telemetry import DRIVING_TRIPS
from ingest.kafka import KafkaSettings, ensure_topic
from ingest.upstream.telemetry.producer import KafkaStreamer
from ingest.upstream.telemetry.simulator import SimulationConfig, VehicleSimulator

EVENTS_PER_BATCH = 20_000  # at full speed, steps are encoded and sent this many events at once


@dataclass(frozen=True)
class StreamReport:
    sent: int
    delivered: int
    failed: int
    seconds: float
    partitions: int
    trip_metadata: Path
    last_error: str | None


def stream_simulation(
    config: SimulationConfig,
    steps: int,
    kafka: KafkaSettings,
    landing_dir: Path,
    realtime: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> StreamReport:
    """Simulate `steps` time steps of the fleet and produce every event; SIGINT or SIGTERM stop
    the run after the current batch. What was sent is flushed, and the trips started are written
    as a landing file for `lakehouse ingest csv`."""
    partitions = ensure_topic(kafka)
    simulator = VehicleSimulator(config)
    streamer = KafkaStreamer(kafka)
    stop = {"requested": False}

    def request_stop(*_: object) -> None:
        stop["requested"] = True

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, request_stop)
    started = time.perf_counter()
    sent = 0
    steps_per_batch = 1 if realtime else max(1, EVENTS_PER_BATCH // config.vehicles)
    for number, batch in enumerate(simulator.batches(steps, steps_per_batch), start=1):
        streamer.send(batch)
        sent += len(batch)
        if on_progress:
            on_progress(min(number * steps_per_batch, steps))
        if realtime:
            time.sleep(max(0.0, started + number / config.rate_hz - time.perf_counter()))
        if stop["requested"]:
            break
    undelivered = streamer.flush()
    return StreamReport(
        sent=sent,
        delivered=streamer.delivered,
        failed=streamer.failed + undelivered,
        seconds=time.perf_counter() - started,
        partitions=partitions,
        trip_metadata=write_trip_metadata(simulator, landing_dir),
        last_error=str(streamer.last_error) if streamer.last_error else None,
    )


def write_trip_metadata(simulator: VehicleSimulator, landing_dir: Path) -> Path:
    """The simulation's trips (and labels) as a landing file named after the simulation, so
    the same simulation writes the same file and loading it twice adds nothing."""
    config = simulator.config
    folder = landing_dir / DRIVING_TRIPS
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{config.start:%Y-%m-%dT%H%M}-seed{config.seed}-{config.vehicles}v.csv"
    tmp = folder / f".{name}.tmp"
    pacsv.write_csv(simulator.trip_metadata(), tmp)
    os.replace(tmp, folder / name)
    return folder / name
