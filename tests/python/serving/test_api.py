"""The prediction API against a small built lakehouse, as a real uvicorn process on a free
loopback port: every endpoint, bad input answered with a 4xx naming the field, the features
equal to ml_demand_features, readiness, a moved alias picked up live, answers while `dbt build`
runs, logged predictions counted by dbt and shown in the Elementary report, and what a SIGKILL
loses."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from ingest.bronze import store
from ingest.contracts.bronze import PREDICTIONS_TABLE
from ml import online_features, tracking
from ml.driving_style import FEATURES as STYLE_FEATURES
from ml.forecasting import DEMAND, DEMAND_FEATURES

from ..pipeline import LAKEHOUSE_CLI, report_test_results, run
from .server import BUILD, serve, wait_for

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def api(built, tmp_path_factory):
    _lakehouse, env = built
    with serve(env, tmp_path_factory.mktemp("api") / "api.log") as server:
        yield server


def _snapshot(api) -> pd.DataFrame:
    return online_features.read(online_features.snapshot_path())


def _style_features() -> dict[str, float]:
    return {name: 1.0 for name in STYLE_FEATURES}


def _prediction_rows(lakehouse: Path) -> int:
    return store.count_rows(lakehouse / "bronze" / PREDICTIONS_TABLE)


def test_every_endpoint(api):
    assert api.client.get("/health/live").json() == {"status": "live"}
    ready = api.client.get("/health/ready").json()
    assert ready["ready"] and ready["features_loaded"] and None not in ready["models"].values()

    models = api.client.get("/v1/models").json()
    assert [m["use_case"] for m in models] == ["demand", "surge", "driving-style"]
    demand_info = api.client.get("/v1/models/demand").json()
    assert demand_info["alias"] == "champion"
    assert demand_info["registered_name"] == DEMAND.registered_model
    assert demand_info["features"] == list(DEMAND_FEATURES)
    assert demand_info["predict_settings"] == {"clip": [0, None]}
    assert "mae" in demand_info["test_metrics"] and demand_info["training_from"]
    assert demand_info["features_age_seconds"] >= 0

    snapshot = _snapshot(api)
    zone = snapshot["zone_id"].iloc[0]
    next_hour = snapshot.loc[snapshot["zone_id"] == zone, "hour_at"].max()
    demand = api.client.post("/v1/demand/predict", json={"zone_id": zone}).json()
    assert pd.Timestamp(demand["hour_at"]).tz_localize(None) == next_hour  # the next hour
    assert demand["predicted_requests"] >= 0  # clipped as in batch scoring
    assert demand["model"] == {"name": DEMAND.registered_model, "version": demand_info["version"]}
    earlier = (next_hour - pd.Timedelta(hours=3)).isoformat()
    assert (
        api.client.post(
            "/v1/demand/predict", json={"zone_id": zone, "hour_at": earlier}
        ).status_code
        == 200
    )

    surge = api.client.post(
        "/v1/surge/predict", json={"zone_id": zone, "requests": 40, "active_drivers": 5}
    ).json()
    assert 1.0 <= surge["predicted_surge_multiplier"] <= 3.0
    quiet = {"zone_id": zone, "requests": 0, "active_drivers": 0}  # no drivers: ratio undefined
    assert api.client.post("/v1/surge/predict", json=quiet).status_code == 200

    style = api.client.post(
        "/v1/driving-style/predict", json={"features": _style_features()}
    ).json()
    assert style["predicted_profile"] in {"calm", "normal", "aggressive"}
    assert sum(style["probabilities"].values()) == pytest.approx(1.0)
    partial = {"features": {"avg_speed_kmh": 50.0}, "window_id": "w1"}  # the rest imputed
    assert api.client.post("/v1/driving-style/predict", json=partial).status_code == 200

    for path, row in {
        "/v1/demand/predict/batch": {"zone_id": zone},
        "/v1/surge/predict/batch": {"zone_id": zone, "requests": 3, "active_drivers": 2},
        "/v1/driving-style/predict/batch": {"features": _style_features()},
    }.items():
        answer = api.client.post(path, json={"rows": [row] * 5})
        assert answer.status_code == 200, answer.text
        assert len(answer.json()["predictions"]) == 5

    exposition = api.client.get("/metrics").text
    assert (
        'lakehouse_api_request_duration_seconds_bucket{endpoint="/v1/demand/predict"' in exposition
    )
    assert f'model="{DEMAND.registered_model}"' in exposition


@pytest.mark.parametrize(
    ("path", "body", "status", "field"),
    [
        ("/v1/demand/predict", {"zone_id": 5}, 422, "zone_id"),
        ("/v1/demand/predict", {}, 422, "zone_id"),
        ("/v1/demand/predict", {"zone_id": "no-such-zone"}, 422, "zone_id"),
        (
            "/v1/demand/predict",
            {"zone_id": "<zone>", "hour_at": "2999-01-01T00:00:00Z"},
            422,
            "hour_at",
        ),
        (
            "/v1/demand/predict",
            {"zone_id": "<zone>", "hour_at": "2000-01-01T00:00:00Z"},
            422,
            "hour_at",
        ),
        ("/v1/demand/predict", {"zone_id": "<zone>", "hour_at": "<next>:30"}, 422, "hour_at"),
        ("/v1/demand/predict", {"zone_id": "<zone>", "hour_at": "yesterday"}, 422, "hour_at"),
        ("/v1/demand/predict", {"zone_id": "<zone>", "extra": 1}, 422, "extra"),
        (
            "/v1/surge/predict",
            {"zone_id": "<zone>", "requests": -1, "active_drivers": 1},
            422,
            "requests",
        ),
        ("/v1/surge/predict", {"zone_id": "<zone>", "requests": 1}, 422, "active_drivers"),
        ("/v1/driving-style/predict", {"features": {"avg_rpm": "fast"}}, 422, "avg_rpm"),
        ("/v1/demand/predict/batch", {"rows": [{"zone_id": "<zone>"}] * 1001}, 413, "rows"),
        ("/v1/demand/predict/batch", {"rows": []}, 422, "rows"),
        (
            "/v1/demand/predict/batch",
            {"rows": [{"zone_id": "<zone>"}, {"zone_id": "x"}]},
            422,
            "zone_id",
        ),
    ],
)
def test_bad_input_is_a_4xx_naming_the_field(api, path, body, status, field):
    snapshot = _snapshot(api)
    zone = snapshot["zone_id"].iloc[0]
    next_hour = snapshot.loc[snapshot["zone_id"] == zone, "hour_at"].max()
    text = str(body).replace("<zone>", zone).replace("<next>", next_hour.isoformat()[:-3])
    answer = api.client.post(path, json=eval(text))  # the body with the placeholders filled
    assert answer.status_code == status, answer.text
    assert field in answer.text


def test_malformed_json_and_unknown_use_case_are_4xx(api):
    answer = api.client.post(
        "/v1/demand/predict", content=b'{"zone_id": ', headers={"content-type": "application/json"}
    )
    assert answer.status_code == 422 and "json" in answer.text.lower()
    assert api.client.get("/v1/models/taxi").status_code == 422


def test_api_features_equal_ml_demand_features(api, built):
    lakehouse, _ = built
    snapshot = _snapshot(api)
    with duckdb.connect(str(lakehouse / "warehouse.duckdb"), read_only=True) as con:
        warehouse = con.execute("select * from ml.ml_demand_features").df()
    columns = ["zone_id", "hour_at", *DEMAND_FEATURES]
    warehouse["hour_at"] = pd.to_datetime(warehouse["hour_at"])
    joined = snapshot[columns].merge(
        warehouse[columns], on=["zone_id", "hour_at"], suffixes=("", "_dbt")
    )
    assert len(joined) == len(snapshot) > 0
    for feature in DEMAND_FEATURES:
        pd.testing.assert_series_equal(
            joined[feature].astype("float64"), joined[f"{feature}_dbt"].astype("float64"),
            check_names=False,
        )  # fmt: skip


def test_readiness_waits_for_the_feature_snapshot(built, tmp_path):
    lakehouse, env = built
    snapshot = online_features.snapshot_path(lakehouse / "serving")
    hidden = snapshot.with_name("hidden.parquet")
    os.replace(snapshot, hidden)
    try:
        with serve(env, tmp_path / "api.log", wait_ready=False) as server:
            assert server.status("/health/live") == 200
            answer = server.client.get("/health/ready")
            assert answer.status_code == 503 and answer.json()["features_loaded"] is False
            assert (
                server.client.post("/v1/demand/predict", json={"zone_id": "x"}).status_code == 503
            )
            os.replace(hidden, snapshot)  # published: the API picks it up without a restart
            wait_for(lambda: server.status("/health/ready") == 200, what="readiness")
    finally:
        if hidden.exists():
            os.replace(hidden, snapshot)


def test_a_moved_alias_is_served_without_a_restart_or_a_failed_request(api):
    registry = tracking.client()
    name = DEMAND.registered_model
    champion = tracking.alias_version(name)
    zone = _snapshot(api)["zone_id"].iloc[0]
    statuses: list[int] = []
    versions: set[int] = set()
    stop = threading.Event()

    def keep_asking() -> None:
        while not stop.is_set():
            answer = api.client.post("/v1/demand/predict", json={"zone_id": zone})
            statuses.append(answer.status_code)
            versions.add(answer.json()["model"]["version"])

    new = registry.create_model_version(name, champion.source, champion.run_id)
    asking = threading.Thread(target=keep_asking)
    asking.start()
    try:
        tracking.set_alias(name, new.version)
        wait_for(lambda: int(new.version) in versions, what="the new version to answer")
    finally:
        stop.set()
        asking.join()
        tracking.set_alias(name, champion.version)
    assert set(statuses) == {200}
    assert versions == {int(champion.version), int(new.version)}
    wait_for(lambda: api.client.get("/v1/models/demand").json()["version"] == int(champion.version))


def test_answers_while_dbt_builds_and_the_logged_predictions_reach_dbt_and_the_report(api, built):
    lakehouse, env = built
    zone = _snapshot(api)["zone_id"].iloc[0]
    before = _prediction_rows(lakehouse)
    first_hour = _hour(datetime.now(UTC))
    sent = 20
    for _ in range(sent - 5):
        assert api.client.post("/v1/demand/predict", json={"zone_id": zone}).status_code == 200
    batch = {"rows": [{"zone_id": zone}] * 5}
    assert api.client.post("/v1/demand/predict/batch", json=batch).status_code == 200
    wait_for(lambda: _prediction_rows(lakehouse) >= before + sent, what="the log to land")
    landed = _prediction_rows(lakehouse)

    # Live traffic is judged on the real clock (docs/serving.md): as of the end of this hour, so
    # that Elementary's hourly buckets include the hour in progress.
    as_of = _hour(datetime.now(UTC)) + timedelta(hours=1)
    build = subprocess.Popen(
        [*BUILD, "--select", "base_serving__predictions+"], cwd=Path(__file__).parents[3],
        env=env | {"LAKEHOUSE_AS_OF": as_of.replace(tzinfo=None).isoformat()},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    during = []
    while build.poll() is None:
        during.append(api.client.post("/v1/demand/predict", json={"zone_id": zone}).status_code)
    assert build.returncode == 0, build.stdout.read()[-3000:]  # type: ignore[union-attr]
    assert during and set(during) == {200}

    with duckdb.connect(str(lakehouse / "warehouse.duckdb"), read_only=True) as con:
        counted = con.execute(
            "select sum(predictions) + sum(refused) from ml.ml_serving_prediction_volume_hourly"
        ).fetchone()[0]
        latency = con.execute(
            "select requests, latency_p99_ms from ml.ml_serving_latency_hourly "
            "where endpoint = '/v1/demand/predict'"
        ).fetchall()
    assert counted >= landed
    assert sum(r[0] for r in latency) >= sent - 5 and all(r[1] > 0 for r in latency)

    # The report's chart of the log's hourly volume holds the rows sent in these hours.
    run([LAKEHOUSE_CLI, "report"], env)
    volume = _report_metrics(lakehouse, "stg_serving__predictions", "volume_anomalies")
    judged = [m for m in volume if datetime.fromisoformat(m["end_time"]) > first_hour]
    assert sum(m["value"] for m in judged) >= sent


def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0, tzinfo=None)


def _report_metrics(lakehouse: Path, table: str, test: str) -> list[dict]:
    """The metric points the Elementary report shows for `test` on `table`."""
    for result in report_test_results(lakehouse):
        meta = result["metadata"]
        if meta["table_name"] == table and meta["test_name"] == test:
            return result["test_results"]["metrics"]
    raise AssertionError(f"the report has no {test} test on {table}")


def test_a_sigkill_loses_only_the_unflushed_rows(built, tmp_path):
    lakehouse, env = built
    with serve(env | {"SERVING_LOG_FLUSH_SECONDS": "1"}, tmp_path / "api.log") as server:
        zone = online_features.read(online_features.snapshot_path(lakehouse / "serving"))[
            "zone_id"
        ].iloc[0]
        before = _prediction_rows(lakehouse)
        for _ in range(10):
            server.client.post("/v1/demand/predict", json={"zone_id": zone})
        wait_for(lambda: _prediction_rows(lakehouse) == before + 10, what="the first rows")
        for _ in range(10):
            server.client.post("/v1/demand/predict", json={"zone_id": zone})
        os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait()
    after = _prediction_rows(lakehouse)
    assert before + 10 <= after <= before + 20  # flushed rows kept; at most a second's lost
    with serve(env, tmp_path / "again.log") as again:  # the table is whole: a new start writes
        again.client.post("/v1/demand/predict", json={"zone_id": zone})
    assert _prediction_rows(lakehouse) == after + 1  # SIGTERM flushes on shutdown
