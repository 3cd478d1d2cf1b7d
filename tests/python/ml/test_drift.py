import math

import numpy as np
import pytest

from ml import drift


def test_psi_matches_a_hand_computed_example():
    reference = np.arange(1, 11)  # median 5.5: two bins of 50 %
    current = [1, 2, 8, 9, 10, 10, 10, 10]  # 25 % / 75 %
    expected = (0.25 - 0.5) * math.log(0.25 / 0.5) + (0.75 - 0.5) * math.log(0.75 / 0.5)
    assert drift.psi(reference, current, bins=2) == pytest.approx(expected)
    assert expected == pytest.approx(0.27465, abs=1e-5)


def test_an_empty_bin_gets_epsilon_and_the_psi_stays_finite():
    value = drift.psi(np.arange(1, 11), [1, 2, 3], bins=2, epsilon=1e-4)
    expected = 0.5 * math.log(1 / 0.5) + (1e-4 - 0.5) * math.log(1e-4 / 0.5)
    assert value == pytest.approx(expected)
    assert math.isfinite(value)


def test_identical_samples_are_stable_and_missing_values_are_ignored():
    sample = np.random.default_rng(0).normal(size=5_000)
    assert drift.psi(sample, sample) == pytest.approx(0.0)
    assert drift.psi(sample, [*sample, np.nan, None]) == pytest.approx(0.0)
    assert math.isnan(drift.psi(sample, [np.nan]))


def test_levels_and_missing_rates():
    assert [drift.psi_level(v) for v in (0.05, 0.1, 0.25, 0.3)] == [
        "stable",
        "moderate",
        "moderate",
        "significant",
    ]
    assert drift.psi_level(float("nan")) is None
    assert drift.missing_rate([1.0, None, np.nan, 4.0]) == 0.5
