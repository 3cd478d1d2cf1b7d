"""Vehicle telemetry simulator: longitudinal physics for a fleet, one NumPy step for all vehicles.

Each vehicle has a powertrain (torque curve, gear ratios, final drive, wheel radius, mass, drag,
rolling resistance) and a driver with a behaviour profile (calm, normal, aggressive). Every
step the driver picks throttle or brake to follow a target speed that changes with the road
(speed limits, stops, grade); engine torque becomes wheel force, resistances slow the car,
speed and gear give engine RPM, an automatic gearbox shifts at the driver's shift points, a
thermal model moves the coolant temperature, and the car moves along a route between zone
centroids. A configurable share of readings is faulty (spikes, stuck sensors, dropped fields,
late, out-of-order and re-sent events), so Silver has work to do.

Events come out as JSON text, built column-wise with Arrow, so the simulator is not the
bottleneck of the stream.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from common.errors import InvalidSetting
from common.settings import DEMO_PERIOD_END
from ingest.contracts.city import entity_ids, zone_grid
from ingest.upstream.telemetry.encoding import encode
from ingest.upstream.telemetry.faults import Faults
from ingest.upstream.telemetry.profiles import (
    DRIFT,
    POWERTRAIN,
    PROFILE_SHARES,
    PROFILES,
    Powertrain,
)

GRAVITY = 9.81
AIR_DENSITY = 1.2
AMBIENT_C = 15.0
DEFAULT_START = DEMO_PERIOD_END - timedelta(days=1)  # the demo simulates the last day


@dataclass(frozen=True)
class SimulationConfig:
    vehicles: int = 200
    rate_hz: float = 1.0
    start: datetime = DEFAULT_START
    seed: int = 42
    fault_fraction: float = 0.005
    zones: int = 30
    # Drift scenario: from this simulated time on every driver drives harder (see DRIFT).
    drift_at: datetime | None = None
    # Incident scenario: from this simulated time on, some coolant sensors report one value.
    incident_at: datetime | None = None
    # The first vehicle's (and driver's) number: a drive of its own (the cockpit's) takes
    # numbers no fleet uses, so its event and trip ids meet no other run's.
    first_vehicle: int = 1

    def __post_init__(self) -> None:
        if self.vehicles < 1 or not 0 < self.rate_hz <= 100:
            raise InvalidSetting("vehicles must be at least 1 and rate_hz between 0 and 100.")
        if not 0 <= self.fault_fraction <= 0.5:
            raise InvalidSetting("fault_fraction must be between 0 and 0.5.")
        if self.first_vehicle < 1:
            raise InvalidSetting("first_vehicle must be at least 1.")
        for name in ("drift_at", "incident_at"):
            moment = getattr(self, name)
            if moment is not None and moment <= self.start:
                raise InvalidSetting(f"{name} must be after the start ({self.start.isoformat()}).")


class VehicleSimulator:
    """A fleet of vehicles stepped together; `steps(n)` yields one event batch per step."""

    def __init__(self, config: SimulationConfig, powertrain: Powertrain = POWERTRAIN) -> None:
        self.config = config
        self.pt = powertrain
        rng = np.random.default_rng(config.seed)
        self.rng = rng
        n = config.vehicles
        self.dt = 1.0 / config.rate_hz
        numbers = range(config.first_vehicle, config.first_vehicle + n)
        self.vehicle_ids = entity_ids("vehicle", numbers)
        self.driver_ids = entity_ids("driver", numbers)
        self.profile_index = rng.choice(len(PROFILES), n, p=PROFILE_SHARES)
        self._apply_profiles()
        self.mass = self.pt.mass_kg * rng.uniform(0.9, 1.15, n)  # passengers and luggage
        self.ratios = np.array(self.pt.gear_ratios)

        # State.
        self.step_index = 0
        self._drift_step = self._step_at(config.drift_at)
        self.speed = np.zeros(n)  # m/s
        self.gear = np.ones(n, dtype=np.int64)  # 1-based
        self.coolant = rng.uniform(20.0, 85.0, n)  # engines warm up from different states
        self.odometer_km = rng.uniform(5_000, 180_000, n)
        self.limit = rng.choice([13.9, 13.9, 19.4], n)  # 50 or 70 km/h roads
        self.grade = np.zeros(n)
        self.stop_in_s = rng.exponential(60.0, n)  # time until the next traffic light
        self.stopped_for = np.zeros(n)
        centers = zone_grid(config.zones)
        self.zone_lat, self.zone_lon = centers
        start_zone = rng.integers(0, config.zones, n)
        self.lat = self.zone_lat[start_zone] + rng.normal(0, 0.002, n)
        self.lon = self.zone_lon[start_zone] + rng.normal(0, 0.002, n)
        self.target = rng.integers(0, config.zones, n)
        self.trip_number = np.ones(n, dtype=np.int64)
        # (vehicles, step, their profiles): each trip's start and its ground-truth label.
        self._trip_starts: list[tuple[np.ndarray, int, np.ndarray]] = [
            (np.arange(n), 0, self.profile_names.copy())
        ]
        self.heading = np.zeros(n)
        self.faults = Faults(n, config.fault_fraction, self._step_at(config.incident_at))

    def _step_at(self, moment: datetime | None) -> int | None:
        return round((moment - self.config.start).total_seconds() / self.dt) if moment else None

    def _apply_profiles(self) -> None:
        """Each vehicle's driving parameters from its profile."""
        self.profile_names = np.array([p.name for p in PROFILES])[self.profile_index]

        def per_vehicle(attribute: str) -> np.ndarray:
            return np.array([getattr(PROFILES[i], attribute) for i in self.profile_index])

        self.speed_factor = per_vehicle("speed_factor")
        self.throttle_gain = per_vehicle("throttle_gain")
        self.brake_gain = per_vehicle("brake_gain")
        self.max_brake = per_vehicle("max_brake")
        self.anticipation = per_vehicle("brake_anticipation_s")
        self.upshift = per_vehicle("upshift_rpm")
        self.downshift = per_vehicle("downshift_rpm")

    def switch_profile(self, vehicle: int, profile: str) -> None:
        """Give vehicle `vehicle` (0-based) a driver of another profile from the next step on.
        The switch starts a new trip, so every trip keeps one ground-truth label (before the
        first step, the first trip takes the new label)."""
        names = [p.name for p in PROFILES]
        if profile not in names:
            raise InvalidSetting(f"profile must be one of {', '.join(names)}, not {profile!r}.")
        if profile == self.profile_names[vehicle]:
            return
        self.profile_index[vehicle] = names.index(profile)
        self._apply_profiles()
        if self.step_index == 0:
            self._trip_starts[0][2][vehicle] = profile
            return
        self.trip_number[vehicle] += 1
        self._trip_starts.append((np.array([vehicle]), self.step_index, np.array([profile])))

    # ---------------------------------------------------------------- physics

    def step(self, pedals: tuple[float, float] | None = None) -> dict[str, np.ndarray]:
        """Advance every vehicle by one time step and return the readings (typed columns).
        `pedals` (throttle, brake; 0 to 1) are pressed by hand instead of by the drivers."""
        rng, pt, dt, n = self.rng, self.pt, self.dt, self.config.vehicles
        if self.step_index == self._drift_step:
            for attribute, factor in DRIFT.items():
                setattr(self, attribute, getattr(self, attribute) * factor)

        # Road: limits and grade change now and then; traffic lights stop the car.
        change = rng.random(n) < dt / 120.0
        self.limit = np.where(change, rng.choice([8.3, 13.9, 19.4, 22.2], n), self.limit)
        self.grade = np.clip(self.grade + rng.normal(0, 0.002, n) * np.sqrt(dt), -0.06, 0.06)
        self.stop_in_s -= dt
        at_light = self.stop_in_s <= 0
        self.stopped_for = np.where(at_light & (self.speed < 0.5), self.stopped_for + dt, 0.0)
        released = self.stopped_for > rng.uniform(10, 40, n)
        self.stop_in_s = np.where(released, rng.exponential(60.0, n), self.stop_in_s)
        self.stopped_for = np.where(released, 0.0, self.stopped_for)

        # Driver: follow the target speed; brake for a light the driver sees coming.
        target = self.limit * self.speed_factor
        braking_distance_s = np.clip(self.stop_in_s, 0, None)
        approaching = braking_distance_s < self.anticipation
        target = np.where(
            at_light,
            0.0,
            np.where(approaching, target * braking_distance_s / self.anticipation, target),
        )
        error = target - self.speed
        throttle = np.clip(self.throttle_gain * error, 0.0, 1.0)
        brake = np.clip(-self.brake_gain * error, 0.0, 1.0) * self.max_brake
        brake = np.where(error < -0.3, brake, 0.0)
        throttle = np.where(brake > 0, 0.0, throttle)
        if pedals is not None:
            throttle, brake = np.full(n, float(pedals[0])), np.full(n, float(pedals[1]))

        # Powertrain: engine speed from wheel speed; torque from the curve.
        ratio = self.ratios[self.gear - 1] * pt.final_drive
        wheel_rpm = self.speed / (2 * np.pi * pt.wheel_radius_m) * 60.0
        rpm = np.clip(wheel_rpm * ratio, pt.idle_rpm, pt.redline_rpm)
        torque = throttle * pt.torque_curve(rpm)
        torque = np.where(rpm >= pt.redline_rpm, 0.0, torque)  # rev limiter cuts fuel
        drive_force = torque * ratio * pt.drivetrain_efficiency / pt.wheel_radius_m
        resist = (
            0.5 * AIR_DENSITY * pt.drag_area_m2 * self.speed**2
            + pt.rolling_coefficient * self.mass * GRAVITY * (self.speed > 0.05)
            + self.mass * GRAVITY * self.grade
        )
        brake_force = brake * 0.9 * self.mass * GRAVITY
        acceleration = (drive_force - resist - brake_force) / (self.mass * 1.05)
        new_speed = np.clip(self.speed + acceleration * dt, 0.0, None)
        acceleration = (new_speed - self.speed) / dt
        self.speed = new_speed

        # Gearbox: shift at the driver's shift points (one gear per step).
        rpm = np.clip(
            self.speed / (2 * np.pi * pt.wheel_radius_m) * 60.0 * ratio, pt.idle_rpm, None
        )
        up = (rpm > self.upshift) & (self.gear < len(self.ratios))
        down = (rpm < self.downshift) & (self.gear > 1)
        self.gear = self.gear + up - down
        ratio = self.ratios[self.gear - 1] * pt.final_drive
        rpm = np.clip(
            self.speed / (2 * np.pi * pt.wheel_radius_m) * 60.0 * ratio, pt.idle_rpm, pt.redline_rpm
        )

        # Heat: combustion heat grows with load and RPM; the radiator removes heat in
        # proportion to the temperature difference once the thermostat opens, more with
        # speed (ram air) and with the fan above 100 C.
        power_kw = torque * rpm * 2 * np.pi / 60.0 / 1000.0
        heat_in = 0.9 + 0.045 * power_kw + 0.0002 * rpm
        opening = np.clip((self.coolant - 82.0) / 10.0, 0.0, 1.0)
        conductance = 0.004 + opening * (0.03 + 0.0015 * self.speed) + (self.coolant > 100) * 0.03
        self.coolant += (heat_in - conductance * (self.coolant - AMBIENT_C) * 2.0) * dt * 0.35
        fuel_lph = 0.6 * (rpm / pt.idle_rpm) ** 0.5 + 0.26 * power_kw

        # Route: head to the target zone; on arrival a new trip starts to another zone.
        dlat = self.zone_lat[self.target] - self.lat
        dlon = (self.zone_lon[self.target] - self.lon) * np.cos(np.radians(self.lat))
        self.heading = np.degrees(np.arctan2(dlon, dlat)) % 360.0
        distance_m = self.speed * dt
        self.lat += distance_m * np.cos(np.radians(self.heading)) / 111_320.0
        self.lon += (
            distance_m
            * np.sin(np.radians(self.heading))
            / (111_320.0 * np.cos(np.radians(self.lat)))
        )
        self.odometer_km += distance_m / 1000.0
        arrived = np.hypot(dlat, dlon) * 111_320.0 < 150.0
        self.trip_number += arrived
        if arrived.any():
            vehicles = np.flatnonzero(arrived)  # this reading is its trip's first
            self._trip_starts.append((vehicles, self.step_index, self.profile_names[vehicles]))
        self.target = np.where(arrived, rng.integers(0, self.config.zones, n), self.target)

        self.step_index += 1
        return {
            "rpm": rpm,
            "speed_kmh": self.speed * 3.6,
            "gear": self.gear.copy(),
            "throttle_pct": throttle * 100.0,
            "brake_pct": brake * 100.0,
            "acceleration_ms2": acceleration,
            "coolant_temp_c": self.coolant.copy(),
            "fuel_rate_lph": fuel_lph,
            "odometer_km": self.odometer_km.copy(),
            "lat": self.lat.copy(),
            "lon": self.lon.copy(),
            "heading_deg": self.heading.copy(),
        }

    # ---------------------------------------------------------------- events

    def batches(self, steps: int, steps_per_batch: int = 1) -> Iterator[list[tuple[str, str]]]:
        """Yield `(key, json)` events, keyed by vehicle, with faults injected.

        Each batch holds `steps_per_batch` time steps of the whole fleet: 1 for real time,
        more when producing as fast as possible (encoding is cheaper per event in bulk).
        """
        done = 0
        while done < steps:
            chunk = []
            for _ in range(min(steps_per_batch, steps - done)):
                chunk.append(self.readings())
                done += 1
            yield keyed({k: np.concatenate([c[k] for c in chunk]) for k in chunk[0]})
        late = self.late_events()
        if late:
            yield late

    def readings(self, pedals: tuple[float, float] | None = None) -> dict[str, np.ndarray]:
        """One time step as the events it sends: readings, the step's time, ids, faults."""
        start_ms = int(self.config.start.timestamp() * 1000)
        ts = start_ms + round(self.step_index * self.dt * 1000)
        columns = self.step(pedals)
        columns["ts_ms"] = np.full(self.config.vehicles, ts, dtype=np.int64)  # the step's start
        return self._with_ids(columns)

    def late_events(self) -> list[tuple[str, str]]:
        """Whatever the faults held back: it still arrives, late, when a run ends."""
        late = self.faults.release_all()
        return keyed(late) if late is not None else []

    def _with_ids(self, columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Add ids and trip numbers to a step's readings, then let the faults damage them."""
        events = {
            "vehicle_id": self.vehicle_ids,
            "driver_id": self.driver_ids,
            "trip_number": self.trip_number.copy(),
            **columns,
            "dtc": np.full(self.config.vehicles, None, dtype=object),
        }
        return self.faults.apply(events, self.rng, self.step_index, self.dt)

    def trip_metadata(self) -> pa.Table:
        """Every trip started so far, with its driver's profile: the ground-truth label for
        training, kept beside the events and never inside them."""
        vehicles = np.concatenate([v for v, _, _ in self._trip_starts])
        steps = np.concatenate([np.full(len(v), step) for v, step, _ in self._trip_starts])
        profiles = np.concatenate([p for _, _, p in self._trip_starts])
        numbers = np.concatenate(
            [np.full(len(v), i) for i, (v, _, _) in enumerate(self._trip_starts)]
        )
        # The k-th start of a vehicle is its trip number k (1-based).
        order = np.lexsort((numbers, vehicles))
        vehicles, steps, profiles = vehicles[order], steps[order], profiles[order]
        first = np.r_[True, vehicles[1:] != vehicles[:-1]]
        trip_number = (
            np.arange(len(vehicles))
            - np.maximum.accumulate(np.where(first, np.arange(len(vehicles)), 0))
            + 1
        )
        start_ms = self.config.start.timestamp() * 1000 + steps * self.dt * 1000
        started = pa.array(start_ms.astype("int64"), pa.timestamp("ms", tz="UTC"))
        vehicle_ids = pa.array(self.vehicle_ids[vehicles], pa.string())
        return pa.table(
            {
                "trip_id": pc.binary_join_element_wise(
                    vehicle_ids, pc.cast(pa.array(trip_number), pa.string()), "-"
                ),
                "vehicle_id": vehicle_ids,
                "driver_id": pa.array(self.driver_ids[vehicles], pa.string()),
                "driving_profile": pa.array(profiles, pa.string()),
                "started_at": pc.strftime(started, format="%Y-%m-%dT%H:%M:%SZ"),
            }
        )


def keyed(events: dict[str, np.ndarray]) -> list[tuple[str, str]]:
    """Events as `(key, json)` messages, keyed by vehicle."""
    return list(zip(events["vehicle_id"].tolist(), encode(events), strict=True))
