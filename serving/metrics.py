"""Prometheus metrics of the API, in a registry of its own (GET /metrics)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry()
LABELS = ("endpoint", "model", "version", "status")
REQUESTS = Counter(
    "lakehouse_api_requests", "Requests answered, per endpoint, model and status", LABELS,
    registry=REGISTRY,
)  # fmt: skip
LATENCY = Histogram(
    "lakehouse_api_request_duration_seconds",
    "Time to answer a request, per endpoint, model and status",
    LABELS,
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
    registry=REGISTRY,
)
PREDICTIONS = Counter(
    "lakehouse_api_predictions", "Rows predicted (a batch counts its rows)", ("model", "version"),
    registry=REGISTRY,
)  # fmt: skip
FEATURES_AGE = Gauge(
    "lakehouse_api_features_age_seconds", "Age of the online feature snapshot", registry=REGISTRY
)
MODEL_VERSION = Gauge(
    "lakehouse_api_model_version", "Served version per model", ("model",), registry=REGISTRY
)
