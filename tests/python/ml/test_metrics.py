import math

import pandas as pd
import pytest

from ml.metrics import classification_metrics, regression_metrics


def test_regression_metrics_and_mape_over_nonzero_actuals():
    result = regression_metrics([0, 2, 4], [1, 1, 5])
    assert result["mae"] == pytest.approx(1.0)
    assert result["rmse"] == pytest.approx(1.0)
    assert result["mape"] == pytest.approx((0.5 + 0.25) / 2)  # the zero actual is left out
    assert math.isnan(regression_metrics([], [])["mae"])


def test_classification_metrics_as_rows_with_the_confusion_matrix():
    actual = pd.Series(["calm", "calm", "normal", "aggressive"])
    predicted = pd.Series(["calm", "normal", "normal", "aggressive"])
    rows = classification_metrics(actual, predicted, ["calm", "normal", "aggressive"])
    by_key = {(r["metric"], r["class_label"], r["predicted_label"]): r["value"] for r in rows}
    assert by_key[("accuracy", None, None)] == 0.75
    assert by_key[("recall", "calm", None)] == 0.5
    assert by_key[("precision", "normal", None)] == 0.5
    assert by_key[("confusion_count", "calm", "normal")] == 1
    assert by_key[("confusion_count", "aggressive", "aggressive")] == 1
    assert sum(v for (m, _, _), v in by_key.items() if m == "confusion_count") == 4
