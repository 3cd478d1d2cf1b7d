"""The served models: each use case's registered version that the `champion` alias points to,
loaded at start-up and swapped when the alias moves.

A swap replaces one reference (`ModelStore.current[use_case]`) with a fully loaded model: a
request in flight keeps the object it started with, the next one gets the new version; nothing
is ever half-loaded. OpenMP and the forest's jobs are limited to one thread: single-row
latency on a shared CPU suffers from more (docs/serving.md).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ml import driving_style, tracking
from ml.forecasting import DEMAND, SURGE
from ml.training import UseCase
from serving.schemas import UseCaseName

log = logging.getLogger(__name__)
USE_CASES: dict[UseCaseName, UseCase] = {
    UseCaseName.demand: DEMAND,
    UseCaseName.surge: SURGE,
    UseCaseName.driving_style: driving_style.USE_CASE,
}


@dataclass(frozen=True)
class ServedModel:
    use_case: UseCase
    pipeline: object
    version: int
    run_id: str | None
    settings: dict
    alias: str
    loaded_at: datetime
    run_params: dict = field(default_factory=dict)
    test_metrics: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.use_case.registered_model


def load(use_case: UseCase, alias: str) -> ServedModel:
    """The version `alias` points to, loaded, with its run's training window and test metrics."""
    pipeline, version = tracking.load_by_alias(use_case.registered_model, alias)
    _single_threaded(pipeline)
    params: dict = {}
    metrics: dict = {}
    if version.run_id:
        run = tracking.client().get_run(version.run_id)
        params, metrics = dict(run.data.params), dict(run.data.metrics)
    return ServedModel(
        use_case=use_case,
        pipeline=pipeline,
        version=int(version.version),
        run_id=version.run_id,
        settings=tracking.predict_settings(version),
        alias=alias,
        loaded_at=datetime.now(UTC),
        run_params=params,
        test_metrics={k.removeprefix("test_"): v for k, v in metrics.items()},
    )


def _single_threaded(pipeline) -> None:
    """n_jobs=1 on every step that has it (the forest's predictions: 30 ms against 80 ms)."""
    for step in getattr(pipeline, "named_steps", {}).values():
        if "n_jobs" in step.get_params():
            step.set_params(n_jobs=1)


class ModelStore:
    """The loaded model of every use case, by alias."""

    def __init__(self, alias: str = tracking.CHAMPION):
        self.alias = alias
        self.current: dict[UseCaseName, ServedModel] = {}

    def load_all(self) -> None:
        for name, use_case in USE_CASES.items():
            self.current[name] = load(use_case, self.alias)
            log.info("loaded %s version %s", use_case.registered_model, self.current[name].version)

    def refresh(self) -> list[str]:
        """Load every use case whose alias moved (or that is not loaded yet); returns the moved."""
        moved = []
        for name, use_case in USE_CASES.items():
            pointed = tracking.alias_version(use_case.registered_model, self.alias)
            if pointed is None:
                continue
            served = self.current.get(name)
            if served is None or served.version != int(pointed.version):
                self.current[name] = load(use_case, self.alias)
                moved.append(f"{use_case.registered_model} v{self.current[name].version}")
        return moved
