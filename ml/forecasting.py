"""Demand forecasting (next hour's requests per zone) and surge pricing (the multiplier per zone
and hour): gradient-boosted regressors, evaluated against what actually happened.

Demand is learned relative to each zone's level (`LevelScaledRegressor`): zones differ in size
by an order of magnitude but share the daily and weekly shape of demand, and relative to its
level every zone teaches the model the same shape. Learned in absolute requests, the trees
must piece together size x shape from a few rows per zone-hour, which at large volumes left
the model no better than the seasonal-naive baseline (same hour last week) - measured at 10M
trips, docs/ml.md.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.inspection import permutation_importance
from sklearn.pipeline import Pipeline

from ml.metrics import MetricRow, regression_metrics
from ml.training import UseCase, feature_matrix

IMPORTANCE_SAMPLE_ROWS = 5_000
ZONE_FEATURES = ("zone_area_km2", "zone_centroid_lat", "zone_centroid_lon")
TIME_FEATURES = ("hour_of_day", "day_of_week", "is_weekend", "is_holiday")
# Not watched for drift: calendar and zone columns are constants of a day, and rolling means
# barely move within one (a day holds about one independent value per zone).
UNMONITORED = (*TIME_FEATURES, *ZONE_FEATURES, "requests_mean_24h", "requests_mean_168h")

# The zone's demand level, and the features the demand model sees relative to it.
DEMAND_LEVEL = "requests_mean_168h"
DEMAND_RELATIVE = ("requests_lag_1h", "requests_lag_24h", "requests_lag_168h", "requests_mean_24h")
DEMAND_FEATURES = (*DEMAND_RELATIVE, DEMAND_LEVEL, *TIME_FEATURES)
SURGE_FEATURES = (
    "requests",
    "active_drivers",
    "demand_supply_ratio",
    "requests_prev_hour",
    "cancellations_prev_hour",
    *TIME_FEATURES,
    *ZONE_FEATURES,
)


class LevelScaledRegressor(RegressorMixin, BaseEstimator):
    """A regressor of the target relative to a level column: it fits `regressor` on
    target / (level + 1) with the `relative` columns divided the same way (the level itself is
    not a feature), and multiplies its predictions back. The + 1 keeps an empty zone finite."""

    def __init__(self, regressor=None, level: str = "", relative: tuple[str, ...] = ()):
        self.regressor = regressor
        self.level = level
        self.relative = relative

    def fit(self, X: pd.DataFrame, y) -> LevelScaledRegressor:
        scale = self._scale(X)
        target = np.asarray(y, dtype="float64") / scale
        self.regressor_ = clone(self.regressor).fit(self._relative_to(X, scale), target)
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        scale = self._scale(X)
        return self.regressor_.predict(self._relative_to(X, scale)) * scale

    def _scale(self, X: pd.DataFrame) -> np.ndarray:
        return X[self.level].to_numpy(dtype="float64") + 1.0

    def _relative_to(self, X: pd.DataFrame, scale: np.ndarray) -> pd.DataFrame:
        inputs = X.drop(columns=[self.level])
        for column in self.relative:  # column by column: half the time of a frame's `div`
            inputs[column] = X[column].to_numpy(dtype="float64") / scale
        return inputs


def build_demand(params: dict) -> Pipeline:
    regressor = HistGradientBoostingRegressor(**params)
    return Pipeline(
        [("model", LevelScaledRegressor(regressor, level=DEMAND_LEVEL, relative=DEMAND_RELATIVE))]
    )


def build_surge(params: dict) -> Pipeline:
    return Pipeline([("model", HistGradientBoostingRegressor(**params))])


def _predictor(features: tuple[str, ...]):
    def predict(pipeline: Pipeline, frame: pd.DataFrame, settings: dict) -> np.ndarray:
        low, high = settings.get("clip", [None, None])
        return np.clip(pipeline.predict(feature_matrix(frame, features)), low, high)

    return predict


def _evaluator(use_case_predict, target: str, baseline: str | None):
    def evaluate(pipeline: Pipeline, test: pd.DataFrame, settings: dict) -> list[MetricRow]:
        rows = _metric_rows(
            regression_metrics(test[target], use_case_predict(pipeline, test, settings))
        )
        if baseline:
            compared = test[test[baseline].notna()]
            rows += _metric_rows(
                regression_metrics(compared[target], compared[baseline]), prefix="baseline_"
            )
        return rows

    return evaluate


def _importances(features: tuple[str, ...], target: str):
    def importances(pipeline: Pipeline, test: pd.DataFrame) -> pd.Series:
        sample = test.sample(min(len(test), IMPORTANCE_SAMPLE_ROWS), random_state=0)
        result = permutation_importance(
            pipeline, feature_matrix(sample, features), sample[target], n_repeats=3, random_state=0
        )
        return pd.Series(result.importances_mean, index=list(features))

    return importances


def _outputs(predict, column: str):
    def outputs(pipeline: Pipeline, frame: pd.DataFrame, settings: dict) -> pd.DataFrame:
        return pd.DataFrame({column: predict(pipeline, frame, settings)})

    return outputs


def _metric_rows(metrics: dict[str, float], prefix: str = "") -> list[MetricRow]:
    return [
        {"metric": f"{prefix}{name}", "class_label": None, "predicted_label": None, "value": value}
        for name, value in metrics.items()
    ]


def _use_case(
    name: str,
    features: tuple[str, ...],
    build: Callable[[dict], Pipeline],
    target: str,
    prediction: str,
    baseline: str | None,
) -> UseCase:
    predict = _predictor(features)
    return UseCase(
        name=name,
        features=features,
        target=target,
        time_column="hour_at",
        keys=("zone_key", "hour_at"),
        carried=("zone_key", "zone_id", "hour_at", "date_day", "split"),
        prediction=prediction,
        build=build,
        predict=predict,
        evaluate=_evaluator(predict, target, baseline),
        importances=_importances(features, target),
        outputs=_outputs(predict, prediction),
        monitored=tuple(f for f in features if f not in UNMONITORED),
        trusted_types=(
            "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
            f"{__name__}.{LevelScaledRegressor.__qualname__}",
        ),
    )


DEMAND = _use_case(
    "demand_forecasting",
    DEMAND_FEATURES,
    build_demand,
    "requests",
    "predicted_requests",
    "baseline_requests",
)
SURGE = _use_case(
    "surge_pricing",
    SURGE_FEATURES,
    build_surge,
    "surge_multiplier",
    "predicted_surge_multiplier",
    None,
)


def demand_supply_ratio(requests: pd.Series, active_drivers: pd.Series) -> pd.Series:
    """Requests per active driver, undefined (NaN) without drivers - as agg_zone_hourly_demand
    computes it for training; the prediction API computes it from the live market state."""
    drivers = active_drivers.astype("float64").where(active_drivers > 0)
    return requests.astype("float64") / drivers
