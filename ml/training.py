"""Train a use case's pipeline on the training split, evaluate it on the test split, and log the
run to MLflow: parameters, metrics, feature importances (JSON and a bar chart), plots, the
training data's size and time range, the dbt invocation id, and the fitted pipeline with an
input signature, registered as a new version of the use case's model.

Training is keyed by a fingerprint of the training rows and parameters: when the registry
already holds a version trained on the same rows with the same parameters, that version is
reused instead of registering a duplicate, so a `dbt build` with no new data keeps the model
version (and the scoring tables) as they are.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field

import matplotlib

matplotlib.use("Agg")  # no display: render plots to files

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import sklearn
from mlflow.models import infer_signature
from sklearn.base import BaseEstimator
from sklearn.pipeline import Pipeline

from ml import splits, tracking
from ml.metrics import MetricRow
from ml.tracking import mlflow

IMPORTANCE_ARTIFACT = "feature_importance.json"


def feature_matrix(frame: pd.DataFrame, features: tuple[str, ...]) -> pd.DataFrame:
    """The model's input: the feature columns as floats (missing values become NaN)."""
    return frame[list(features)].astype("float64")


@dataclass(frozen=True)
class UseCase:
    """What a use case trains on and how: its features, target and time column, and the
    functions that build, evaluate and explain its pipeline."""

    name: str
    features: tuple[str, ...]
    target: str
    time_column: str
    keys: tuple[str, ...]  # identify a feature row (and, with the model version, a score)
    carried: tuple[str, ...]  # feature-table columns copied into the scores
    prediction: str  # the scores' prediction column
    build: Callable[[dict], Pipeline]
    predict: Callable[[Pipeline, pd.DataFrame, dict], np.ndarray]
    evaluate: Callable[[Pipeline, pd.DataFrame, dict], list[MetricRow]]
    importances: Callable[[Pipeline, pd.DataFrame], pd.Series]
    outputs: Callable[[Pipeline, pd.DataFrame, dict], pd.DataFrame]
    # Types in the pipeline that skops does not trust by default and we have reviewed: the
    # pipelines are ours, saved and loaded only by this project.
    trusted_types: tuple[str, ...] = ()
    # Features whose distribution is watched for drift (not the calendar or zone constants).
    monitored: tuple[str, ...] = ()
    plots: Callable[[Pipeline, pd.DataFrame, dict], dict[str, plt.Figure]] = field(
        default=lambda pipeline, test, settings: {}
    )

    @property
    def registered_model(self) -> str:
        return f"mobility_{self.name}"


@dataclass
class TrainingResult:
    version: int
    run_id: str
    reused: bool
    metrics: list[MetricRow]
    training_rows: int
    training_from: object
    training_to: object

    def metrics_frame(self, use_case: UseCase) -> pd.DataFrame:
        """The metrics as table rows, with the model version and training window."""
        frame = pd.DataFrame(
            self.metrics, columns=["metric", "class_label", "predicted_label", "value"]
        )
        frame.insert(0, "model_name", use_case.registered_model)
        frame.insert(1, "model_version", self.version)
        frame.insert(2, "run_id", self.run_id)
        frame["evaluated_on"] = splits.TEST
        frame["training_rows"] = self.training_rows
        frame["training_from"] = self.training_from
        frame["training_to"] = self.training_to
        return frame


def train(
    use_case: UseCase, frame: pd.DataFrame, settings: dict, invocation_id: str | None = None
) -> TrainingResult:
    """Fit (or reuse) the use case's model on `frame`'s training rows; evaluate on its test rows."""
    labelled = frame[frame[use_case.target].notna()]
    train_rows, test_rows = splits.train_test(labelled, use_case.time_column)
    if test_rows.empty:
        raise ValueError(f"{use_case.name}: no test rows after the split cut-off")
    params = settings.get("params", {})
    fingerprint = training_fingerprint(use_case, train_rows, params)
    existing = tracking.version_with_fingerprint(use_case.registered_model, fingerprint)
    if existing:
        if existing.run_id is None:
            raise LookupError(
                f"{use_case.registered_model} version {existing.version} has no training run"
            )
        pipeline, _ = tracking.load_model(use_case.registered_model, existing.version)
        version, run_id, reused = int(existing.version), existing.run_id, True
    else:
        pipeline = use_case.build(params)
        pipeline.fit(feature_matrix(train_rows, use_case.features), train_rows[use_case.target])
    metrics = use_case.evaluate(pipeline, test_rows, settings)
    if not existing:
        version, run_id = _log_run(
            use_case, pipeline, train_rows, test_rows, metrics, settings, fingerprint, invocation_id
        )
        reused = False
    return TrainingResult(
        version=version,
        run_id=run_id,
        reused=reused,
        metrics=metrics,
        training_rows=len(train_rows),
        training_from=train_rows[use_case.time_column].min(),
        training_to=train_rows[use_case.time_column].max(),
    )


