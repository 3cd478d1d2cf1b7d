"""The real-time prediction API: demand, surge and driving-style models by MLflow alias, online
features from the snapshot dbt publishes, every prediction logged to Bronze (docs/serving.md)."""
