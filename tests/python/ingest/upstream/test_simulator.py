import json
from datetime import UTC, datetime

import numpy as np
import pytest

from ingest.upstream.telemetry.simulator import (
    PROFILES,
    Powertrain,
    SimulationConfig,
    VehicleSimulator,
)


def _run(steps: int, **config) -> tuple[VehicleSimulator, list[dict[str, np.ndarray]]]:
    simulator = VehicleSimulator(SimulationConfig(**{"fault_fraction": 0.0, **config}))
    return simulator, [simulator.step() for _ in range(steps)]


def test_rpm_follows_speed_gear_and_ratios_and_never_passes_redline():
    pt = Powertrain()
    _, readings = _run(900, vehicles=100)
    for reading in readings[::50]:
        ratio = np.array(pt.gear_ratios)[reading["gear"] - 1] * pt.final_drive
        wheel_rpm = reading["speed_kmh"] / 3.6 / (2 * np.pi * pt.wheel_radius_m) * 60
        expected = np.clip(wheel_rpm * ratio, pt.idle_rpm, pt.redline_rpm)
        np.testing.assert_allclose(reading["rpm"], expected, rtol=1e-9)
    rpm = np.concatenate([r["rpm"] for r in readings])
    assert rpm.max() <= pt.redline_rpm and rpm.min() >= pt.idle_rpm


def test_coolant_stays_in_its_band_once_warm():
    _, readings = _run(2400, vehicles=150)
    warm = np.concatenate([r["coolant_temp_c"] for r in readings[1800:]])
    assert 75.0 < warm.mean() < 100.0
    assert warm.max() < 110.0


def test_aggressive_drivers_accelerate_and_brake_harder_than_calm_ones():
    simulator, readings = _run(1200, vehicles=300)
    acceleration = np.stack([r["acceleration_ms2"] for r in readings])
    profile = simulator.profile_names
    calm, aggressive = profile == "calm", profile == "aggressive"
    assert np.abs(acceleration[:, aggressive]).mean() > 1.5 * np.abs(acceleration[:, calm]).mean()
    harsh_braking = acceleration < -3.0
    assert harsh_braking[:, aggressive].mean() > 3 * harsh_braking[:, calm].mean()
    assert {p.name for p in PROFILES} == set(profile)


def test_same_seed_same_events_and_ids_are_unique():
    def events(seed):
        simulator = VehicleSimulator(SimulationConfig(vehicles=20, seed=seed, fault_fraction=0.05))
        return [event for batch in simulator.batches(120, 10) for event in batch]

    first, again, other = events(1), events(1), events(2)
    assert first == again and first != other
    parsed = [json.loads(value) for _, value in first]
    ids = [e["event_id"] for e in parsed]
    assert len(set(ids)) == 20 * 120  # every reading once, re-sends share an id
    assert all(key == e["vehicle_id"] for (key, _), e in zip(first, parsed, strict=True))
    required = {"schema_version", "event_id", "vehicle_id", "driver_id", "trip_id", "ts",
                "speed_kmh", "rpm", "gear", "throttle_pct", "brake_pct", "acceleration_ms2",
                "coolant_temp_c", "fuel_rate_lph", "odometer_km", "lat", "lon", "heading_deg",
                "dtc"}  # fmt: skip
    assert all(required <= set(e) for e in parsed)


def test_faults_produce_spikes_gaps_resends_and_late_events():
    simulator = VehicleSimulator(SimulationConfig(vehicles=50, fault_fraction=0.1))
    parsed = [json.loads(v) for batch in simulator.batches(200, 20) for _, v in batch]
    assert len(parsed) > len({e["event_id"] for e in parsed})  # re-sent by the producer
    assert any(e["rpm"] is None for e in parsed)  # dropped field
    assert any(e["rpm"] == 15000 and e["dtc"] == "P0219" for e in parsed)  # sensor spike
    timestamps = {}
    late = 0
    for event in parsed:  # arrival order per vehicle
        latest = timestamps.get(event["vehicle_id"], 0)
        late += event["ts"] < latest
        timestamps[event["vehicle_id"]] = max(latest, event["ts"])
    assert late > 0


@pytest.mark.parametrize("bad", [{"vehicles": 0}, {"rate_hz": 0}, {"fault_fraction": 0.9}])
def test_invalid_config_is_refused(bad):
    with pytest.raises(ValueError):
        SimulationConfig(**bad)


def test_trip_metadata_covers_every_trip_and_carries_the_profile():
    simulator = VehicleSimulator(SimulationConfig(vehicles=30, fault_fraction=0.0))
    events = [json.loads(v) for batch in simulator.batches(900, 50) for _, v in batch]
    trips = simulator.trip_metadata().to_pylist()
    by_id = {t["trip_id"]: t for t in trips}
    assert len(by_id) == len(trips)
    assert {e["trip_id"] for e in events} <= set(by_id)
    profile = dict(zip(simulator.driver_ids, simulator.profile_names, strict=True))
    assert all(t["driving_profile"] == profile[t["driver_id"]] for t in trips)
    assert all("driving_profile" not in e for e in events)  # a label, never a feature
    first_event = {}
    for e in events:
        first_event[e["trip_id"]] = min(first_event.get(e["trip_id"], e["ts"]), e["ts"])
    started = {t["trip_id"]: t["started_at"] for t in trips}
    for trip_id, ts in first_event.items():
        assert started[trip_id] <= datetime.fromtimestamp(ts / 1000, UTC).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        )


def test_drift_makes_every_driver_drive_harder_from_its_time_on():
    start = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    drift_at = datetime(2026, 1, 5, 8, 10, tzinfo=UTC)
    _, clean = _run(1200, vehicles=200, start=start)
    _, drifted = _run(1200, vehicles=200, start=start, drift_at=drift_at)
    for before, after in zip(clean[:600], drifted[:600], strict=True):
        np.testing.assert_array_equal(before["speed_kmh"], after["speed_kmh"])

    def harsh(readings):
        return np.mean([np.abs(r["acceleration_ms2"]).mean() for r in readings[700:]])

    assert harsh(drifted) > 1.3 * harsh(clean)


def _coolant_by_vehicle(simulator: VehicleSimulator, steps: int) -> dict[str, list[float]]:
    readings: dict[str, list[float]] = {}
    for batch in simulator.batches(steps, steps_per_batch=60):
        for key, value in batch:
            readings.setdefault(key, []).append(json.loads(value)["coolant_temp_c"])
    return readings


def test_stuck_coolant_sensors_recover_unless_the_incident_breaks_them():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    config = {"vehicles": 30, "start": start, "fault_fraction": 0.02}
    clean = _coolant_by_vehicle(VehicleSimulator(SimulationConfig(**config)), 3600)
    broken = _coolant_by_vehicle(
        VehicleSimulator(SimulationConfig(**config, incident_at=start.replace(minute=30))),
        3600,
    )

    def stuck_for_the_last_ten_minutes(readings: dict[str, list[float]]) -> int:
        return sum(len(set(values[-600:])) == 1 for values in readings.values())

    assert stuck_for_the_last_ten_minutes(clean) == 0
    assert 5 <= stuck_for_the_last_ten_minutes(broken) <= 15  # a third of 30, give or take
