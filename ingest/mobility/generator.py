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
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ingest.config import DEMO_PERIOD_END
from ingest.mobility.schema import (
    DRIVER_STATUSES,
    ENTITY_COLUMNS,
    PAYMENT_TYPES,
    POWERTRAINS,
    RATING_TIERS,
)

# What each kind of bad trip record should become downstream:
#   bronze_reject -> Bronze rejects table (the line cannot be parsed)
#   silver_reject -> Silver rejected model (parsed, but breaks a rule)
#   duplicate     -> removed as a duplicate in Silver (the trip itself is kept once)
#   valid         -> kept in Silver after normalisation
BAD_RECORD_KINDS: dict[str, str] = {
    "exact_duplicate": "duplicate",
    "corrected_resend": "duplicate",
    "missing_required_field": "silver_reject",
    "negative_fare": "silver_reject",
    "absurd_fare": "silver_reject",
    "dropoff_before_pickup": "silver_reject",
    "unknown_zone": "silver_reject",
    "malformed_timestamp": "silver_reject",
    "mixed_timestamp_format": "valid",
    "wrong_column_count": "bronze_reject",
    "invalid_utf8": "bronze_reject",
}

TS_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
CITY_CENTER = (52.5200, 13.4050)
FIRST_NAMES = [
    "Ada",
    "Ben",
    "Chloe",
    "Dev",
    "Elif",
    "Femi",
    "Greta",
    "Hugo",
    "Ines",
    "Jonas",
    "Kaia",
    "Luca",
    "Mia",
    "Noah",
    "Omar",
    "Pia",
    "Quinn",
    "Rosa",
    "Sami",
    "Tara",
    "Umar",
    "Vera",
    "Wen",
    "Xavi",
    "Yara",
    "Zoe",
]
LAST_NAMES = [
    "Alvarez",
    "Berg",
    "Costa",
    "Dahl",
    "Eze",
    "Fischer",
    "Garcia",
    "Hansen",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lund",
    "Meyer",
    "Novak",
    "Okafor",
    "Petrov",
    "Quist",
    "Rossi",
    "Silva",
    "Tanaka",
    "Ueda",
    "Vogel",
    "Weber",
    "Xu",
    "Yilmaz",
    "Zimmer",
]
ZONE_WORDS = [
    "Harbor",
    "Mill",
    "Oak",
    "Station",
    "Market",
    "Garden",
    "Castle",
    "River",
    "Tower",
    "Bridge",
    "Meadow",
    "Park",
    "Forge",
    "Quarry",
    "Chapel",
    "Field",
    "Dock",
    "Hill",
]
VEHICLE_CATALOG = (  # make, model, powertrain, seats
    ("Toyota", "Prius", "hybrid", 4),
    ("Toyota", "Corolla", "petrol", 4),
    ("Volkswagen", "Passat", "diesel", 4),
    ("Skoda", "Octavia", "diesel", 4),
    ("Tesla", "Model 3", "electric", 4),
    ("Hyundai", "Ioniq 5", "electric", 4),
    ("Kia", "Niro", "hybrid", 4),
    ("Mercedes-Benz", "E-Class", "diesel", 4),
    ("Ford", "Galaxy", "petrol", 6),
)
# Relative demand by hour of day, weekdays and weekends (commute peaks vs night life).
WEEKDAY_HOURS = np.array(
    [0.6, 0.35, 0.25, 0.2, 0.3, 0.7, 1.6, 2.6, 2.9, 1.9, 1.4, 1.5,
     1.7, 1.6, 1.5, 1.7, 2.2, 2.8, 2.7, 2.0, 1.6, 1.4, 1.1, 0.8]
)  # fmt: skip
WEEKEND_HOURS = np.array(
    [1.6, 1.4, 1.1, 0.8, 0.5, 0.4, 0.5, 0.7, 1.0, 1.3, 1.6, 1.8,
     1.9, 1.9, 1.8, 1.8, 1.9, 2.0, 2.1, 2.2, 2.2, 2.1, 2.0, 1.8]
)  # fmt: skip
DAY_OF_WEEK_WEIGHT = np.array([0.95, 1.0, 1.0, 1.05, 1.2, 1.15, 0.8])  # Monday .. Sunday
DEFAULT_START_DATE = (DEMO_PERIOD_END - timedelta(days=28)).date()  # the demo's 28 days
DRIFT_DEMAND_FACTOR = 2.5
# Incident scenario (`incident=True`): on the last day the busiest zone's trips stop arriving
# for these hours, and the trip files of the last days come without this optional column.
INCIDENT_OUTAGE_HOURS = range(6, 20)
INCIDENT_MISSING_COLUMN = "rating"
INCIDENT_MISSING_COLUMN_DAYS = 2
SPARE_VEHICLE_SHARE = 0.05
DRIVER_CHANGE_SHARE = 0.01  # share of drivers whose tier, status or vehicle changes each day


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
            raise ValueError("trips and days must be at least 1, and zones at least 2")
        if not 0.0 <= self.bad_fraction <= 0.5:
            raise ValueError("bad_fraction must be between 0 and 0.5")
        last_day = self.start_date + timedelta(days=self.days - 1)
        if self.drift_from and not self.start_date < self.drift_from <= last_day:
            raise ValueError(f"drift_from must be after {self.start_date} and by {last_day}")

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

    zones = _make_zones(rng, config.zones)
    writer.write("zones", first_day, zones)
    n_vehicles = int(config.drivers * (1 + SPARE_VEHICLE_SHARE)) + 1
    writer.write("vehicles", first_day, _make_vehicles(rng, n_vehicles, first_day.year))

    drivers = _DriverFleet(rng, config.drivers, n_vehicles, config.zones, first_day)
    riders = _RiderBase(rng, config.riders, config.zones, config)
    demand = _DemandModel(rng, config)
    trips = _TripFactory(rng, config, zones)

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
        content, carry_over = _inject_bad_records(rng, config, table, carry_over, report, day_index)
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


