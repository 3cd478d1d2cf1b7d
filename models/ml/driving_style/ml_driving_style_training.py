"""Train (or reuse) the model on the features' training split; one row per test metric."""

from ml import steps
from ml.driving_style import USE_CASE


def model(dbt, session):
    return steps.train(
        USE_CASE, dbt.ref("ml_driving_style_features"), dbt.config.meta_get("ml"), dbt.invocation_id
    )
