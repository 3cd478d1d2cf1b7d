"""Model quality metrics, shared by training (MLflow) and monitoring (dbt tables)."""

from __future__ import annotations

from typing import TypedDict

import numpy as np
import pandas as pd
from sklearn import metrics as skm


class MetricRow(TypedDict):
    """One metric as a table row (the labels are None where not relevant)."""

    metric: str
    class_label: str | None
    predicted_label: str | None
    value: float


def classification_metrics(
    actual: pd.Series, predicted: pd.Series, labels: list[str]
) -> list[MetricRow]:
    """Accuracy, macro F1, per-class precision/recall/F1/support and the confusion matrix, as
    rows `{metric, class_label, predicted_label, value}` (labels are None where not relevant)."""
    rows: list[MetricRow] = [
        _row("accuracy", skm.accuracy_score(actual, predicted)),
        _row("macro_f1", skm.f1_score(actual, predicted, labels=labels, average="macro")),
    ]
    precision, recall, f1, support = skm.precision_recall_fscore_support(
        actual, predicted, labels=labels, zero_division=0
    )
    for i, label in enumerate(labels):
        rows += [
            _row("precision", precision[i], label),
            _row("recall", recall[i], label),
            _row("f1", f1[i], label),
            _row("support", support[i], label),
        ]
    matrix = skm.confusion_matrix(actual, predicted, labels=labels)
    rows += [
        _row("confusion_count", matrix[i, j], actual_label, predicted_label)
        for i, actual_label in enumerate(labels)
        for j, predicted_label in enumerate(labels)
    ]
    return rows


def regression_metrics(actual: pd.Series, predicted: pd.Series) -> dict[str, float]:
    """MAE, RMSE and MAPE (a fraction, over the rows whose actual value is not zero)."""
    actual = np.asarray(actual, dtype=float)
    predicted = np.asarray(predicted, dtype=float)
    if len(actual) == 0:
        return {"mae": np.nan, "rmse": np.nan, "mape": np.nan}
    errors = predicted - actual
    nonzero = actual != 0
    mape = float(np.mean(np.abs(errors[nonzero] / actual[nonzero]))) if nonzero.any() else np.nan
    return {
        "mae": float(np.mean(np.abs(errors))),
        "rmse": float(np.sqrt(np.mean(errors**2))),
        "mape": mape,
    }


def _row(
    metric: str, value: float, class_label: str | None = None, predicted_label: str | None = None
) -> MetricRow:
    return {
        "metric": metric,
        "class_label": class_label,
        "predicted_label": predicted_label,
        "value": float(value),
    }
