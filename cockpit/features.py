"""The driving-style features of a window of readings, computed as dbt computes them for
training (models/ml/features/ml_driving_style_features.sql), for the live verdict."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from cockpit.display import MIN_READINGS, Reading

# The dbt vars the feature model reads (tests/python/cockpit/test_features.py keeps them equal).
HARSH_ACCELERATION_MS2 = 3.0  # harsh_acceleration_ms2
HARSH_BRAKING_MS2 = 3.0  # harsh_braking_ms2
SPEEDING_KMH = 80.0  # ml_speeding_kmh
WINDOW_MINUTES = 2  # ml_driving_window_minutes


def window_features(readings: Sequence[Reading]) -> dict[str, float] | None:
    """The features of these readings (one window), or None for fewer than a window needs."""
    if len(readings) < MIN_READINGS:
        return None
    speed = np.array([r.speed_kmh for r in readings])
    rpm = np.array([r.rpm for r in readings], dtype=float)
    throttle = np.array([r.throttle_pct for r in readings])
    brake = np.array([r.brake_pct for r in readings])
    acceleration = np.array([r.acceleration_ms2 for r in readings])
    seconds = np.array([r.seconds for r in readings])
    coolant = np.array([r.coolant_temp_c for r in readings])
    minutes = (seconds[-1] - seconds[0]) / 60 + 1 / 60
    return {
        "avg_speed_kmh": float(speed.mean()),
        "std_speed_kmh": float(speed.std(ddof=1)),
        "p90_speed_kmh": float(np.percentile(speed, 90)),
        "avg_rpm": float(rpm.mean()),
        "std_rpm": float(rpm.std(ddof=1)),
        "p50_rpm": float(np.percentile(rpm, 50)),
        "p90_rpm": float(np.percentile(rpm, 90)),
        "max_rpm": float(rpm.max()),
        "avg_throttle_pct": float(throttle.mean()),
        "std_throttle_pct": float(throttle.std(ddof=1)),
        "p90_throttle_pct": float(np.percentile(throttle, 90)),
        "avg_brake_pct": float(brake.mean()),
        "p90_brake_pct": float(np.percentile(brake, 90)),
        "braking_share": float((brake > 0).mean()),
        "std_acceleration_ms2": float(acceleration.std(ddof=1)),
        "harsh_accelerations_per_min": float((acceleration >= HARSH_ACCELERATION_MS2).sum())
        / minutes,
        "harsh_brakings_per_min": float((acceleration <= -HARSH_BRAKING_MS2).sum()) / minutes,
        "speeding_share": float((speed > SPEEDING_KMH).mean()),
        "power_factor": float((throttle / 100.0 * rpm).mean()),
        "coolant_trend_c_per_min": _slope_per_minute(seconds, coolant),
    }


def _slope_per_minute(seconds: np.ndarray, values: np.ndarray) -> float:
    """The least-squares slope (SQL's regr_slope) over readings at distinct seconds, per minute."""
    x = seconds - seconds.mean()
    return 60 * float((x * (values - values.mean())).sum()) / float((x**2).sum())
