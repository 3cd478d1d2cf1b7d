"""Train (or reuse) the model on the features' training split; one row per test metric."""

from ml import steps
from ml.forecasting import DEMAND


def model(dbt, session):
    return steps.train(
        DEMAND, dbt.ref("ml_demand_features"), dbt.config.meta_get("ml"), dbt.invocation_id
    )
