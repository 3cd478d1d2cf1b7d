"""The API's contract: request and response models (the OpenAPI document is generated from them
and committed as docs/openapi.json)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, create_model

from ml.driving_style import FEATURES as DRIVING_STYLE_FEATURES
from ml.driving_style import LABELS

MAX_BATCH_ROWS = 1_000


class UseCaseName(StrEnum):
    demand = "demand"
    surge = "surge"
    driving_style = "driving-style"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Live(BaseModel):
    status: str = Field(examples=["live"])


class Ready(BaseModel):
    ready: bool
    models: dict[str, int | None] = Field(description="Loaded version per use case (null: not yet)")
    features_loaded: bool
    features_published_at: datetime | None


class ModelInfo(BaseModel):
    use_case: UseCaseName
    registered_name: str
    version: int
    alias: str
    run_id: str | None
    training_from: str | None
    training_to: str | None
    training_rows: int | None
    test_metrics: dict[str, float]
    features: list[str]
    predict_settings: dict
    loaded_at: datetime
    features_published_at: datetime | None = Field(
        description="When the feature snapshot was written"
    )
    features_age_seconds: float | None


class ModelRef(BaseModel):
    name: str
    version: int


class DemandRequest(Strict):
    zone_id: str = Field(min_length=1, max_length=64, examples=["Z001"])
    hour_at: datetime | None = Field(
        default=None,
        description="The hour to forecast (UTC, on the hour); default: the zone's next hour",
    )


class SurgeRequest(DemandRequest):
    requests: int = Field(ge=0, le=1_000_000, description="Ride requests in the zone this hour")
    active_drivers: int = Field(ge=0, le=1_000_000, description="Drivers active in the zone")


# Far beyond any real reading, and within float32, which the forest computes in.
FEATURE_VALUE = Field(default=None, allow_inf_nan=False, ge=-1e6, le=1e6)
# The driving-style features, one optional float each (missing ones are imputed as in training).
DrivingStyleFeatures: type[BaseModel] = create_model(  # type: ignore[call-overload]
    "DrivingStyleFeatures",
    __base__=Strict,
    **{name: (float | None, FEATURE_VALUE) for name in DRIVING_STYLE_FEATURES},
)


class DrivingStyleRequest(Strict):
    window_id: str | None = Field(default=None, max_length=128)
    features: DrivingStyleFeatures  # type: ignore[valid-type]


class Prediction(BaseModel):
    request_id: str
    model: ModelRef


class DemandPrediction(Prediction):
    zone_id: str
    hour_at: datetime
    predicted_requests: float


class SurgePrediction(Prediction):
    zone_id: str
    hour_at: datetime
    predicted_surge_multiplier: float


class DrivingStylePrediction(Prediction):
    window_id: str | None
    predicted_profile: str = Field(examples=LABELS)
    probabilities: dict[str, float]


BATCH_ROWS = Field(min_length=1, description=f"At most {MAX_BATCH_ROWS} rows (more: 413)")


class DemandBatch(Strict):
    rows: list[DemandRequest] = BATCH_ROWS


class SurgeBatch(Strict):
    rows: list[SurgeRequest] = BATCH_ROWS


class DrivingStyleBatch(Strict):
    rows: list[DrivingStyleRequest] = BATCH_ROWS


class DemandBatchPrediction(BaseModel):
    predictions: list[DemandPrediction]


class SurgeBatchPrediction(BaseModel):
    predictions: list[SurgePrediction]


class DrivingStyleBatchPrediction(BaseModel):
    predictions: list[DrivingStylePrediction]
