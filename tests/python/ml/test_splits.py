import pandas as pd
import pytest

from ml.splits import LeakageError, train_test


def _frame(times: list[str], splits: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"at": pd.to_datetime(times), "split": splits})


def test_training_rows_are_strictly_older_than_test_rows():
    train, test = train_test(
        _frame(["2026-01-01", "2026-01-02", "2026-01-03"], ["train", "train", "test"]), "at"
    )
    assert len(train) == 2 and len(test) == 1


def test_a_training_row_from_the_test_period_is_refused():
    frame = _frame(["2026-01-01", "2026-01-03", "2026-01-02"], ["train", "train", "test"])
    with pytest.raises(LeakageError):
        train_test(frame, "at")


def test_no_training_rows_or_unknown_split_values_are_errors():
    with pytest.raises(ValueError, match="no training rows"):
        train_test(_frame(["2026-01-01"], ["test"]), "at")
    with pytest.raises(ValueError, match="unknown split"):
        train_test(_frame(["2026-01-01"], ["validation"]), "at")
