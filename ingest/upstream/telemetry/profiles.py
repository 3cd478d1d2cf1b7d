"""Who drives and what they drive: the drivers' behaviour profiles and the powertrain.

A profile's name is the ground truth the driving-style model learns (a label, never a
feature); the `driving_profiles` and `engine_parameters` seeds describe these values to dbt
(tests/python/ingest/upstream/test_seeds_match_simulator.py keeps them equal).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


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


POWERTRAIN = Powertrain()  # the fleet's shared model
