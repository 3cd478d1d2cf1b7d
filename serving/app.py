"""The FastAPI application: endpoints, the lifespan that loads the models and features, and the
thread that follows the alias and the snapshot (docs/serving.md)."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ml import driving_style, online_features
from ml.forecasting import demand_supply_ratio
from serving import features, metrics, predictions
from serving import schemas as s
from serving.features import FeatureLookupError, Snapshot
from serving.middleware import Measure, use_case_of
from serving.models import USE_CASES, ModelStore, ServedModel

log = logging.getLogger(__name__)
NOT_READY: dict[int | str, dict] = {503: {"description": "Models or features still loading"}}
BATCH_ERRORS: dict[int | str, dict] = {
    **NOT_READY,
    413: {"description": f"More rows than a batch takes ({s.MAX_BATCH_ROWS})"},
}


@dataclass
class ServingConfig:
    snapshot: Path
    prediction_table: Path
    alias: str = "champion"
    reload_seconds: float = 5.0
    flush_seconds: float = 1.0
    max_batch_rows: int = s.MAX_BATCH_ROWS


@dataclass
class State:
    config: ServingConfig
    models: ModelStore
    log: predictions.PredictionLog
    snapshot: Snapshot | None = None
    stop: threading.Event = field(default_factory=threading.Event)

    @property
    def ready(self) -> bool:
        return self.snapshot is not None and len(self.models.current) == len(USE_CASES)

    def refresh(self) -> None:
        """Load what is missing or changed: models whose alias moved, a new snapshot."""
        for moved in self.models.refresh():
            log.info("now serving %s", moved)
        if (
            self.snapshot is None
            or features.signature(self.config.snapshot) != self.snapshot.signature
        ) and features.signature(self.config.snapshot) is not None:
            self.snapshot = features.load(self.config.snapshot)
            log.info("feature snapshot loaded (%d rows)", len(self.snapshot.frame))
        for served in self.models.current.values():
            metrics.MODEL_VERSION.labels(served.name).set(served.version)

    def watch(self) -> None:
        while not self.stop.is_set():
            try:
                self.refresh()
            except Exception:  # the registry or the file mid-way: keep serving, retry
                log.exception("reload failed; serving what is loaded")
            self.stop.wait(self.config.reload_seconds)


class NotReady(Exception):
    pass


class BatchTooLarge(Exception):
    pass


def create_app(config: ServingConfig, loaded: State | None = None) -> FastAPI:
    """The app; its lifespan loads the models and features, unless `loaded` holds them already
    (in-process tests, whose clients may run the lifespan around every call)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if loaded is not None:
            app.state.serving = loaded
            yield
            return
        state = State(
            config=config,
            models=ModelStore(config.alias),
            log=predictions.PredictionLog(config.prediction_table, config.flush_seconds),
        )
        state.log.start()
        app.state.serving = state
        watcher = threading.Thread(target=state.watch, name="reload", daemon=True)
        watcher.start()  # /health/live answers while the models load
        yield
        state.stop.set()
        watcher.join()
        state.log.close()

    app = FastAPI(
        title="Mobility lakehouse prediction API",
        version="1.0.0",
        description="Demand, surge and driving-style predictions by the models the `champion` "
        "alias points to, with online features published by dbt (docs/serving.md).",
        lifespan=lifespan,
        docs_url=None,  # Swagger UI and ReDoc load from a CDN: off; the schema is /openapi.json
        redoc_url=None,
    )
    _add_handlers(app)
    _add_routes(app)
    app.add_middleware(Measure)
    return app


def _state(request: Request) -> State:
    state: State = request.app.state.serving
    if not state.ready:
        raise NotReady()
    return state


def _add_handlers(app: FastAPI) -> None:
    @app.exception_handler(FeatureLookupError)
    def lookup_failed(request: Request, problem: FeatureLookupError) -> JSONResponse:
        return JSONResponse(
            status_code=422,
            content={"detail": [{"loc": ["body", *problem.field.split(".")], "msg": str(problem),
                                 "type": "value_error"}]},
        )  # fmt: skip

    @app.exception_handler(NotReady)
    def not_ready(request: Request, problem: NotReady) -> JSONResponse:
        return JSONResponse(status_code=503, content={"detail": "models or features loading"})

    @app.exception_handler(BatchTooLarge)
    def too_large(request: Request, problem: BatchTooLarge) -> JSONResponse:
        return JSONResponse(status_code=413, content={"detail": [{"loc": ["body", "rows"],
                            "msg": str(problem), "type": "too_long"}]})  # fmt: skip


def _check_batch(state: State, rows: list) -> None:
    if len(rows) > state.config.max_batch_rows:
        raise BatchTooLarge(
            f"rows holds {len(rows)} rows; a batch takes at most {state.config.max_batch_rows}"
        )


