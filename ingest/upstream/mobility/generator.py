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
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from common.errors import InvalidSetting
from common.settings import DEMO_PERIOD_END
from ingest.contracts.entities import ENTITY_COLUMNS
from ingest.upstream.mobility.bad_records import BAD_RECORD_KINDS, inject_bad_records
from ingest.upstream.mobility.demand import INCIDENT_OUTAGE_HOURS, DemandModel, TripFactory
from ingest.upstream.mobility.reference import (
    SPARE_VEHICLE_SHARE,
    DriverFleet,
    RiderBase,
    make_vehicles,
    make_zones,
)

__all__ = ["BAD_RECORD_KINDS", "GenerationReport", "GeneratorConfig", "generate_mobility"]

DEFAULT_START_DATE = (DEMO_PERIOD_END - timedelta(days=28)).date()  # the demo's 28 days
INCIDENT_MISSING_COLUMN = "rating"
INCIDENT_MISSING_COLUMN_DAYS = 2


@dataclass(frozen=True)
class GeneratorConfig:
    """What to generate. The defaults are the demo data set."""

    trips: int = 200_000
    days: int = 28
    start_date: date = DEFAULT_START_DATE
    zones: int = 30
    seed: int = 42
    bad_fraction: float = 0.01
    # Drift scenario: from this day on, demand grows by DRIFT_DEMAND_FACTOR in half the zones
    # while the drivers on the road stay as many as before (so surge rises). None: no drift.
    drift_from: date | None = None
    # Incident scenario: a zone outage and a disappearing column (see INCIDENT_*).
    incident: bool = False

    def __post_init__(self) -> None:
        if self.trips < 1 or self.days < 1 or self.zones < 2:
            raise InvalidSetting("trips and days must be at least 1, and zones at least 2.")
        if not 0.0 <= self.bad_fraction <= 0.5:
            raise InvalidSetting("bad_fraction must be between 0 and 0.5.")
        last_day = self.start_date + timedelta(days=self.days - 1)
        if self.drift_from and not self.start_date < self.drift_from <= last_day:
            raise InvalidSetting(f"drift_from must be after {self.start_date} and by {last_day}.")

    @property
    def default_drift_from(self) -> date:
        """Three quarters into the period: inside the ML models' test window."""
        return self.start_date + timedelta(days=max(1, round(self.days * 0.75)))

    @property
    def drivers(self) -> int:
        return max(20, round(self.trips / self.days / 12))

    @property
    def riders(self) -> int:
        return max(100, self.trips // 20)


@dataclass
class GenerationReport:
    """What was written: files and rows per entity, and the bad trip records by kind."""

    files: Counter = field(default_factory=Counter)
    rows: Counter = field(default_factory=Counter)
    bad_records: Counter = field(default_factory=Counter)
    incident: dict[str, object] = field(default_factory=dict)  # what the scenario injected


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
    (landing_dir / "_manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
