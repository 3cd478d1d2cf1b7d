"""Errors (MAE/RMSE/MAPE) or accuracy/F1 per model and day, against training."""

from ml import steps
from ml.driving_style import USE_CASE as DRIVING_STYLE
from ml.forecasting import DEMAND, SURGE


def model(dbt, session):
    monitored = [
        steps.Monitored(
            DRIVING_STYLE,
            dbt.ref("ml_driving_style_features"),
            dbt.ref("ml_driving_style_scores"),
            dbt.ref("ml_driving_style_training"),
        ),
        steps.Monitored(
            DEMAND,
            dbt.ref("ml_demand_features"),
            dbt.ref("ml_demand_forecasts"),
            dbt.ref("ml_demand_training"),
        ),
        steps.Monitored(
            SURGE,
            dbt.ref("ml_surge_features"),
            dbt.ref("ml_surge_predictions"),
            dbt.ref("ml_surge_training"),
        ),
    ]
    return steps.model_performance(monitored)