def _positions(snapshot: Snapshot, rows: list[s.DemandRequest], batch: bool) -> list[int]:
    positions = []
    for i, item in enumerate(rows):
        try:
            positions.append(snapshot.position(item.zone_id, item.hour_at))
        except FeatureLookupError as problem:
            if batch:
                raise FeatureLookupError(f"rows.{i}.{problem.field}", str(problem)) from None
            raise
    return positions


def _record(request: Request, served: ServedModel, keys: list[dict], features: list[dict],
            outputs: list) -> None:  # fmt: skip
    """The log rows of an answer: each row's keys, the features the model saw, its output."""
    request.state.model = served
    endpoint = request.scope["route"].path
    names = served.use_case.features
    request.state.log_rows = [
        predictions.row(request.state.request_id, endpoint, use_case_of(endpoint), 200, 0.0,
                        (served.name, served.version), key,
                        {name: values[name] for name in names}, out, i)
        for i, (key, values, out) in enumerate(zip(keys, features, outputs, strict=True))
    ]  # fmt: skip
    metrics.PREDICTIONS.labels(served.name, str(served.version)).inc(len(outputs))


def _zone_hour(
    request: Request, name: s.UseCaseName, rows: list, batch: bool
) -> tuple[ServedModel, list[dict], list[float], s.ModelRef]:
    """Demand and surge: look up each row's zone and hour, add the caller's live market state
    (surge), predict; the keys, the predictions and the model that made them."""
    state = _state(request)
    served = state.models.current[name]
    snapshot: Snapshot = state.snapshot  # type: ignore[assignment]
    positions = _positions(snapshot, rows, batch)
    frame = snapshot.frame.iloc[positions].reset_index(drop=True)
    logged = [snapshot.records[p] for p in positions]
    if name is s.UseCaseName.surge:
        frame["requests"] = [r.requests for r in rows]
        frame["active_drivers"] = [r.active_drivers for r in rows]
        frame["demand_supply_ratio"] = demand_supply_ratio(
            frame["requests"], frame["active_drivers"]
        )
        ratios = frame["demand_supply_ratio"].tolist()
        logged = [
            {**values, "requests": r.requests, "active_drivers": r.active_drivers,
             "demand_supply_ratio": None if np.isnan(ratio) else ratio}
            for values, r, ratio in zip(logged, rows, ratios, strict=True)
        ]  # fmt: skip
    values = [float(v) for v in served.use_case.predict(served.pipeline, frame, served.settings)]
    keys = [{"zone_id": row["zone_id"], "hour_at": row["hour_at"]} for row in logged]
    _record(request, served, keys, logged, values)
    return served, keys, values, s.ModelRef(name=served.name, version=served.version)


def _demand(request: Request, rows: list[s.DemandRequest], batch: bool) -> list[s.DemandPrediction]:
    _, keys, values, ref = _zone_hour(request, s.UseCaseName.demand, rows, batch)
    return [s.DemandPrediction(request_id=request.state.request_id, model=ref, **key,
                               predicted_requests=value)
            for key, value in zip(keys, values, strict=True)]  # fmt: skip


def _surge(request: Request, rows: list[s.SurgeRequest], batch: bool) -> list[s.SurgePrediction]:
    _, keys, values, ref = _zone_hour(request, s.UseCaseName.surge, rows, batch)
    return [s.SurgePrediction(request_id=request.state.request_id, model=ref, **key,
                              predicted_surge_multiplier=value)
            for key, value in zip(keys, values, strict=True)]  # fmt: skip


def _driving_style(
    request: Request, rows: list[s.DrivingStyleRequest]
) -> list[s.DrivingStylePrediction]:
    state = _state(request)
    served = state.models.current[s.UseCaseName.driving_style]
    given: list[dict] = [dict(r.features) for r in rows]
    frame = pd.DataFrame(given, columns=list(driving_style.FEATURES))
    out = driving_style.outputs(served.pipeline, frame, served.settings)
    labels = driving_style.LABELS
    probabilities = [{label: float(out[f"probability_{label}"].iloc[i]) for label in labels}
                     for i in range(len(rows))]  # fmt: skip
    results: list[dict] = [{"predicted_profile": str(p), "probabilities": probabilities[i]}
                           for i, p in enumerate(out["predicted_profile"])]  # fmt: skip
    _record(request, served, [{"window_id": r.window_id} for r in rows], given, results)
    ref = s.ModelRef(name=served.name, version=served.version)
    return [
        s.DrivingStylePrediction(request_id=request.state.request_id, model=ref,
                                 window_id=r.window_id, **result)
        for r, result in zip(rows, results, strict=True)
    ]  # fmt: skip


def _model_info(state: State, name: s.UseCaseName) -> s.ModelInfo:
    served = state.models.current[name]
    params = served.run_params
    snapshot = state.snapshot
    return s.ModelInfo(
        use_case=name,
        registered_name=served.name,
        version=served.version,
        alias=served.alias,
        run_id=served.run_id,
        training_from=params.get("training_from"),
        training_to=params.get("training_to"),
        training_rows=int(params["training_rows"]) if "training_rows" in params else None,
        test_metrics=served.test_metrics,
        features=list(served.use_case.features),
        predict_settings=served.settings,
        loaded_at=served.loaded_at,
        features_published_at=snapshot.published_at if snapshot else None,
        features_age_seconds=snapshot.age_seconds() if snapshot else None,
    )


