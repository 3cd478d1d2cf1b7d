"""Train (or reuse) the model on the features' training split; one row per test metric."""

from ml import steps
from ml.forecasting import SURGE


def model(dbt, session):
    return steps.train(
        SURGE, dbt.ref("ml_surge_features"), dbt.config.meta_get("ml"), dbt.invocation_id
    )
