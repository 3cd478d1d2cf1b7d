"""Loaders: CSV files and the telemetry topic into Bronze, each batch once."""
