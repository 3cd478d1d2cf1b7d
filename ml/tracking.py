"""MLflow set-up: a local SQLite tracking store under $LAKEHOUSE_DIR, the model registry, and
loading a registered version. Nothing here calls the network when tracking locally."""

from __future__ import annotations

import fcntl
import json
from pathlib import Path

import mlflow
from mlflow.entities.model_registry import ModelVersion
from mlflow.tracking import MlflowClient

from common.settings import lakehouse_dir, mlflow_tracking_uri

LATEST = "latest"
FINGERPRINT_TAG = "training_fingerprint"
# The alias the promotion step (models/ml/serving/ml_model_promotions.py) sets on a version
# once its gates passed in `dbt build`; the prediction API serves the version it points to.
CHAMPION = "champion"
# The settings a version's predictions need besides the pipeline (the clipping range), as JSON
# on the version: the batch scoring and the prediction API apply the same ones.
PREDICT_SETTINGS_TAG = "predict_settings"
PREDICT_SETTINGS = ("clip",)


def client() -> MlflowClient:
    uri = mlflow_tracking_uri()
    if uri.startswith("sqlite:///"):
        _create_local_store(Path(uri.removeprefix("sqlite:///")))
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    return MlflowClient(uri, uri)


def _create_local_store(database: Path) -> None:
    """Create a new SQLite store with its artifact root under $LAKEHOUSE_DIR: created by a plain
    client, its default experiment would record `./mlruns`, a path in the working directory. dbt
    trains on several threads (and Airflow's tasks in several processes): one creates the store
    under a file lock while the others wait, even those that see the file already (it may be
    half-created)."""
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    database.parent.mkdir(parents=True, exist_ok=True)
    with database.with_name(database.name + ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not database.exists():
            SqlAlchemyStore(f"sqlite:///{database}", (lakehouse_dir() / "mlartifacts").as_uri())


def experiment_id(name: str) -> str:
    """The experiment's id, created with its artifacts under $LAKEHOUSE_DIR/mlartifacts."""
    existing = client().get_experiment_by_name(name)
    if existing:
        return existing.experiment_id
    artifacts = lakehouse_dir() / "mlartifacts" / name
    return client().create_experiment(name, artifact_location=artifacts.as_uri())


def version_with_fingerprint(model_name: str, fingerprint: str) -> ModelVersion | None:
    """The registered version trained on exactly this data with these parameters, if any."""
    registry = client()
    if not registry.search_registered_models(f"name = '{model_name}'"):
        return None
    versions = registry.search_model_versions(
        f"name = '{model_name}' and tags.{FINGERPRINT_TAG} = '{fingerprint}'"
    )
    return max(versions, key=lambda v: int(v.version), default=None)


def resolve_version(model_name: str, version: str | int = LATEST) -> ModelVersion:
    """A registered version by number, or the newest one for `latest`."""
    if str(version) != LATEST:
        return client().get_model_version(model_name, str(version))
    versions = client().search_model_versions(f"name = '{model_name}'")
    if not versions:
        raise LookupError(f"no registered version of model {model_name!r}: train it first")
    return max(versions, key=lambda v: int(v.version))


def load_model(model_name: str, version: str | int = LATEST):
    """The fitted scikit-learn pipeline of a registered version, and that version."""
    model_version = resolve_version(model_name, version)
    model = mlflow.sklearn.load_model(f"models:/{model_name}/{model_version.version}")
    return model, model_version


def set_alias(model_name: str, version: str | int, alias: str = CHAMPION) -> bool:
    """Point `alias` at `version`; True when it moved (False when it already pointed there)."""
    registry = client()
    current = alias_version(model_name, alias)
    if current is not None and current.version == str(version):
        return False
    registry.set_registered_model_alias(model_name, alias, str(version))
    return True


def alias_version(model_name: str, alias: str = CHAMPION) -> ModelVersion | None:
    """The version `alias` points to, or None when the model or the alias does not exist."""
    from mlflow.exceptions import MlflowException

    try:
        return client().get_model_version_by_alias(model_name, alias)
    except MlflowException:
        return None


def load_by_alias(model_name: str, alias: str = CHAMPION):
    """The fitted pipeline of the version `alias` points to, and that version."""
    model_version = alias_version(model_name, alias)
    if model_version is None:
        raise LookupError(f"model {model_name!r} has no version with alias {alias!r}")
    return load_model(model_name, model_version.version)


def set_predict_settings(model_name: str, version: str | int, settings: dict) -> None:
    """Record on the version the settings its predictions are made with."""
    wanted = {k: settings[k] for k in PREDICT_SETTINGS if k in settings}
    client().set_model_version_tag(
        model_name, str(version), PREDICT_SETTINGS_TAG, json.dumps(wanted)
    )


def predict_settings(model_version: ModelVersion) -> dict:
    """The settings recorded with `set_predict_settings` (none: no clipping)."""
    return json.loads(model_version.tags.get(PREDICT_SETTINGS_TAG, "{}"))
