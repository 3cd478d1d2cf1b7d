"""The live verdict's window features: the same aggregates as the dbt feature model, with the
same dbt vars, here checked against DuckDB's own aggregates over the same readings."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml

from cockpit import display, features
from ml.driving_style import FEATURES

from ..conftest import REPO_ROOT
from .conftest import reading


def test_constants_are_the_dbt_vars_of_the_feature_model():
    dbt_vars = yaml.safe_load((REPO_ROOT / "dbt_project.yml").read_text())["vars"]
    assert dbt_vars["harsh_acceleration_ms2"] == features.HARSH_ACCELERATION_MS2
    assert dbt_vars["harsh_braking_ms2"] == features.HARSH_BRAKING_MS2
    assert dbt_vars["ml_speeding_kmh"] == features.SPEEDING_KMH
    assert dbt_vars["ml_driving_window_minutes"] == features.WINDOW_MINUTES
    assert dbt_vars["ml_min_window_readings"] == display.MIN_READINGS
    assert dbt_vars["overheat_coolant_c"] == display.OVERHEAT_C


def test_too_few_readings_have_no_features():
    assert features.window_features([reading(s) for s in range(29)]) is None


def test_features_equal_the_sql_aggregates_of_the_same_readings():
    rng = np.random.default_rng(3)
    readings = [
        reading(second, speed_kmh=rng.uniform(0, 110), rpm=int(rng.integers(800, 6500)),
                throttle_pct=rng.uniform(0, 100), brake_pct=rng.choice([0.0, rng.uniform(0, 80)]),
                acceleration_ms2=rng.normal(0, 2.5), coolant_temp_c=80 + second * 0.05)
        for second in range(120)
    ]  # fmt: skip
    got = features.window_features(readings)
    assert got is not None and set(got) == set(FEATURES)
    frame = pd.DataFrame([vars(r) for r in readings])  # noqa: F841 (read by DuckDB)
    expected = duckdb.sql(
        """
        select
            avg(speed_kmh) as avg_speed_kmh,
            stddev_samp(speed_kmh) as std_speed_kmh,
            quantile_cont(speed_kmh, 0.9) as p90_speed_kmh,
            quantile_cont(rpm, 0.5) as p50_rpm,
            stddev_samp(throttle_pct) as std_throttle_pct,
            avg(cast(brake_pct > 0 as double)) as braking_share,
            count(case when acceleration_ms2 >= 3.0 then 1 end)
                / ((max(seconds) - min(seconds)) / 60 + 1 / 60e0) as harsh_accelerations_per_min,
            count(case when acceleration_ms2 <= -3.0 then 1 end)
                / ((max(seconds) - min(seconds)) / 60 + 1 / 60e0) as harsh_brakings_per_min,
            avg(cast(speed_kmh > 80 as double)) as speeding_share,
            avg(throttle_pct / 100.0 * rpm) as power_factor,
            60 * regr_slope(coolant_temp_c, seconds) as coolant_trend_c_per_min
        from frame
        """
    ).df()
    for name in expected.columns:
        assert got[name] == pytest.approx(float(expected[name].iloc[0]), rel=1e-9), name
    assert got["coolant_trend_c_per_min"] == pytest.approx(3.0)
