"""The reference entities: zones, vehicles, drivers (whose tier, status and vehicle change over
time, so they are re-delivered) and riders (delivered on the day they sign up)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa

from ingest.contracts.city import entity_id, entity_ids, zone_grid
from ingest.contracts.entities import DRIVER_STATUSES, POWERTRAINS, RATING_TIERS
from ingest.upstream.mobility.config import GeneratorConfig
from ingest.upstream.mobility.formats import format_ts, midnight, seconds
from ingest.upstream.mobility.names import FIRST_NAMES, LAST_NAMES, VEHICLE_CATALOG, ZONE_WORDS

SPARE_VEHICLE_SHARE = 0.05
DRIVER_CHANGE_SHARE = 0.01  # share of drivers whose tier, status or vehicle changes each day


def _names(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    return rng.choice(FIRST_NAMES, n), rng.choice(LAST_NAMES, n)


def make_zones(rng: np.random.Generator, n: int) -> pa.Table:
    grid = np.arange(n)
    grid_lat, grid_lon = zone_grid(n)
    lat = grid_lat + rng.normal(0, 0.002, n)
    lon = grid_lon + rng.normal(0, 0.003, n)
    words = rng.permutation(len(ZONE_WORDS) ** 2)[:n]
    names = [f"{ZONE_WORDS[w // len(ZONE_WORDS)]} {ZONE_WORDS[w % len(ZONE_WORDS)]}" for w in words]
    boroughs = [f"Borough {chr(ord('A') + int(b))}" for b in (grid * 5) // n]
    return pa.table(
        {
            "zone_id": entity_ids("zone", range(1, n + 1)),
            "zone_name": names,
            "borough": boroughs,
            "area_km2": np.round(rng.uniform(2.0, 12.0, n), 2),
            "centroid_lat": np.round(lat, 5),
            "centroid_lon": np.round(lon, 5),
        }
    )


def make_vehicles(rng: np.random.Generator, n: int, year: int) -> pa.Table:
    model = rng.integers(0, len(VEHICLE_CATALOG), n)
    assert {m[2] for m in VEHICLE_CATALOG} <= set(POWERTRAINS)
    return pa.table(
        {
            "vehicle_id": entity_ids("vehicle", range(1, n + 1)),
            "make": [VEHICLE_CATALOG[m][0] for m in model],
            "model": [VEHICLE_CATALOG[m][1] for m in model],
            "powertrain": [VEHICLE_CATALOG[m][2] for m in model],
            "model_year": rng.integers(year - 9, year + 1, n),
            "seats": [VEHICLE_CATALOG[m][3] for m in model],
        }
    )


class DriverFleet:
    """Drivers and their slowly changing attributes (tier, status, assigned vehicle)."""

    def __init__(
        self, rng: np.random.Generator, n: int, n_vehicles: int, n_zones: int, first_day: date
    ) -> None:
        self.rng = rng
        self.n_vehicles = n_vehicles
        self.first, self.last = _names(rng, n)
        self.ids = entity_ids("driver", range(1, n + 1))
        self.home_zone = rng.integers(0, n_zones, n)
        self.vehicle = np.arange(n)  # driver i starts with vehicle i; the rest are spares
        self.tier = rng.choice(len(RATING_TIERS), n, p=[0.3, 0.4, 0.2, 0.1])
        self.status = np.zeros(n, dtype=np.int64)  # all active at the start
        self.joined = midnight(first_day) - seconds(rng.integers(86_400, 3 * 365 * 86_400, n))
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
        self.updated[idx] = midnight(day) + seconds(self.rng.integers(0, 6 * 3600, len(idx)))

    def active(self) -> np.ndarray:
        return np.flatnonzero(self.status == 0)

    def changed_rows(self, day_index: int) -> pa.Table:
        idx = np.flatnonzero(self.changed)
        return pa.table(
            {
                "driver_id": self.ids[idx],
                "first_name": self.first[idx],
                "last_name": self.last[idx],
                "home_zone_id": [entity_id("zone", z + 1) for z in self.home_zone[idx]],
                "vehicle_id": [entity_id("vehicle", v + 1) for v in self.vehicle[idx]],
                "rating_tier": np.array(RATING_TIERS)[self.tier[idx]],
                "status": np.array(DRIVER_STATUSES)[self.status[idx]],
                "joined_at": format_ts(self.joined[idx]),
                "updated_at": format_ts(self.updated[idx]),
            }
        )


class RiderBase:
    """Riders; each is delivered in the file of the day they signed up (earlier ones first)."""

    def __init__(
        self, rng: np.random.Generator, n: int, n_zones: int, config: GeneratorConfig
    ) -> None:
        span = (365 + config.days) * 86_400
        offsets = np.sort(rng.integers(0, span, n)) - 365 * 86_400
        self.signup = midnight(config.start_date) + seconds(offsets)
        self.day_of_signup = np.maximum(offsets // 86_400, 0)
        self.first, self.last = _names(rng, n)
        self.ids = entity_ids("rider", range(1, n + 1))
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
                "home_zone_id": [entity_id("zone", z + 1) for z in self.home_zone[idx]],
                "signup_at": format_ts(self.signup[idx]),
            }
        )
