"""Time-based train/test splits. The cut-off is computed in SQL and recorded in the feature
tables' `split` column; here the two sides are separated and checked for leakage."""

from __future__ import annotations

import pandas as pd

TRAIN = "train"
TEST = "test"


class LeakageError(ValueError):
    """A training row is not strictly older than every test row."""


def train_test(frame: pd.DataFrame, time_column: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The `train` and `test` rows; raises if training rows are not all older than test rows."""
    unknown = set(frame["split"].dropna().unique()) - {TRAIN, TEST}
    if unknown:
        raise ValueError(f"unknown split values: {sorted(unknown)}")
    train = frame[frame["split"] == TRAIN]
    test = frame[frame["split"] == TEST]
    if train.empty:
        raise ValueError("no training rows: is there data before the split cut-off?")
    if not test.empty and train[time_column].max() >= test[time_column].min():
        raise LeakageError(
            f"training rows reach {train[time_column].max()}, test rows start at "
            f"{test[time_column].min()}: the split must be by time"
        )
    return train, test
