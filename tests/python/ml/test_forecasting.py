"""The demand model learns demand relative to each zone's level."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingRegressor

from ml.forecasting import LevelScaledRegressor


def _zones(levels: list[float]) -> tuple[pd.DataFrame, np.ndarray]:
    """Hours of zones that share one daily shape at different levels: the target is the
    shape times (level + 1), and the lag feature is the target a day before (the same)."""
    shape = 1 + 0.8 * np.sin(np.arange(24) / 24 * 2 * np.pi)
    level = np.repeat(levels, 24)
    hour = np.tile(np.arange(24), len(levels))
    target = shape[hour] * (level + 1)
    frame = pd.DataFrame({"lag_24h": target, "level": level, "hour": hour.astype(float)})
    return frame, target


def _trees() -> HistGradientBoostingRegressor:
    return HistGradientBoostingRegressor(max_iter=100, min_samples_leaf=2)


def test_a_shape_learned_on_small_zones_forecasts_a_large_one():
    train, target = _zones([1.0, 5.0, 10.0, 20.0, 50.0])
    large, expected = _zones([2_000.0])
    scaled = LevelScaledRegressor(_trees(), level="level", relative=("lag_24h",))
    scaled.fit(train, target)
    np.testing.assert_allclose(scaled.predict(large), expected, rtol=0.01)
    # In absolute terms the trees cannot forecast more than they have seen.
    absolute = _trees().fit(train, target)
    assert absolute.predict(large).max() <= target.max()


def test_the_level_is_not_a_feature_and_the_caller_frame_is_untouched():
    train, target = _zones([1.0, 5.0, 10.0])
    before = train.copy()
    scaled = LevelScaledRegressor(_trees(), level="level", relative=("lag_24h",))
    scaled.fit(train, target)
    assert list(scaled.regressor_.feature_names_in_) == ["lag_24h", "hour"]
    pd.testing.assert_frame_equal(train, before)
