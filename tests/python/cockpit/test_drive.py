"""The drive without Qt and without broker or API: profiles, pedals by hand, the trip metadata,
and the readings kept (not sent) while no broker answers."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from cockpit.drive import Drive
from common.settings import DEMO_PERIOD_END

from .conftest import drive_config


def test_a_drive_is_a_vehicle_of_its_own_in_the_demos_last_minutes(offline_drive: Drive):
    started = datetime.fromtimestamp(offline_drive.start_ms / 1000, UTC)
    assert started == DEMO_PERIOD_END - timedelta(minutes=10)
    number = int(offline_drive.simulator.vehicle_ids[0][1:])
    assert number > 100_000  # beyond any `lakehouse simulate` fleet
    assert offline_drive.simulator.driver_ids[0] == f"D{number}"


def test_a_profile_switch_starts_a_trip_labelled_with_the_new_profile(offline_drive: Drive):
    for _ in range(40):
        offline_drive.tick()
    offline_drive.switch_profile("aggressive")
    assert offline_drive.profile == "aggressive"
    for _ in range(40):
        offline_drive.tick()
    report = offline_drive.stop()
    with report.trip_metadata.open() as file:
        trips = list(csv.DictReader(file))
    vehicle = offline_drive.simulator.vehicle_ids[0]
    assert [t["trip_id"] for t in trips] == [f"{vehicle}-{n}" for n in range(1, len(trips) + 1)]
    # The simulated driver may end a trip and start the next on its own (its trips' lengths
    # depend on the drive's seed, its start second); the switch always starts a new one.
    profiles = [t["driving_profile"] for t in trips]
    switched = profiles.index("aggressive")
    assert switched >= 1 and set(profiles[:switched]) == {"normal"}
    assert set(profiles[switched:]) == {"aggressive"}
    assert report.readings == 80 and report.driven == "aggressive"


def test_pedals_by_hand_drive_instead_of_the_simulated_driver(offline_drive: Drive):
    offline_drive.pedals = (1.0, 0.0)
    full_throttle = [offline_drive.tick() for _ in range(15)]
    assert all(r.throttle_pct == 100 and r.brake_pct == 0 for r in full_throttle)
    assert full_throttle[-1].speed_kmh > 60
    offline_drive.pedals = (0.0, 0.8)
    braking = [offline_drive.tick() for _ in range(3)]
    assert all(r.brake_pct == 80 for r in braking)
    assert braking[-1].speed_kmh < full_throttle[-1].speed_kmh - 20
    offline_drive.pedals = None  # the simulated driver takes over again
    assert offline_drive.tick().brake_pct != 80


def test_without_a_broker_the_drive_goes_on_and_counts_the_readings_not_sent(absent_broker,
                                                                            nothing_listens,
                                                                            tmp_path):  # fmt: skip
    start = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
    config = drive_config(absent_broker, tmp_path, f"http://{nothing_listens}")
    drive = Drive(replace(config, start=start))
    readings = [drive.tick() for _ in range(50)]
    assert readings[-1].seconds == 49
    assert drive.verdict.wait_idle(5)
    report = drive.stop()
    assert (report.stream.sent, report.stream.unsent, report.stream.connected) == (0, 50, False)
    assert "Not streaming" in (report.stream.problem or "")
    assert "lakehouse broker start" in (report.stream.problem or "")
    assert "lakehouse serve" in (report.verdict.problem or "")
    assert report.trip_metadata.name.startswith("2026-06-01T0800-seed")
