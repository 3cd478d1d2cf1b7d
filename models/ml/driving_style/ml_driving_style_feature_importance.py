"""The feature importances logged to MLflow with the current model's training run."""

from ml import steps


def model(dbt, session):
    return steps.feature_importance(dbt.ref("ml_driving_style_training"))
