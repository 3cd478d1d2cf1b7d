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

from ingest.config import DEMO_PERIOD_END

SCHEMA_VERSION = 1
DRIVING_TRIPS = "driving_trips"  # landing entity of the trip metadata (with the labels)
DRIVING_TRIP_COLUMNS = ("trip_id", "vehicle_id", "driver_id", "driving_profile", "started_at")
GRAVITY = 9.81
AIR_DENSITY = 1.2
AMBIENT_C = 15.0
DEFAULT_START = DEMO_PERIOD_END - timedelta(days=1)  # the demo simulates the last day


@dataclass(frozen=True)
class Profile:
    """How a driver drives. The name is the ground-truth label, never a feature."""

    name: str
    speed_factor: float  # target speed relative to the limit
    throttle_gain: float  # throttle per m/s of speed deficit
    brake_gain: float  # brake per m/s of excess speed
    max_brake: float  # share of full braking force they use
    brake_anticipation_s: float  # how early they start braking for a stop
    upshift_rpm: float
    downshift_rpm: float


PROFILES = (
    Profile("calm", 0.92, 0.18, 0.25, 0.35, 9.0, 2200.0, 1200.0),
    Profile("normal", 1.0, 0.35, 0.45, 0.55, 6.0, 2800.0, 1400.0),
    Profile("aggressive", 1.15, 0.9, 1.2, 1.0, 2.5, 4600.0, 2000.0),
)
PROFILE_SHARES = (0.35, 0.45, 0.20)
# Drift scenario: how each driver's behaviour changes at `drift_at` (multipliers).
DRIFT = {"speed_factor": 1.1, "throttle_gain": 2.0, "brake_gain": 2.0, "anticipation": 0.5}
COOLANT_SENSOR_NOISE_C = 0.1  # standard deviation of a coolant reading around the true value
STUCK_SENSOR_MEAN_S = 120.0  # a stuck coolant sensor recovers after this long on average
# Incident scenario: at `incident_at` this share of the fleet's coolant sensors freeze for good.
INCIDENT_STUCK_SHARE = 1 / 3


@dataclass(frozen=True)
class Powertrain:
    """A combustion car's drivetrain and body (one shared model, varied per vehicle)."""

    mass_kg: float = 1450.0
    drag_area_m2: float = 0.68  # drag coefficient x frontal area
    rolling_coefficient: float = 0.011
    wheel_radius_m: float = 0.31
    final_drive: float = 3.9
    gear_ratios: tuple[float, ...] = (3.6, 2.1, 1.4, 1.0, 0.8, 0.65)
    idle_rpm: float = 800.0
    redline_rpm: float = 6500.0
    peak_torque_nm: float = 280.0
    peak_torque_rpm: float = 3800.0
    drivetrain_efficiency: float = 0.9

    def torque_curve(self, rpm: np.ndarray) -> np.ndarray:
        """Full-throttle torque: a parabola peaking at `peak_torque_rpm`, 55 % at idle/redline."""
        span = np.where(
            rpm < self.peak_torque_rpm,
            self.peak_torque_rpm - self.idle_rpm,
            self.redline_rpm - self.peak_torque_rpm,
        )
        x = (rpm - self.peak_torque_rpm) / span
        return self.peak_torque_nm * np.clip(1.0 - 0.45 * x**2, 0.0, 1.0)


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

    def __post_init__(self) -> None:
        if self.vehicles < 1 or not 0 < self.rate_hz <= 100:
            raise ValueError("vehicles must be at least 1 and rate_hz between 0 and 100")
        if not 0 <= self.fault_fraction <= 0.5:
            raise ValueError("fault_fraction must be between 0 and 0.5")
        for name in ("drift_at", "incident_at"):
            moment = getattr(self, name)
            if moment is not None and moment <= self.start:
                raise ValueError(f"{name} must be after the start ({self.start.isoformat()})")