# --------------------------------------------------------------------------------------------
# Reference entities


def _names(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    return rng.choice(FIRST_NAMES, n), rng.choice(LAST_NAMES, n)


def _ids(prefix: str, n: int, width: int = 6) -> np.ndarray:
    return np.array([f"{prefix}{i:0{width}d}" for i in range(1, n + 1)])


def _make_zones(rng: np.random.Generator, n: int) -> pa.Table:
    side = int(np.ceil(np.sqrt(n)))
    grid = np.arange(n)
    lat = CITY_CENTER[0] + (grid // side - side / 2) * 0.018 + rng.normal(0, 0.002, n)
    lon = CITY_CENTER[1] + (grid % side - side / 2) * 0.028 + rng.normal(0, 0.003, n)
    words = rng.permutation(len(ZONE_WORDS) ** 2)[:n]
    names = [f"{ZONE_WORDS[w // len(ZONE_WORDS)]} {ZONE_WORDS[w % len(ZONE_WORDS)]}" for w in words]
    boroughs = [f"Borough {chr(ord('A') + int(b))}" for b in (grid * 5) // n]
    return pa.table(
        {
            "zone_id": _ids("Z", n, 3),
            "zone_name": names,
            "borough": boroughs,
            "area_km2": np.round(rng.uniform(2.0, 12.0, n), 2),
            "centroid_lat": np.round(lat, 5),
            "centroid_lon": np.round(lon, 5),
        }
    )


def _make_vehicles(rng: np.random.Generator, n: int, year: int) -> pa.Table:
    model = rng.integers(0, len(VEHICLE_CATALOG), n)
    assert {m[2] for m in VEHICLE_CATALOG} <= set(POWERTRAINS)
    return pa.table(
        {
            "vehicle_id": _ids("V", n),
            "make": [VEHICLE_CATALOG[m][0] for m in model],
            "model": [VEHICLE_CATALOG[m][1] for m in model],
            "powertrain": [VEHICLE_CATALOG[m][2] for m in model],
            "model_year": rng.integers(year - 9, year + 1, n),
            "seats": [VEHICLE_CATALOG[m][3] for m in model],
        }
    )


class _DriverFleet:
    """Drivers and their slowly changing attributes (tier, status, assigned vehicle)."""

    def __init__(
        self, rng: np.random.Generator, n: int, n_vehicles: int, n_zones: int, first_day: date
    ) -> None:
        self.rng = rng
        self.n_vehicles = n_vehicles
        self.first, self.last = _names(rng, n)
        self.ids = _ids("D", n)
        self.home_zone = rng.integers(0, n_zones, n)
        self.vehicle = np.arange(n)  # driver i starts with vehicle i; the rest are spares
        self.tier = rng.choice(len(RATING_TIERS), n, p=[0.3, 0.4, 0.2, 0.1])
        self.status = np.zeros(n, dtype=np.int64)  # all active at the start
        self.joined = _midnight(first_day) - _seconds(rng.integers(86_400, 3 * 365 * 86_400, n))
        self.updated = self.joined.copy()
        self.changed = np.ones(n, dtype=bool)

    def apply_daily_changes(self, day: date) -> None:
        n = len(self.ids)
        self.changed = self.rng.random(n) < DRIVER_CHANGE_SHARE
        idx = np.flatnonzero(self.changed)
        what = self.rng.integers(0, 3, len(idx))
        tiers = idx[what == 0]
        self.tier[tiers] = np.clip(self.tier[tiers] + self.rng.choice([-1, 1], len(tiers)), 0, 3)
        statuses = idx[what == 1]
        self.status[statuses] = np.where(
            self.status[statuses] == 0, self.rng.choice([1, 2], len(statuses), p=[0.8, 0.2]), 0
        )
        for i in idx[what == 2]:  # move the driver to a vehicle nobody drives
            free = np.setdiff1d(np.arange(self.n_vehicles), self.vehicle)
            self.vehicle[i] = self.rng.choice(free)
        self.updated[idx] = _midnight(day) + _seconds(self.rng.integers(0, 6 * 3600, len(idx)))

    def active(self) -> np.ndarray:
        return np.flatnonzero(self.status == 0)

    def changed_rows(self, day_index: int) -> pa.Table:
        idx = np.flatnonzero(self.changed)
        return pa.table(
            {
                "driver_id": self.ids[idx],
                "first_name": self.first[idx],
                "last_name": self.last[idx],
                "home_zone_id": [f"Z{z + 1:03d}" for z in self.home_zone[idx]],
                "vehicle_id": [f"V{v + 1:06d}" for v in self.vehicle[idx]],
                "rating_tier": np.array(RATING_TIERS)[self.tier[idx]],
                "status": np.array(DRIVER_STATUSES)[self.status[idx]],
                "joined_at": _format_ts(self.joined[idx]),
                "updated_at": _format_ts(self.updated[idx]),
            }
        )


class _RiderBase:
    """Riders; each is delivered in the file of the day they signed up (earlier ones first)."""

    def __init__(
        self, rng: np.random.Generator, n: int, n_zones: int, config: GeneratorConfig
    ) -> None:
        span = (365 + config.days) * 86_400
        offsets = np.sort(rng.integers(0, span, n)) - 365 * 86_400
        self.signup = _midnight(config.start_date) + _seconds(offsets)
        self.day_of_signup = np.maximum(offsets // 86_400, 0)
        self.first, self.last = _names(rng, n)
        self.ids = _ids("R", n, 7)
        self.home_zone = rng.integers(0, n_zones, n)

    def signed_up_by(self, day_index: int) -> int:
        """How many riders exist at the end of `day_index` (riders are sorted by sign-up)."""
        return int(np.searchsorted(self.day_of_signup, day_index, side="right"))

    def signed_up_on(self, day_index: int) -> pa.Table:
        idx = np.flatnonzero(self.day_of_signup == day_index)
        emails = [
            f"{f.lower()}.{la.lower()}.{i}@example.com"
            for f, la, i in zip(self.first[idx], self.last[idx], idx, strict=True)
        ]
        return pa.table(
            {
                "rider_id": self.ids[idx],
                "first_name": self.first[idx],
                "last_name": self.last[idx],
                "email": emails,
                "home_zone_id": [f"Z{z + 1:03d}" for z in self.home_zone[idx]],
                "signup_at": _format_ts(self.signup[idx]),
            }
        )


# --------------------------------------------------------------------------------------------
# Demand, supply and trips


class _DemandModel:
    """Requests per day, hour and zone, and the demand/supply ratio that drives surge."""

    def __init__(self, rng: np.random.Generator, config: GeneratorConfig) -> None:
        n_zones = config.zones
        zone_weight = rng.lognormal(0.0, 0.6, n_zones)
        zone_weight /= zone_weight.sum()
        weekdays = np.array(
            [(config.start_date + timedelta(days=d)).weekday() for d in range(config.days)]
        )
        hours = np.where((weekdays >= 5)[:, None], WEEKEND_HOURS, WEEKDAY_HOURS)
        weight = DAY_OF_WEEK_WEIGHT[weekdays][:, None, None] * hours[:, :, None] * zone_weight
        demand = weight * self._drift(rng, config)
        probabilities = (demand / demand.sum()).ravel()
        self.counts = rng.multinomial(config.trips, probabilities).reshape(weight.shape)
        self.outage_zone = int(np.argmax(zone_weight))
        if config.incident:  # the busiest zone's requests of those hours never arrive
            self.counts[-1, INCIDENT_OUTAGE_HOURS, self.outage_zone] = 0
        # Supply follows the demand drivers expect (before any drift).
        expected = config.trips * weight / demand.sum()
        # Drivers follow demand only half way, so peaks outrun supply and quiet hours don't.
        hour_mean = expected.mean(axis=2, keepdims=True)
        supply = (0.5 * hour_mean.mean() + 0.5 * hour_mean) * zone_weight * n_zones
        self.ratio = self.counts / np.maximum(supply / 0.85, 1e-9)

    @staticmethod
    def _drift(rng: np.random.Generator, config: GeneratorConfig) -> np.ndarray:
        """Demand multiplier per day and zone: DRIFT_DEMAND_FACTOR in half the zones from
        `drift_from` on, 1 elsewhere."""
        factor = np.ones((config.days, 1, config.zones))
        if config.drift_from:
            first = (config.drift_from - config.start_date).days
            zones = rng.permutation(config.zones)[: config.zones // 2]
            factor[first:, :, zones] = DRIFT_DEMAND_FACTOR
        return factor


class _TripFactory:
    def __init__(self, rng: np.random.Generator, config: GeneratorConfig, zones: pa.Table) -> None:
        self.rng = rng
        self.config = config
        self.lat = zones["centroid_lat"].to_numpy()
        self.lon = zones["centroid_lon"].to_numpy()
        self.zone_ids = zones["zone_id"].to_numpy(zero_copy_only=False)
        popularity = rng.lognormal(0.0, 0.5, len(self.lat))
        self.dropoff_p = popularity / popularity.sum()
        self.next_trip = 1

    def make_day(
        self,
        day_index: int,
        counts: np.ndarray,
        ratio: np.ndarray,
        drivers: _DriverFleet,
        riders: _RiderBase,
    ) -> pa.Table:
        """All trip requests of one day, sorted by request time, as typed columns."""
        rng = self.rng
        hour, zone = np.nonzero(counts >= 0)
        n_per_cell = counts[hour, zone]
        hour = np.repeat(hour, n_per_cell)
        zone = np.repeat(zone, n_per_cell)
        n = len(hour)
        day = self.config.start_date + timedelta(days=day_index)
        offset = hour * 3600 + rng.integers(0, 3600, n)
        order = np.argsort(offset, kind="stable")
        hour, zone, offset = hour[order], zone[order], offset[order]
        cell_ratio = ratio[hour, zone]

        surge = np.clip(
            1.0 + 0.9 * np.maximum(cell_ratio - 1.0, 0.0) + rng.normal(0, 0.04, n), 1, 3
        )
        surge = np.round(surge, 1)
        wait_min = rng.gamma(2.0, 1.4 + 3.0 * np.maximum(cell_ratio - 0.8, 0.0))
        p_cancel = 0.02 + 0.25 / (1.0 + np.exp(-(wait_min - 10.0)))
        outcome = rng.random(n)
        cancelled = outcome < p_cancel
        no_show = ~cancelled & (outcome < p_cancel + 0.015)
        completed = ~cancelled & ~no_show

        dropoff_zone = rng.choice(len(self.lat), n, p=self.dropoff_p)
        km = _haversine_km(
            self.lat[zone], self.lon[zone], self.lat[dropoff_zone], self.lon[dropoff_zone]
        )
        distance = np.round(km * 1.35 + rng.gamma(2.0, 0.8, n), 2)
        congestion = np.where((hour >= 7) & (hour <= 9) | (hour >= 16) & (hour <= 19), 0.55, 0.0)
        speed_kmh = 30.0 * (1.0 - congestion * 0.6) + rng.normal(0, 2.0, n)
        duration = np.round(np.maximum(distance / np.maximum(speed_kmh, 8.0) * 60.0, 1.0), 1)
        base_fare = np.round(2.5 + 1.15 * distance + 0.3 * duration, 2)
        tip = np.where(rng.random(n) < 0.35, np.round(rng.gamma(2.0, 1.2, n), 2), 0.0)
        base_fare = np.where(completed, base_fare, np.where(no_show, 5.0, 0.0))
        tip = np.where(completed, tip, 0.0)
        total = np.round(base_fare * np.where(completed, surge, 1.0) + tip, 2)
        rating = np.clip(np.round(5.2 - 0.08 * wait_min + rng.normal(0, 0.6, n)), 1, 5)

        requested = _midnight(day) + _seconds(offset)
        pickup = requested + _seconds(np.round(wait_min * 60).astype(np.int64))
        dropoff = pickup + _seconds(np.round(duration * 60).astype(np.int64))
        active = drivers.active()
        driver = active[rng.integers(0, len(active), n)]
        rider = rng.integers(0, max(riders.signed_up_by(day_index), 1), n)
        payment = rng.choice(len(PAYMENT_TYPES), n, p=[0.6, 0.12, 0.22, 0.06])
        status = np.where(completed, "completed", np.where(cancelled, "cancelled", "no_show"))

        trip_ids = [f"T{i:09d}" for i in range(self.next_trip, self.next_trip + n)]
        self.next_trip += n
        return pa.table(
            {
                "trip_id": trip_ids,
                "rider_id": riders.ids[rider],
                "driver_id": drivers.ids[driver],
                "vehicle_id": [f"V{v + 1:06d}" for v in drivers.vehicle[driver]],
                "pickup_zone_id": self.zone_ids[zone],
                "dropoff_zone_id": self.zone_ids[dropoff_zone],
                "requested_at": _format_ts(requested),
                "pickup_at": _format_ts(pickup, mask=cancelled),
                "dropoff_at": _format_ts(dropoff, mask=~completed),
                "distance_km": _masked(distance, ~completed),
                "duration_min": _masked(duration, ~completed),
                "base_fare": base_fare,
                "surge_multiplier": surge,
                "tip": tip,
                "total_fare": total,
                "payment_type": np.array(PAYMENT_TYPES)[payment],
                "status": status,
                "rating": _masked(rating.astype(np.int64), ~completed),
            }
        )


# --------------------------------------------------------------------------------------------
# Bad records


def _inject_bad_records(
    rng: np.random.Generator,
    config: GeneratorConfig,
    table: pa.Table,
    carry_over: list[dict[str, str | None]],
    report: GenerationReport,
    day_index: int,
) -> tuple[bytes, list[dict[str, str | None]]]:
    """Turn a day's clean trips into CSV bytes with the configured share of bad records.

    Returns the day's file content and the corrected re-sends that are delivered in the next
    day's file. Only the damaged rows pass through Python; the rest stays in Arrow.
    """
    columns = table.column_names  # the delivered columns (one may be missing: --incident)
    strings = pa.table([pc.cast(col, pa.string()) for col in table.columns], names=columns)
    n = strings.num_rows
    n_bad = int(rng.binomial(n, config.bad_fraction)) if config.bad_fraction > 0 else 0
    victims = np.sort(rng.choice(n, size=min(n_bad, n), replace=False))
    kinds = rng.choice(list(BAD_RECORD_KINDS), size=len(victims))
    rows = strings.take(victims).to_pylist()
    raw_lines: dict[int, bytes] = {}
    appended: list[dict[str, str | None]] = []
    next_day: list[dict[str, str | None]] = []
    for i, row, kind in zip(victims.tolist(), rows, kinds.tolist(), strict=True):
        if kind == "dropoff_before_pickup" and row["status"] != "completed":
            kind = "negative_fare"  # only completed trips have a dropoff to misplace
        if kind == "exact_duplicate":
            appended.append(dict(row))
        elif kind == "corrected_resend":
            # The first version arrives with a tip that is too low; the correction follows.
            corrected = dict(row)
            row["tip"] = _money(float(row["tip"]) - 1.5)
            row["total_fare"] = _money(float(row["total_fare"]) - 1.5)
            (next_day if day_index + 1 < config.days else appended).append(corrected)
        elif kind == "missing_required_field":
            row[str(rng.choice(["trip_id", "rider_id", "pickup_zone_id", "status"]))] = None
        elif kind == "negative_fare":
            row["base_fare"] = _money(-abs(float(row["base_fare"])) - 1.0)
        elif kind == "absurd_fare":
            row["total_fare"] = "98765.43"
        elif kind == "dropoff_before_pickup":
            row["dropoff_at"] = _shift_ts(row["pickup_at"], -int(rng.integers(60, 3600)))
        elif kind == "unknown_zone":
            row["pickup_zone_id"] = "Z999"
        elif kind == "malformed_timestamp":
            row["requested_at"] = str(rng.choice(["2026-02-30T25:61:00Z", "yesterday", "N/A"]))
        elif kind == "mixed_timestamp_format":
            offset_hours = int(rng.choice([0, 1, -5]))
            for col in ("requested_at", "pickup_at", "dropoff_at"):
                row[col] = _reformat_ts(row[col], offset_hours)
        elif kind == "wrong_column_count":
            values = [row[c] or "" for c in columns]
            values = values[:-2] if rng.random() < 0.5 else [*values, "unexpected"]
            raw_lines[i] = ",".join(values).encode()
        elif kind == "invalid_utf8":
            values = [(row[c] or "").encode() for c in columns]
            values[columns.index("payment_type")] = b"c\xff\xfeard"
            raw_lines[i] = b",".join(values)
        report.bad_records[kind] += 1

    mask = np.zeros(n, dtype=bool)
    mask[victims] = True
    mask_array = pa.array(mask)
    strings = pa.table(
        [
            pc.replace_with_mask(
                strings[c], mask_array, pa.array([r[c] for r in rows], pa.string())
            )
            if len(rows)
            else strings[c]
            for c in columns
        ],
        names=columns,
    )
    content = _replace_lines(_to_csv(strings, header=True), raw_lines)
    extra = [*carry_over, *appended]
    if extra:
        content += _to_csv(pa.Table.from_pylist(extra, schema=strings.schema), header=False)
    return content, next_day


def _to_csv(table: pa.Table, header: bool) -> bytes:
    sink = pa.BufferOutputStream()
    options = pacsv.WriteOptions(include_header=header, quoting_style="needed")
    pacsv.write_csv(table, sink, write_options=options)
    return sink.getvalue().to_pybytes()


def _replace_lines(content: bytes, replacements: dict[int, bytes]) -> bytes:
    """Replace data row `i` (line `i + 2` of the file) by raw bytes, for unparseable lines."""
    if not replacements:
        return content
    newlines = np.flatnonzero(np.frombuffer(content, dtype=np.uint8) == ord("\n"))
    pieces, position = [], 0
    for i in sorted(replacements):
        start, end = newlines[i] + 1, newlines[i + 1]  # newline i ends line i (header is 0)
        pieces += [content[position:start], replacements[i]]
        position = end
    pieces.append(content[position:])
    return b"".join(pieces)


def _money(value: float) -> str:
    return f"{value:.2f}"


def _shift_ts(value: str | None, seconds: int) -> str | None:
    if not value:
        return value
    ts = datetime.strptime(value, TS_FORMAT) + timedelta(seconds=seconds)
    return ts.strftime(TS_FORMAT)


def _reformat_ts(value: str | None, offset_hours: int) -> str | None:
    """The same instant in another accepted format: an explicit offset, or naive UTC."""
    if not value:
        return value
    ts = datetime.strptime(value, TS_FORMAT).replace(tzinfo=UTC)
    if offset_hours == 0:
        return ts.strftime("%Y-%m-%d %H:%M:%S")
    return ts.astimezone(timezone(timedelta(hours=offset_hours))).isoformat()


# --------------------------------------------------------------------------------------------
# Helpers


def _seconds(values) -> np.ndarray:
    """Whole seconds as a numpy timedelta array."""
    return np.asarray(values, dtype="int64").astype("timedelta64[s]")


def _midnight(day: date) -> np.datetime64:
    return np.datetime64(day.isoformat(), "s")


def _format_ts(values: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    """Format UTC instants as ISO-8601 strings (`2026-01-05T08:13:22Z`); masked ones are null."""
    text = pc.strftime(pa.array(values.astype("datetime64[s]")), format=TS_FORMAT)
    if mask is not None:
        text = pc.if_else(pa.array(mask), pa.scalar(None, pa.string()), text)
    return text


def _masked(values: np.ndarray, mask: np.ndarray) -> pa.Array:
    return pa.array(values, mask=mask)


def _haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    lat1, lon1, lat2, lon2 = map(np.radians, (lat1, lon1, lat2, lon2))
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 6371.0 * 2 * np.arcsin(np.sqrt(a))


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
