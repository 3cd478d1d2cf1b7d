"""Score every feature row with the registered model version in use (incremental: a version
scores each row once)."""

from ml import steps
from ml.forecasting import DEMAND


def model(dbt, session):
    dbt.ref("ml_demand_training")  # the model version is registered before scoring
    return steps.score(
        DEMAND,
        dbt.ref("ml_demand_features"),
        dbt.config.meta_get("ml"),
        session,
        dbt.this if dbt.is_incremental else None,
        dbt.invocation_id,
    )
