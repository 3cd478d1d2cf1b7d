"""Synthetic ride-hailing data: zones, vehicles, drivers, riders and trips as daily CSV files.

The generator is deterministic for a seed and works one day at a time, so 10 million trips
stream out in bounded memory. Demand follows daily and weekly seasonality and per-zone
popularity; surge rises when requests outrun the drivers on the road, and waits, cancellations
and fares follow from it, so later forecasting and pricing models have real signal to learn.

A configurable fraction of trip records is deliberately broken (see `BAD_RECORD_KINDS`); the
counts of each kind are written to `landing/_manifest.json` so tests can check every layer.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import asdict
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from ingest.contracts.entities import ENTITY_COLUMNS, LANDING_MANIFEST
from ingest.upstream.mobility.bad_records import BAD_RECORD_KINDS, inject_bad_records
from ingest.upstream.mobility.config import GenerationReport, GeneratorConfig
from ingest.upstream.mobility.demand import INCIDENT_OUTAGE_HOURS, DemandModel, TripFactory
from ingest.upstream.mobility.reference import (
    SPARE_VEHICLE_SHARE,
    DriverFleet,
    RiderBase,
    make_vehicles,
    make_zones,
)

__all__ = ["BAD_RECORD_KINDS", "GenerationReport", "GeneratorConfig", "generate_mobility"]

INCIDENT_MISSING_COLUMN = "rating"
INCIDENT_MISSING_COLUMN_DAYS = 2


def generate_mobility(
    config: GeneratorConfig,
    landing_dir: Path,
    on_day: Callable[[int], None] | None = None,
) -> GenerationReport:
    """Write the data set as `landing_dir/<entity>/<YYYY-MM-DD>.csv` files.

    `on_day(n)` is called after each generated day (for progress bars). Existing files of the
    same names are replaced; the output is identical for the same config.
    """
    rng = np.random.default_rng(config.seed)
    report = GenerationReport()
    writer = _CsvWriter(landing_dir, report)
    first_day = config.start_date

    zones = make_zones(rng, config.zones)
    writer.write("zones", first_day, zones)
    n_vehicles = int(config.drivers * (1 + SPARE_VEHICLE_SHARE)) + 1
    writer.write("vehicles", first_day, make_vehicles(rng, n_vehicles, first_day.year))

    drivers = DriverFleet(rng, config.drivers, n_vehicles, config.zones, first_day)
    riders = RiderBase(rng, config.riders, config.zones, config)
    demand = DemandModel(rng, config)
    trips = TripFactory(rng, config, zones)

    carry_over: list[dict[str, str | None]] = []  # corrected re-sends delivered the next day
    for day_index in range(config.days):
        day = first_day + timedelta(days=day_index)
        if day_index > 0:
            drivers.apply_daily_changes(day)
        writer.write("drivers", day, drivers.changed_rows(day_index))
        writer.write("riders", day, riders.signed_up_on(day_index))

        table = trips.make_day(
            day_index, demand.counts[day_index], demand.ratio[day_index], drivers, riders
        )
        if config.incident and day_index >= config.days - INCIDENT_MISSING_COLUMN_DAYS:
            table = table.drop_columns([INCIDENT_MISSING_COLUMN])
        content, carry_over = inject_bad_records(rng, config, table, carry_over, report, day_index)
        writer.write_bytes("trips", day, content)
        if on_day:
            on_day(day_index + 1)

    if config.incident:
        last_day = first_day + timedelta(days=config.days - 1)
        report.incident = {
            "outage_zone_id": str(zones["zone_id"][demand.outage_zone]),
            "outage_from": f"{last_day}T{INCIDENT_OUTAGE_HOURS.start:02d}:00:00Z",
            "outage_until": f"{last_day}T{INCIDENT_OUTAGE_HOURS.stop:02d}:00:00Z",
            "missing_column": f"trips.{INCIDENT_MISSING_COLUMN}",
            "missing_from": str(last_day - timedelta(days=INCIDENT_MISSING_COLUMN_DAYS - 1)),
        }
    _write_manifest(landing_dir, config, report)
    return report


class _CsvWriter:
    """Writes landing files atomically (temporary name, then rename) and counts them."""

    def __init__(self, landing_dir: Path, report: GenerationReport) -> None:
        self.landing_dir = landing_dir
        self.report = report

    def _path(self, entity: str, day: date) -> Path:
        folder = self.landing_dir / entity
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{day.isoformat()}.csv"

    def write(self, entity: str, day: date, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        assert tuple(table.column_names) == ENTITY_COLUMNS[entity], entity
        path = self._path(entity, day)
        tmp = path.with_suffix(".csv.tmp")
        options = pacsv.WriteOptions(quoting_style="needed")
        pacsv.write_csv(table, tmp, write_options=options)
        os.replace(tmp, path)
        self.report.files[entity] += 1
        self.report.rows[entity] += table.num_rows

    def write_bytes(self, entity: str, day: date, content: bytes) -> None:
        path = self._path(entity, day)
        tmp = path.with_suffix(".csv.tmp")
        tmp.write_bytes(content)
        os.replace(tmp, path)
        self.report.files[entity] += 1
        self.report.rows[entity] += content.count(b"\n") - 1


def _write_manifest(landing_dir: Path, config: GeneratorConfig, report: GenerationReport) -> None:
    manifest = {
        "config": json.loads(json.dumps(asdict(config), default=date.isoformat)),
        "files": dict(report.files),
        "rows": dict(report.rows),
        "bad_records": dict(sorted(report.bad_records.items())),
        "bad_record_outcomes": BAD_RECORD_KINDS,
        "incident": report.incident,
    }
    (landing_dir / LANDING_MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
