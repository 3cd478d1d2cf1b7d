"""Prediction volume per day (with a change flag) and the predictions' PSI, per model."""

from ml import steps
from ml.driving_style import USE_CASE as DRIVING_STYLE
from ml.forecasting import DEMAND, SURGE


def model(dbt, session):
    scores = {
        DRIVING_STYLE: dbt.ref("ml_driving_style_scores"),
        DEMAND: dbt.ref("ml_demand_forecasts"),
        SURGE: dbt.ref("ml_surge_predictions"),
    }
    return steps.prediction_drift(scores, dbt.config.meta_get("ml"))
