"""Publish ml_online_features as the Parquet snapshot the prediction API reads
(ml/online_features.py); one row describing what was published."""

from datetime import UTC, datetime

import pandas as pd

from ml import engine, online_features


def model(dbt, session):
    features = dbt.ref("ml_online_features")
    frame = engine.to_pandas(features)
    path = online_features.publish(frame)
    summary = pd.DataFrame(
        {
            "snapshot_path": [str(path)],
            "feature_rows": [len(frame)],
            "zones": [frame["zone_id"].nunique()],
            "newest_hour_at": [frame["hour_at"].max()],
            "published_at": [datetime.now(UTC).replace(tzinfo=None)],
        }
    )
    return engine.result(summary, like=features)