def _add_routes(app: FastAPI) -> None:
    @app.get("/health/live", tags=["health"])
    def live() -> s.Live:
        """The process answers."""
        return s.Live(status="live")

    @app.get("/health/ready", tags=["health"], response_model=s.Ready,
             responses={503: {"model": s.Ready, "description": "Still loading"}})  # fmt: skip
    def ready(request: Request) -> JSONResponse:
        """200 once every model and the feature snapshot are loaded, 503 before."""
        state: State = request.app.state.serving
        snapshot = state.snapshot
        body = s.Ready(
            ready=state.ready,
            models={
                n.value: (state.models.current[n].version if n in state.models.current else None)
                for n in USE_CASES
            },
            features_loaded=snapshot is not None,
            features_published_at=snapshot.published_at if snapshot else None,
        )
        return JSONResponse(body.model_dump(mode="json"), status_code=200 if state.ready else 503)

    @app.get("/v1/models", tags=["models"], responses=NOT_READY)
    def list_models(request: Request) -> list[s.ModelInfo]:
        """Every served model: version, alias, run, training window, test metrics, features."""
        state = _state(request)
        return [_model_info(state, name) for name in USE_CASES]

    @app.get("/v1/models/{use_case}", tags=["models"], responses=NOT_READY)
    def model(use_case: s.UseCaseName, request: Request) -> s.ModelInfo:
        """One use case's served model."""
        return _model_info(_state(request), use_case)

    @app.post("/v1/demand/predict", tags=["predict"], responses=NOT_READY)
    def predict_demand(body: s.DemandRequest, request: Request) -> s.DemandPrediction:
        """Forecast requests of a zone in an hour (default: its next hour); features looked up."""
        return _demand(request, [body], batch=False)[0]

    @app.post("/v1/demand/predict/batch", tags=["predict"], responses=BATCH_ERRORS)
    def predict_demand_batch(body: s.DemandBatch, request: Request) -> s.DemandBatchPrediction:
        _check_batch(_state(request), body.rows)
        return s.DemandBatchPrediction(predictions=_demand(request, body.rows, batch=True))

    @app.post("/v1/surge/predict", tags=["predict"], responses=NOT_READY)
    def predict_surge(body: s.SurgeRequest, request: Request) -> s.SurgePrediction:
        """The surge multiplier of a zone and hour given its live requests and active drivers."""
        return _surge(request, [body], batch=False)[0]

    @app.post("/v1/surge/predict/batch", tags=["predict"], responses=BATCH_ERRORS)
    def predict_surge_batch(body: s.SurgeBatch, request: Request) -> s.SurgeBatchPrediction:
        _check_batch(_state(request), body.rows)
        return s.SurgeBatchPrediction(predictions=_surge(request, body.rows, batch=True))

    @app.post("/v1/driving-style/predict", tags=["predict"], responses=NOT_READY)
    def predict_driving_style(
        body: s.DrivingStyleRequest, request: Request
    ) -> s.DrivingStylePrediction:
        """The driving style of a window of driving, from its features."""
        return _driving_style(request, [body])[0]

    @app.post("/v1/driving-style/predict/batch", tags=["predict"], responses=BATCH_ERRORS)
    def predict_driving_style_batch(
        body: s.DrivingStyleBatch, request: Request
    ) -> s.DrivingStyleBatchPrediction:
        _check_batch(_state(request), body.rows)
        return s.DrivingStyleBatchPrediction(predictions=_driving_style(request, body.rows))

    @app.get("/metrics", tags=["monitoring"], response_class=Response)
    def prometheus(request: Request) -> Response:
        """Prometheus metrics: latency histograms and request counts per endpoint, model, status."""
        state: State = request.app.state.serving
        if state.snapshot:
            metrics.FEATURES_AGE.set(state.snapshot.age_seconds())
        return Response(generate_latest(metrics.REGISTRY), media_type=CONTENT_TYPE_LATEST)


def default_config() -> ServingConfig:
    """The configuration from the environment (common/settings.py)."""
    from common.settings import env, env_int, load_settings
    from ingest.contracts.bronze import PREDICTIONS_TABLE

    settings = load_settings()
    return ServingConfig(
        snapshot=online_features.snapshot_path(settings.lakehouse_dir / "serving"),
        prediction_table=settings.bronze_dir / PREDICTIONS_TABLE,
        alias=env("SERVING_MODEL_ALIAS"),
        reload_seconds=env_int("SERVING_RELOAD_SECONDS", 1, 3600),
        flush_seconds=env_int("SERVING_LOG_FLUSH_SECONDS", 1, 60),
    )


def app_from_env() -> FastAPI:
    """The application configured from the environment (uvicorn's factory)."""
    return create_app(default_config())
