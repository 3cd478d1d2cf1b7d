"""PSI and missing-rate shift of every feature, per model and scoring day."""

from ml import steps
from ml.driving_style import USE_CASE as DRIVING_STYLE
from ml.forecasting import DEMAND, SURGE


def model(dbt, session):
    features = {
        DRIVING_STYLE: dbt.ref("ml_driving_style_features"),
        DEMAND: dbt.ref("ml_demand_features"),
        SURGE: dbt.ref("ml_surge_features"),
    }
    return steps.feature_drift(features, dbt.config.meta_get("ml"))
