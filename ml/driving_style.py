"""Driving-style classification: which behaviour profile (calm, normal, aggressive) a window of
driving comes from, learnt from the simulator's ground-truth labels."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.metrics import ConfusionMatrixDisplay
from sklearn.pipeline import Pipeline

from ml.metrics import MetricRow, classification_metrics
from ml.training import UseCase, feature_matrix

LABELS = ["calm", "normal", "aggressive"]
FEATURES = (
    "avg_speed_kmh",
    "std_speed_kmh",
    "p90_speed_kmh",
    "avg_rpm",
    "std_rpm",
    "p50_rpm",
    "p90_rpm",
    "max_rpm",
    "avg_throttle_pct",
    "std_throttle_pct",
    "p90_throttle_pct",
    "avg_brake_pct",
    "p90_brake_pct",
    "braking_share",
    "std_acceleration_ms2",
    "harsh_accelerations_per_min",
    "harsh_brakings_per_min",
    "speeding_share",
    "power_factor",
    "coolant_trend_c_per_min",
)


def build(params: dict) -> Pipeline:
    return Pipeline(
        [
            ("impute", SimpleImputer(strategy="median")),
            ("model", RandomForestClassifier(**params)),
        ]
    )


def predict(pipeline: Pipeline, frame: pd.DataFrame, settings: dict) -> np.ndarray:
    return pipeline.predict(feature_matrix(frame, FEATURES))


def outputs(pipeline: Pipeline, frame: pd.DataFrame, settings: dict) -> pd.DataFrame:
    """Predicted profile and the probability of each profile."""
    features = feature_matrix(frame, FEATURES)
    probabilities = pipeline.predict_proba(features)
    classes = list(pipeline.classes_)
    # The forest's own `predict` is this argmax: one pass over the trees instead of two.
    out = pd.DataFrame({"predicted_profile": pipeline.classes_[probabilities.argmax(axis=1)]})
    for label in LABELS:
        column = probabilities[:, classes.index(label)] if label in classes else 0.0
        out[f"probability_{label}"] = column
    return out


def evaluate(pipeline: Pipeline, test: pd.DataFrame, settings: dict) -> list[MetricRow]:
    return classification_metrics(
        test["driving_profile"], predict(pipeline, test, settings), LABELS
    )


def importances(pipeline: Pipeline, test: pd.DataFrame) -> pd.Series:
    return pd.Series(pipeline.named_steps["model"].feature_importances_, index=list(FEATURES))


def plots(pipeline: Pipeline, test: pd.DataFrame, settings: dict) -> dict:
    display = ConfusionMatrixDisplay.from_predictions(
        test["driving_profile"], predict(pipeline, test, settings), labels=LABELS
    )
    return {"confusion_matrix.png": display.figure_}


USE_CASE = UseCase(
    name="driving_style",
    features=FEATURES,
    target="driving_profile",
    time_column="window_start_at",
    keys=("window_id",),
    carried=("window_id", "vehicle_id", "driver_id", "window_start_at", "date_day", "split"),
    prediction="predicted_profile",
    build=build,
    predict=predict,
    evaluate=evaluate,
    importances=importances,
    outputs=outputs,
    plots=plots,
    # Engines warm up during a run, so the coolant trend moves with time since the start by
    # design; every other feature is watched.
    monitored=tuple(f for f in FEATURES if f != "coolant_trend_c_per_min"),
    trusted_types=("numpy.dtype", "sklearn.tree._tree.Tree"),
)
