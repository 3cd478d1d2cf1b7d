"""Promote each use case's newly trained version: set the `champion` alias the prediction API
serves. It refs the training tables, whose gate tests (the driving-style macro-F1 floor,
demand beating the seasonal-naive baseline) run first in `dbt build`: when a gate fails, dbt
skips this model and the alias stays on the last version that passed."""

from datetime import UTC, datetime

import pandas as pd

from ml import engine, tracking


def model(dbt, session):
    trained = [
        dbt.ref("ml_driving_style_training"),
        dbt.ref("ml_demand_training"),
        dbt.ref("ml_surge_training"),
    ]
    rows = []
    for table in trained:
        run = engine.to_pandas(table)[["model_name", "model_version", "run_id"]].iloc[0]
        moved = tracking.set_alias(run["model_name"], int(run["model_version"]))
        rows.append(
            {
                "model_name": run["model_name"],
                "model_version": int(run["model_version"]),
                "run_id": run["run_id"],
                "alias": tracking.CHAMPION,
                "alias_moved": moved,
                "promoted_at": datetime.now(UTC).replace(tzinfo=None),
            }
        )
    return engine.result(pd.DataFrame(rows), like=trained[0])
