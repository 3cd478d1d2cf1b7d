"""Observability: Elementary's anomaly tests, its report and the dbt docs site.

Two small lakehouses are built the demo's way (12 days of trips and a day of telemetry from
6 vehicles, ending where the demo period ends), one clean and one with `--incident`. The clean
run must raise no Elementary anomaly; the incident run must be flagged for each injected
problem, read from the table the report is built from (`elementary_test_results`). Then the
report and the docs site are opened in headless Chromium and must show this project.
"""

from __future__ import annotations

import functools
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from ingest.kafka import KafkaSettings

from .pipeline import BIN, BUILD, INGEST, LAKEHOUSE_CLI, LAND, environment, own_topic, run

pytestmark = pytest.mark.integration
GENERATE = [
    *(LAKEHOUSE_CLI, "generate", "mobility", "--trips", "30000", "--days", "12"),
    *("--start-date", "2026-01-21", "--zones", "10"),
]
SIMULATE = [LAKEHOUSE_CLI, "simulate", "--vehicles", "6", "--minutes", "1440"]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    *("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"),
    *("--disable-component-update", "--disable-sync", "--no-first-run"),
]


def _build(tmp_path: Path, broker: KafkaSettings, *flags: str) -> tuple[Path, dict[str, str]]:
    lakehouse, env = environment(tmp_path)
    env = own_topic(env, broker)
    for command in ([*GENERATE, *flags], [*SIMULATE, *flags], LAND, INGEST, BUILD):
        run(command, env)
    return lakehouse, env


@pytest.fixture(scope="module")
def clean(tmp_path_factory, broker_settings) -> tuple[Path, dict[str, str]]:
    return _build(tmp_path_factory.mktemp("clean"), broker_settings)


@pytest.fixture(scope="module")
def incident(tmp_path_factory, broker_settings) -> tuple[Path, dict[str, str]]:
    return _build(tmp_path_factory.mktemp("incident"), broker_settings, "--incident")


def _elementary_results(lakehouse: Path) -> list[dict]:
    with duckdb.connect(str(lakehouse / "warehouse.duckdb"), read_only=True) as con:
        cursor = con.execute(
            """
            select test_type, test_short_name, table_name, column_name, status,
                test_results_description as description, test_params
            from elementary.elementary_test_results
            where test_type in ('anomaly_detection', 'schema_change')
            """
        )
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_clean_run_raises_no_anomaly_and_every_monitor_has_data(clean):
    lakehouse, _ = clean
    results = _elementary_results(lakehouse)
    # The ML drift tables are left out: on a data set this small a day's PSI is noisy (the
    # demo's 200,000 trips raise no anomaly there either; docs/observability.md).
    data = [r for r in results if not r["table_name"].startswith("ml_")]
    flagged = [r for r in data if r["status"] != "pass"]
    assert not flagged, flagged
    # Not vacuous: every anomaly test's table has metrics in the buckets under judgement.
    with duckdb.connect(str(lakehouse / "warehouse.duckdb"), read_only=True) as con:
        monitored = {
            name.split(".")[-1].lower()
            for (name,) in con.execute(
                "select distinct full_table_name from elementary.data_monitoring_metrics"
                " where metric_value > 0 and bucket_end > timestamp '2026-01-31'"
            ).fetchall()
        }
    anomaly_tables = {r["table_name"] for r in results if r["test_type"] == "anomaly_detection"}
    fed = {
        *("stg_mobility__trips", "stg_telemetry__events", "fct_trips"),
        *("fct_vehicle_telemetry_minute", "ml_feature_drift", "ml_model_performance"),
    }
    # The prediction API's tables are monitored too; this lakehouse logs no prediction
    # (tests/python/serving/ feeds them).
    serving = {"stg_serving__predictions", "ml_serving_latency_hourly"}
    serving |= {"ml_serving_prediction_volume_hourly"}
    assert fed <= anomaly_tables <= fed | serving
    assert fed <= monitored
    # Every Bronze source: the pipeline's seven tables and the prediction log.
    assert sum(r["test_type"] == "schema_change" for r in results) == 8


