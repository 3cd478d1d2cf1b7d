"""Training against a real (temporary) MLflow store: determinism, training-split only, reuse."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import ExtraTreesClassifier
from sklearn.pipeline import Pipeline

from ml import driving_style, forecasting, tracking, training


@pytest.fixture
def mlflow_store(lakehouse_dir, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return lakehouse_dir


def _windows(n: int = 240, seed: int = 3) -> pd.DataFrame:
    """Windows of three separable profiles, in time order; the last 30 % are the test split."""
    rng = np.random.default_rng(seed)
    labels = np.array(driving_style.LABELS)[rng.integers(0, 3, n)]
    level = pd.Series(labels).map({"calm": 0.0, "normal": 1.0, "aggressive": 2.0}).to_numpy()
    frame = pd.DataFrame({f: level * 10 + rng.normal(0, 3, n) for f in driving_style.FEATURES})
    frame["driving_profile"] = labels
    frame["window_start_at"] = pd.date_range("2026-01-05 08:00", periods=n, freq="10s")
    frame["split"] = np.where(np.arange(n) < int(n * 0.7), "train", "test")
    return frame


SETTINGS = {"params": {"n_estimators": 50, "max_depth": 6, "random_state": 42}}


def test_training_is_deterministic_and_uses_only_the_training_rows(mlflow_store):
    frame = _windows()
    result = training.train(driving_style.USE_CASE, frame, SETTINGS, "invocation-1")
    assert result.training_rows == 168 and not result.reused
    model, version = tracking.load_model("mobility_driving_style")
    assert version.version == result.version

    train = frame[frame["split"] == "train"]
    expected = driving_style.build(SETTINGS["params"])
    expected.fit(train[list(driving_style.FEATURES)], train["driving_profile"])
    features = frame[list(driving_style.FEATURES)]
    assert (model.predict_proba(features) == expected.predict_proba(features)).all()

    metrics = result.metrics_frame(driving_style.USE_CASE)
    f1 = metrics.loc[metrics["metric"] == "macro_f1", "value"].item()
    assert f1 > 0.9
    run = tracking.client().get_run(result.run_id)
    assert run.data.tags["dbt_invocation_id"] == "invocation-1"
    assert run.data.params["training_rows"] == "168"
    artifacts = {a.path for a in tracking.client().list_artifacts(result.run_id)}
    assert {
        "feature_importance.json",
        "feature_importance.png",
        "confusion_matrix.png",
    } <= artifacts
    importances = training.feature_importances(result.run_id)
    assert importances["importance"].sum() == pytest.approx(1.0)


def test_the_same_training_data_reuses_the_registered_version(mlflow_store):
    frame = _windows()
    first = training.train(driving_style.USE_CASE, frame, SETTINGS)
    again = training.train(driving_style.USE_CASE, frame, SETTINGS)
    assert again.reused and again.version == first.version and again.metrics == first.metrics
    changed = training.train(driving_style.USE_CASE, _windows(seed=4), SETTINGS)
    assert not changed.reused and int(changed.version) == int(first.version) + 1


def test_the_fingerprint_is_the_same_however_an_engine_hands_the_rows_over():
    """DuckDB and Spark give pandas the same rows with other dtypes (timestamp units, decimals
    as objects, narrower integers) and last-bit differences in aggregates."""
    from decimal import Decimal

    duckdb_like = _windows()
    spark_like = duckdb_like.iloc[::-1].copy()  # another row order
    spark_like["window_start_at"] = spark_like["window_start_at"].astype("datetime64[ns]")
    first = driving_style.FEATURES[0]
    spark_like[first] = [Decimal(repr(v)) for v in spark_like[first]]
    spark_like[driving_style.FEATURES[1]] *= 1 + 1e-15
    fingerprint = training.training_fingerprint
    params = SETTINGS["params"]
    same = fingerprint(driving_style.USE_CASE, spark_like, params)
    assert same == fingerprint(driving_style.USE_CASE, duckdb_like, params)
    spark_like[driving_style.FEATURES[2]] += 1e-6
    assert fingerprint(driving_style.USE_CASE, spark_like, params) != same


def test_the_fingerprint_changes_with_the_pipeline():
    """Same rows, same parameters, another model in the pipeline: a new version must train."""
    frame = _windows()
    params = SETTINGS["params"]
    other = dataclasses.replace(
        driving_style.USE_CASE, build=lambda p: Pipeline([("model", ExtraTreesClassifier(**p))])
    )
    fingerprint = training.training_fingerprint
    assert fingerprint(other, frame, params) != fingerprint(driving_style.USE_CASE, frame, params)


def test_the_demand_model_round_trips_through_the_registry(mlflow_store):
    """The demand pipeline holds the project's own LevelScaledRegressor: skops must be told to
    trust it, and the loaded model must forecast what the trained one did."""
    rng = np.random.default_rng(5)
    hours = pd.date_range("2026-01-05", periods=24 * 21, freq="h")
    frame = pd.DataFrame({"hour_at": np.tile(hours, 3)})
    level = np.repeat([5.0, 50.0, 500.0], len(hours))
    for feature in forecasting.DEMAND_FEATURES:
        frame[feature] = level * rng.uniform(0.5, 1.5, len(frame))
    frame["requests"] = rng.poisson(frame["requests_lag_168h"])
    frame["baseline_requests"] = frame["requests_lag_168h"]
    frame["split"] = np.where(frame["hour_at"] < hours[24 * 14], "train", "test")
    result = training.train(forecasting.DEMAND, frame, {"params": {"max_iter": 20}})
    model, _ = tracking.load_model("mobility_demand_forecasting")
    features = training.feature_matrix(frame, forecasting.DEMAND_FEATURES)
    train = frame["split"] == "train"
    expected = forecasting.build_demand({"max_iter": 20})
    expected.fit(features[train], frame.loc[train, "requests"])
    assert result.version == 1
    assert (model.predict(features) == expected.predict(features)).all()