def training_fingerprint(use_case: UseCase, train_rows: pd.DataFrame, params: dict) -> str:
    """A digest of the training rows, the pipeline (its steps' classes and every parameter) and
    the library version, equal for the same rows read from DuckDB or from Spark (`_canonical`)."""
    columns = [*use_case.features, use_case.target, use_case.time_column]
    rows = pd.DataFrame({c: _canonical(train_rows[c]) for c in columns})
    rows = rows.sort_values(columns).reset_index(drop=True)
    pipeline = _described(use_case.build(params))
    digest = hashlib.sha256()
    digest.update(pd.util.hash_pandas_object(rows, index=False).to_numpy().tobytes())
    digest.update(
        json.dumps([pipeline, columns, sklearn.__version__], sort_keys=True, default=repr).encode()
    )
    return digest.hexdigest()


def _described(pipeline: Pipeline) -> dict[str, object]:
    """Every parameter of the pipeline and of its steps, with estimators named by class."""
    return {
        name: f"{type(value).__module__}.{type(value).__qualname__}"
        if isinstance(value, BaseEstimator)
        else value
        for name, value in pipeline.get_params(deep=True).items()
        if name != "steps"
    }


def _canonical(column: pd.Series) -> pd.Series:
    """Numbers as floats rounded to 9 decimals (parallel aggregates differ in the last bits
    from run to run and from engine to engine; Spark hands decimals over as objects), anything
    else (labels, timestamps of either precision) as text."""
    try:
        return column.astype("float64").round(9)
    except (TypeError, ValueError):
        return column.astype(str)


def feature_importances(run_id: str) -> pd.DataFrame:
    """The importances logged with a training run, most important first."""
    logged = mlflow.artifacts.load_dict(f"runs:/{run_id}/{IMPORTANCE_ARTIFACT}")
    frame = pd.DataFrame({"feature": list(logged), "importance": list(logged.values())})
    frame = frame.sort_values("importance", ascending=False, ignore_index=True)
    frame["importance_rank"] = np.arange(1, len(frame) + 1)
    return frame


def _log_run(
    use_case: UseCase,
    pipeline: Pipeline,
    train_rows: pd.DataFrame,
    test_rows: pd.DataFrame,
    metrics: list[MetricRow],
    settings: dict,
    fingerprint: str,
    invocation_id: str | None,
) -> tuple[int, str]:
    client = tracking.client()
    experiment = tracking.experiment_id(use_case.registered_model)
    features = feature_matrix(train_rows, use_case.features)
    with mlflow.start_run(experiment_id=experiment) as run:
        mlflow.log_params({f"model.{k}": v for k, v in settings.get("params", {}).items()})
        mlflow.log_params(
            {
                "features": ",".join(use_case.features),
                "target": use_case.target,
                "training_rows": len(train_rows),
                "test_rows": len(test_rows),
                "training_from": str(train_rows[use_case.time_column].min()),
                "training_to": str(train_rows[use_case.time_column].max()),
            }
        )
        mlflow.set_tags({"dbt_invocation_id": invocation_id or "", "use_case": use_case.name})
        for row in metrics:
            if row["predicted_label"] is None:
                suffix = f"_{row['class_label']}" if row["class_label"] else ""
                mlflow.log_metric(f"test_{row['metric']}{suffix}", row["value"])
        importances = use_case.importances(pipeline, test_rows).sort_values()
        mlflow.log_dict({k: float(v) for k, v in importances.items()}, IMPORTANCE_ARTIFACT)
        mlflow.log_figure(_importance_chart(importances), "feature_importance.png")
        for name, figure in use_case.plots(pipeline, test_rows, settings).items():
            mlflow.log_figure(figure, name)
        plt.close("all")
        signature = infer_signature(
            features.head(100), use_case.predict(pipeline, features.head(100), settings)
        )
        logged = mlflow.sklearn.log_model(
            pipeline,
            name="model",
            signature=signature,
            pip_requirements=[f"scikit-learn=={sklearn.__version__}"],
            skops_trusted_types=list(use_case.trusted_types) or None,
        )
    version = mlflow.register_model(logged.model_uri, use_case.registered_model)
    client.set_model_version_tag(
        use_case.registered_model, version.version, tracking.FINGERPRINT_TAG, fingerprint
    )
    return int(version.version), run.info.run_id


def _importance_chart(importances: pd.Series) -> plt.Figure:
    figure, axes = plt.subplots(figsize=(7, 0.3 * len(importances) + 1))
    axes.barh(importances.index, importances.to_numpy())
    axes.set_xlabel("importance")
    figure.tight_layout()
    return figure