def test_incident_is_flagged_for_each_injected_problem(incident):
    lakehouse, _ = incident
    manifest = json.loads((lakehouse / "landing" / "_manifest.json").read_text())
    flagged = [r for r in _elementary_results(lakehouse) if r["status"] != "pass"]

    def flagged_on(table: str, test: str, column: str | None = None) -> list[dict]:
        return [
            r
            for r in flagged
            if (r["table_name"], r["test_short_name"], r["column_name"]) == (table, test, column)
        ]

    # A zone's trips stopped arriving for hours: that zone, and only in the zone dimension.
    zones = flagged_on("stg_mobility__trips", "dimension_anomalies")
    assert len(zones) == 1 and "pickup_zone_id" in zones[0]["test_params"]
    assert manifest["incident"]["outage_zone_id"] in zones[0]["description"]
    # A third of the coolant sensors stuck: minutes whose reading never moved jump.
    assert flagged_on("fct_vehicle_telemetry_minute", "column_anomalies", "coolant_temp_range_c")
    # The rating column disappeared from the source files: the ratings went missing.
    assert flagged_on("stg_mobility__trips", "column_anomalies", "rating")


@pytest.fixture
def serve() -> Iterator:
    """`serve(directory)`: an HTTP server on loopback for a directory; returns its address."""
    servers = []

    def start(directory: Path) -> str:
        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=directory)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server in servers:
        server.shutdown()


@pytest.fixture
def browser():
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium and chromium-driver.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


def test_report_and_docs_render_this_project_in_chromium(clean, serve, browser):
    lakehouse, env = clean
    reports = lakehouse / "reports"
    run([LAKEHOUSE_CLI, "report"], env)
    run([str(BIN / "dbt"), "docs", "generate"], env)
    page = browser.new_page(viewport={"width": 1400, "height": 900})

    # Elementary: the dashboard, then the test results and the lineage of this project.
    elementary = serve(reports)
    page.goto(f"{elementary}/elementary_report.html")
    page.get_by_text("Test Results", exact=False).first.wait_for(timeout=60_000)
    page.screenshot(path=reports / "elementary_dashboard.png")
    page.goto(f"{elementary}/elementary_report.html#/report/test-results")
    page.get_by_text("stg_mobility__trips").first.wait_for(timeout=60_000)
    text = page.inner_text("body")
    assert "volume_anomalies" in text and "fct_vehicle_telemetry_minute" in text
    page.screenshot(path=reports / "elementary_test_results.png")
    # An anomaly test opens its chart: the daily trip counts against the training band.
    page.locator("tr", has_text="volume_anomalies").filter(has_text="fct_trips").first.click()
    chart = page.get_by_text("Training Period").first
    chart.wait_for(timeout=60_000)
    page.set_viewport_size({"width": 1400, "height": 1600})  # the table and the chart below
    page.screenshot(path=reports / "elementary_anomaly_chart.png")
    page.set_viewport_size({"width": 1400, "height": 900})
    # The lineage of the whole project, sources through Gold to ML and the exposures.
    page.goto(f"{elementary}/elementary_report.html#/report/lineage")
    page.get_by_text("mobility_lakehouse", exact=True).last.click()
    page.get_by_text("agg_zone_hourly_demand").first.wait_for(timeout=60_000)
    assert "ml_demand_forecasts" in page.inner_text("body")
    page.screenshot(path=reports / "elementary_lineage.png")

    # dbt docs, served over HTTP as `dbt docs serve` does: the models and their lineage.
    docs = serve(Path(env["DBT_TARGET_PATH"]))
    page.goto(f"{docs}/index.html#!/model/model.mobility_lakehouse.fct_trips")
    page.get_by_text("One row per trip request").first.wait_for(timeout=60_000)
    text = page.inner_text("body")
    assert "mobility_lakehouse" in text and "agg_zone_hourly_demand" in text
    page.screenshot(path=reports / "dbt_docs_fct_trips.png")
    for name in (
        *("elementary_dashboard", "elementary_test_results", "elementary_anomaly_chart"),
        *("elementary_lineage", "dbt_docs_fct_trips"),
    ):
        assert (reports / f"{name}.png").stat().st_size > 20_000
