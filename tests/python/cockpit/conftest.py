"""The cockpit's tests: Qt offscreen (no display needed), a broker address where nothing
listens, and readings made by hand."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from cockpit.display import Reading
from cockpit.drive import Drive, DriveConfig
from ingest.kafka import KafkaSettings

from ..conftest import free_port

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before pytest-qt makes the QApplication


@pytest.fixture
def nothing_listens() -> str:
    """A loopback address with no server behind it (refused at once)."""
    return f"127.0.0.1:{free_port()}"


@pytest.fixture
def absent_broker(nothing_listens: str) -> KafkaSettings:
    return replace(KafkaSettings.from_env(), bootstrap_servers=nothing_listens, external=False)


def drive_config(
    kafka: KafkaSettings, landing: Path, api_url: str, profile: str = "normal"
) -> DriveConfig:
    return DriveConfig(kafka=kafka, landing_dir=landing, api_url=api_url, profile=profile)


@pytest.fixture
def offline_drive(absent_broker: KafkaSettings, nothing_listens: str, tmp_path: Path):
    """A drive with neither broker nor API; stopped at the end (stopping again changes nothing)."""
    drive = Drive(drive_config(absent_broker, tmp_path / "landing", f"http://{nothing_listens}"))
    yield drive
    drive.stop()


def reading(seconds: float = 0.0, **values: float) -> Reading:
    """A reading with ordinary values, some replaced."""
    defaults = dict(
        speed_kmh=50.0, rpm=2000, gear=3, throttle_pct=20.0, brake_pct=0.0,
        acceleration_ms2=0.0, coolant_temp_c=88.0,
    )  # fmt: skip
    return Reading(seconds=seconds, **{**defaults, **values})  # type: ignore[arg-type]
