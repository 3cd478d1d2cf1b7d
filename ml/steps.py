"""The work behind each dbt Python model in models/ml/: the models pass in their refs and their
YAML settings (`config.meta.ml`) and get their rows back, on DuckDB or on Spark (`ml.engine`).

The feature tables are aggregates (windows of driving, zone-hours), so training and monitoring
read them into pandas (training at most `max_training_rows` rows); scoring predicts in batches
of `batch_rows`, on Spark in its Python workers over the whole table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import numpy as np
import pandas as pd

from ml import drift, engine, metrics, splits, tracking, training
from ml.training import UseCase

CLASSIFICATION_METRICS = ("accuracy", "macro_f1")  # higher is better; errors: lower is better
MAX_TRAINING_ROWS = 2_000_000


@dataclass(frozen=True)
class Monitored:
    """A use case's tables, as the monitoring models read them."""

    use_case: UseCase
    features: object
    scores: object
    training_metrics: object


def train(use_case: UseCase, features, settings: dict, invocation_id: str | None):
    """Fit (or reuse) the model and return its test-split metrics as rows."""
    max_rows = int(settings.get("max_training_rows", MAX_TRAINING_ROWS))
    frame = engine.bounded_sample(features, use_case.keys, max_rows)
    result = training.train(use_case, frame, settings, invocation_id)
    tracking.set_predict_settings(use_case.registered_model, result.version, settings)
    return engine.result(result.metrics_frame(use_case), like=features)


def feature_importance(training_metrics):
    """The importances logged with the run behind the current training-metrics table."""
    run = engine.to_pandas(training_metrics)[["model_name", "model_version", "run_id"]].iloc[0]
    frame = training.feature_importances(run["run_id"])
    for i, column in enumerate(run.index):
        frame.insert(i, column, run[column])
    return engine.result(frame, like=training_metrics)


def score(
    use_case: UseCase, features, settings: dict, session, existing, invocation_id: str | None
):
    """Score every feature row not yet scored by the model version in use (`model_version`,
    latest by default). `existing` is the scores table on incremental runs: a re-run with the
    same version adds nothing, a new version adds its own rows beside the old ones."""
    pipeline, version = tracking.load_model(
        use_case.registered_model, settings.get("model_version", tracking.LATEST)
    )
    scored_at = datetime.now(UTC).replace(tzinfo=None)

    def score_rows(frame: pd.DataFrame) -> pd.DataFrame:
        predictions = use_case.outputs(pipeline, frame, settings)
        out = pd.concat([frame[list(use_case.carried)].reset_index(drop=True), predictions], axis=1)
        out["model_name"] = use_case.registered_model
        out["model_version"] = int(version.version)
        out["scored_at"] = scored_at
        out["dbt_invocation_id"] = invocation_id
        return out

    template = score_rows(engine.to_pandas(features.limit(1)))
    if existing is not None:
        features = engine.unscored(
            features, session, str(existing), use_case.keys, int(version.version)
        )
    batch_rows = int(settings.get("batch_rows", 100_000))
    return engine.map_batches(features, score_rows, batch_rows, template)


def feature_drift(features: dict[UseCase, object], settings: dict) -> pd.DataFrame:
    """PSI and missing-rate shift of every monitored feature, per use case and scoring day
    (each day of rows after the split cut-off with at least `min_scoring_rows` rows: PSI over
    a handful of rows is noise), against the training window (the `train` split)."""
    bins = int(settings.get("psi_bins", 10))
    min_rows = int(settings.get("min_scoring_rows", 100))
    rows = []
    for use_case, table in features.items():
        frame = engine.to_pandas(table)
        reference = frame[frame["split"] == splits.TRAIN]
        for day, current in frame[frame["split"] == splits.TEST].groupby("date_day"):
            if len(current) < min_rows:
                continue
            for feature in use_case.monitored:
                value = drift.psi(reference[feature], current[feature], bins)
                reference_missing = drift.missing_rate(reference[feature])
                current_missing = drift.missing_rate(current[feature])
                rows.append(
                    {
                        "model_name": use_case.registered_model,
                        "feature": feature,
                        "date_day": _date(day),
                        "reference_rows": len(reference),
                        "scoring_rows": len(current),
                        "psi": value,
                        "psi_level": drift.psi_level(value),
                        "reference_missing_rate": reference_missing,
                        "scoring_missing_rate": current_missing,
                        "missing_rate_shift": current_missing - reference_missing,
                    }
                )
    return engine.result(pd.DataFrame(rows), like=next(iter(features.values())))


