"""Training against a real (temporary) MLflow store: determinism, training-split only, reuse."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ml import driving_style, tracking, training


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