class VehicleSimulator:
    """A fleet of vehicles stepped together; `steps(n)` yields one event batch per step."""

    def __init__(self, config: SimulationConfig, powertrain: Powertrain = Powertrain()) -> None:
        self.config = config
        self.pt = powertrain
        rng = np.random.default_rng(config.seed)
        self.rng = rng
        n = config.vehicles
        self.dt = 1.0 / config.rate_hz
        self.vehicle_ids = np.array([f"V{i + 1:06d}" for i in range(n)])
        self.driver_ids = np.array([f"D{i + 1:06d}" for i in range(n)])
        self.profile_index = rng.choice(len(PROFILES), n, p=PROFILE_SHARES)
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
        self.mass = self.pt.mass_kg * rng.uniform(0.9, 1.15, n)  # passengers and luggage
        self.ratios = np.array(self.pt.gear_ratios)

        # State.
        self.step_index = 0
        self._drift_step = self._step_at(config.drift_at)
        self._incident_step = self._step_at(config.incident_at)
        self.speed = np.zeros(n)  # m/s
        self.gear = np.ones(n, dtype=np.int64)  # 1-based
        self.coolant = rng.uniform(20.0, 85.0, n)  # engines warm up from different states
        self.odometer_km = rng.uniform(5_000, 180_000, n)
        self.limit = rng.choice([13.9, 13.9, 19.4], n)  # 50 or 70 km/h roads
        self.grade = np.zeros(n)
        self.stop_in_s = rng.exponential(60.0, n)  # time until the next traffic light
        self.stopped_for = np.zeros(n)
        centers = _zone_centroids(config.zones)
        self.zone_lat, self.zone_lon = centers
        start_zone = rng.integers(0, config.zones, n)
        self.lat = self.zone_lat[start_zone] + rng.normal(0, 0.002, n)
        self.lon = self.zone_lon[start_zone] + rng.normal(0, 0.002, n)
        self.target = rng.integers(0, config.zones, n)
        self.trip_number = np.ones(n, dtype=np.int64)
        self._trip_starts: list[tuple[np.ndarray, int]] = [(np.arange(n), 0)]  # (vehicles, step)
        self.heading = np.zeros(n)
        self.stuck_coolant = np.full(n, np.nan)  # a stuck sensor keeps reporting this value
        self.broken_sensor = np.zeros(n, dtype=bool)  # stuck for good (incident scenario)
        self._resend: list[dict[str, np.ndarray]] = []  # faulty events delivered later

    def _step_at(self, moment: datetime | None) -> int | None:
        return round((moment - self.config.start).total_seconds() / self.dt) if moment else None

    # ---------------------------------------------------------------- physics

    def step(self) -> dict[str, np.ndarray]:
        """Advance every vehicle by one time step and return the readings (typed columns)."""
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
            self._trip_starts.append(
                (np.flatnonzero(arrived), self.step_index)
            )  # this reading is its first
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
        start_ms = int(self.config.start.timestamp() * 1000)
        done = 0
        while done < steps:
            chunk = []
            for _ in range(min(steps_per_batch, steps - done)):
                ts = start_ms + round(self.step_index * self.dt * 1000)  # the step's start
                columns = self.step()
                columns["ts_ms"] = np.full(self.config.vehicles, ts, dtype=np.int64)
                chunk.append(self._with_faults(columns))
                done += 1
            events = {k: np.concatenate([c[k] for c in chunk]) for k in chunk[0]}
            yield list(zip(events["vehicle_id"].tolist(), _encode(events), strict=True))
        if self._resend:  # whatever was held back still arrives, late
            late = {k: np.concatenate([c[k] for c in self._resend]) for k in self._resend[0]}
            self._resend = []
            yield list(zip(late["vehicle_id"].tolist(), _encode(late), strict=True))

    def _with_faults(self, columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Add ids and labels, then damage a share of the readings."""
        rng, n = self.rng, self.config.vehicles
        events = {
            "vehicle_id": self.vehicle_ids,
            "driver_id": self.driver_ids,
            "trip_number": self.trip_number.copy(),
            **columns,
            "dtc": np.full(n, None, dtype=object),
        }
        faulty = rng.random(n) < self.config.fault_fraction
        kind = rng.integers(0, 6, n)
        events["coolant_temp_c"] = events["coolant_temp_c"] + rng.normal(
            0.0, COOLANT_SENSOR_NOISE_C, n
        )
        spike = faulty & (kind == 0)
        events["rpm"] = np.where(spike, 15_000.0, events["rpm"])
        events["coolant_temp_c"] = np.where(spike, 260.0, events["coolant_temp_c"])
        events["dtc"] = np.where(spike, "P0219", events["dtc"])
        # A stuck coolant sensor reports the same value until it recovers (a couple of
        # minutes on average); in the incident scenario a share of them never does.
        recovered = (rng.random(n) < self.dt / STUCK_SENSOR_MEAN_S) & ~self.broken_sensor
        self.stuck_coolant = np.where(recovered, np.nan, self.stuck_coolant)
        if self.step_index == self._incident_step:
            self.broken_sensor = rng.random(n) < INCIDENT_STUCK_SHARE
        stuck = ((faulty & (kind == 1)) | self.broken_sensor) & np.isnan(self.stuck_coolant)
        self.stuck_coolant = np.where(stuck, events["coolant_temp_c"], self.stuck_coolant)
        events["coolant_temp_c"] = np.where(
            np.isnan(self.stuck_coolant), events["coolant_temp_c"], self.stuck_coolant
        )
        events["rpm"] = np.where(faulty & (kind == 2), np.nan, events["rpm"])  # dropped field
        events["dtc"] = np.where(events["coolant_temp_c"] > 112.0, "P0217", events["dtc"])
        duplicate = faulty & (kind == 3)  # the producer re-sends the reading
        late = faulty & (kind >= 4)  # delivered after the following steps (out of order)
        if late.any():
            self._resend.append({k: v[late] for k, v in events.items()})
        keep = ~late
        out = {k: v[keep] for k, v in events.items()}
        if duplicate.any():
            out = {k: np.concatenate([out[k], events[k][duplicate & keep]]) for k in out}
        if len(self._resend) > 30 or (self._resend and rng.random() < 0.05):
            held = self._resend.pop(0)
            out = {k: np.concatenate([out[k], held[k]]) for k in out}
        return out

    def trip_metadata(self) -> pa.Table:
        """Every trip started so far, with its driver's profile: the ground-truth label for
        training, kept beside the events and never inside them."""
        vehicles = np.concatenate([v for v, _ in self._trip_starts])
        steps = np.concatenate([np.full(len(v), step) for v, step in self._trip_starts])
        numbers = np.concatenate([np.full(len(v), i) for i, (v, _) in enumerate(self._trip_starts)])
        # The k-th start of a vehicle is its trip number k (1-based).
        order = np.lexsort((numbers, vehicles))
        vehicles, steps = vehicles[order], steps[order]
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
                "driving_profile": pa.array(self.profile_names[vehicles], pa.string()),
                "started_at": pc.strftime(started, format="%Y-%m-%dT%H:%M:%SZ"),
            }
        )


def _zone_centroids(zones: int) -> tuple[np.ndarray, np.ndarray]:
    """The same zone grid the mobility generator lays out (seedless part), for routing."""
    side = int(np.ceil(np.sqrt(zones)))
    grid = np.arange(zones)
    lat = 52.52 + (grid // side - side / 2) * 0.018
    lon = 13.405 + (grid % side - side / 2) * 0.028
    return lat, lon


_FIELDS = (  # JSON field, column, decimals (None: text)
    ("vehicle_id", "vehicle_id", None),
    ("driver_id", "driver_id", None),
    ("speed_kmh", "speed_kmh", 2),
    ("rpm", "rpm", 0),
    ("gear", "gear", 0),
    ("throttle_pct", "throttle_pct", 1),
    ("brake_pct", "brake_pct", 1),
    ("acceleration_ms2", "acceleration_ms2", 3),
    ("coolant_temp_c", "coolant_temp_c", 2),
    ("fuel_rate_lph", "fuel_rate_lph", 3),
    ("odometer_km", "odometer_km", 3),
    ("lat", "lat", 6),
    ("lon", "lon", 6),
    ("heading_deg", "heading_deg", 1),
    ("dtc", "dtc", None),
)


def _encode(events: dict[str, np.ndarray]) -> list[str]:
    """JSON objects for a batch of events, built column by column with Arrow kernels.

    `event_id` is `<vehicle_id>-<ts ms>` (unique and deterministic), `trip_id` is
    `<vehicle_id>-<trip number>`.
    """
    vehicle = pa.array(events["vehicle_id"], pa.string())
    ts = pc.cast(pa.array(events["ts_ms"]), pa.string())
    trip = pc.cast(pa.array(events["trip_number"]), pa.string())
    parts: list[pa.Array | str] = [
        f'{{"schema_version":{SCHEMA_VERSION},"event_id":"', vehicle, "-", ts,
        '","trip_id":"', vehicle, "-", trip, '","ts":', ts,
    ]  # fmt: skip
    for name, column, decimals in _FIELDS:
        values = events[column]
        if decimals is None:
            text = pa.array(values, pa.string(), from_pandas=True)
            text = pc.binary_join_element_wise('"', text, '"', "")
        else:
            numbers = pa.array(np.asarray(values, dtype=float), from_pandas=True)
            if decimals == 0:
                text = pc.cast(pc.cast(pc.round(numbers, 0), pa.int64()), pa.string())
            else:
                text = pc.cast(pc.round(numbers, decimals), pa.string())
        parts += [f',"{name}":', pc.fill_null(text, "null")]
    parts.append("}")
    return pc.binary_join_element_wise(*parts, "").to_pylist()