def prediction_drift(scores: dict[UseCase, object], settings: dict) -> pd.DataFrame:
    """Per use case and day, for the latest model version: how many predictions were made
    (flagged when the volume moves by more than `volume_change_threshold` against the day
    before) and, on days after the split cut-off with `min_scoring_rows` predictions, the PSI
    of the predictions against those made on the training window (labels as class codes)."""
    bins = int(settings.get("psi_bins", 10))
    min_rows = int(settings.get("min_scoring_rows", 100))
    threshold = float(settings.get("volume_change_threshold", 0.5))
    rows = []
    for use_case, table in scores.items():
        column = use_case.prediction
        frame = _latest_version(engine.to_pandas(table))
        if not pd.api.types.is_numeric_dtype(frame[column]):
            frame[column] = frame[column].astype("category").cat.codes
        reference = frame.loc[frame["split"] == splits.TRAIN, column]
        previous: int | None = None  # the day before's predictions
        for day, current in frame.groupby("date_day"):
            change: float | None = (len(current) - previous) / previous if previous else None
            watched = bool((current["split"] == splits.TEST).all()) and len(current) >= min_rows
            value = drift.psi(reference, current[column], bins) if watched else np.nan
            rows.append(
                {
                    "model_name": use_case.registered_model,
                    "model_version": frame["model_version"].iloc[0],
                    "date_day": _date(day),
                    "predictions": len(current),
                    "volume_change": change,
                    "is_volume_change": change is not None and abs(change) > threshold,
                    "prediction_psi": value,
                    "prediction_psi_level": drift.psi_level(value),
                }
            )
            previous = len(current)
    return engine.result(pd.DataFrame(rows), like=next(iter(scores.values())))


def model_performance(monitored: list[Monitored]) -> pd.DataFrame:
    """Per use case and day after the split cut-off, the latest model's MAE/RMSE/MAPE (or
    accuracy and macro F1) against the actuals known so far, beside the value measured on the
    test split at training time. `degradation` > 1 means worse than at training."""
    rows = []
    for item in monitored:
        use_case = item.use_case
        scores = _latest_version(engine.to_pandas(item.scores))
        actuals = engine.to_pandas(item.features)[[*use_case.keys, use_case.target]]
        joined = scores.merge(actuals, on=list(use_case.keys)).dropna(subset=[use_case.target])
        joined = joined[joined["split"] == splits.TEST]
        trained = engine.to_pandas(item.training_metrics)
        overall = trained[trained["class_label"].isna()]
        at_training = dict(zip(overall["metric"], overall["value"], strict=True))
        for day, current in joined.groupby("date_day"):
            for metric, value in _measure(use_case, current).items():
                if pd.isna(value):  # undefined that day (MAPE when every actual is zero)
                    continue
                reference = at_training.get(metric)
                degradation = None
                if reference and value:
                    higher_is_better = metric in CLASSIFICATION_METRICS
                    degradation = reference / value if higher_is_better else value / reference
                rows.append(
                    {
                        "model_name": use_case.registered_model,
                        "model_version": scores["model_version"].iloc[0],
                        "date_day": _date(day),
                        "rows_with_actuals": len(current),
                        "metric": metric,
                        "value": value,
                        "value_at_training": reference,
                        "degradation": degradation,
                    }
                )
    return engine.result(pd.DataFrame(rows), like=monitored[0].scores)


def _measure(use_case: UseCase, rows: pd.DataFrame) -> dict[str, float]:
    actual, predicted = rows[use_case.target], rows[use_case.prediction]
    if pd.api.types.is_numeric_dtype(predicted):
        return metrics.regression_metrics(actual, predicted)
    labels = sorted(set(actual) | set(predicted))
    return {
        row["metric"]: row["value"]
        for row in metrics.classification_metrics(actual, predicted, labels)
        if row["metric"] in CLASSIFICATION_METRICS
    }


def _date(day) -> date:
    return pd.Timestamp(day).date()


def _latest_version(frame: pd.DataFrame) -> pd.DataFrame:
    versions = frame["model_version"].astype(int)
    return frame[versions == versions.max()].copy()
