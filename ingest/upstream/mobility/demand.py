"""Demand, supply and trips: requests per day, hour and zone with daily and weekly seasonality
and per-zone popularity; surge when requests outrun the drivers; waits, cancellations and
fares that follow from it."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pyarrow as pa

from ingest.contracts.city import entity_id, entity_ids
from ingest.contracts.entities import PAYMENT_TYPES
from ingest.upstream.mobility.config import GeneratorConfig
from ingest.upstream.mobility.formats import format_ts, haversine_km, masked, midnight, seconds
from ingest.upstream.mobility.reference import DriverFleet, RiderBase

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
DRIFT_DEMAND_FACTOR = 2.5
# Incident scenario (`incident=True`): on the last day the busiest zone's trips stop arriving
# for these hours, and the trip files of the last days come without this optional column.
INCIDENT_OUTAGE_HOURS = range(6, 20)


class DemandModel:
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


class TripFactory:
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
        drivers: DriverFleet,
        riders: RiderBase,
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
        km = haversine_km(
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

        requested = midnight(day) + seconds(offset)
        pickup = requested + seconds(np.round(wait_min * 60).astype(np.int64))
        dropoff = pickup + seconds(np.round(duration * 60).astype(np.int64))
        active = drivers.active()
        driver = active[rng.integers(0, len(active), n)]
        rider = rng.integers(0, max(riders.signed_up_by(day_index), 1), n)
        payment = rng.choice(len(PAYMENT_TYPES), n, p=[0.6, 0.12, 0.22, 0.06])
        status = np.where(completed, "completed", np.where(cancelled, "cancelled", "no_show"))

        trip_ids = entity_ids("trip", range(self.next_trip, self.next_trip + n))
        self.next_trip += n
        return pa.table(
            {
                "trip_id": trip_ids,
                "rider_id": riders.ids[rider],
                "driver_id": drivers.ids[driver],
                "vehicle_id": [entity_id("vehicle", v + 1) for v in drivers.vehicle[driver]],
                "pickup_zone_id": self.zone_ids[zone],
                "dropoff_zone_id": self.zone_ids[dropoff_zone],
                "requested_at": format_ts(requested),
                "pickup_at": format_ts(pickup, mask=cancelled),
                "dropoff_at": format_ts(dropoff, mask=~completed),
                "distance_km": masked(distance, ~completed),
                "duration_min": masked(duration, ~completed),
                "base_fare": base_fare,
                "surge_multiplier": surge,
                "tip": tip,
                "total_fare": total,
                "payment_type": np.array(PAYMENT_TYPES)[payment],
                "status": status,
                "rating": masked(rating.astype(np.int64), ~completed),
            }
        )
