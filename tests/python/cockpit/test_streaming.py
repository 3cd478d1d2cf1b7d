"""`lakehouse cockpit --snapshot` against the real embedded broker: the lander lands exactly the
events the cockpit reports sent, the trip metadata names the drive's trips, and dbt takes each
reading into Silver once."""

from __future__ import annotations

import csv
import os
import re
import subprocess
from datetime import datetime

import duckdb
import pytest

from ingest.loaders.lander import Lander

from ..conftest import free_port
from ..pipeline import BIN, environment, run
from ..streaming import LAKEHOUSE, assert_exactly_once

pytestmark = pytest.mark.integration
SECONDS = 45


def test_the_lander_lands_exactly_the_events_the_cockpit_sent(kafka, lakehouse_dir, tmp_path):
    png = tmp_path / "cockpit.png"
    result = subprocess.run(
        [LAKEHOUSE, "cockpit", "--snapshot", str(png), "--seconds", str(SECONDS),
         "--profile", "aggressive", "--api", f"http://127.0.0.1:{free_port()}"],
        env={**os.environ, "LAKEHOUSE_DIR": str(lakehouse_dir)},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    output = " ".join(result.stdout.split())  # rich wraps long lines
    counts = re.search(
        r"([\d,]+) events sent to (\S+): ([\d,]+) delivered, ([\d,]+) failed, ([\d,]+) not sent",
        output,
    )
    assert counts, output
    sent, topic, delivered, failed, unsent = counts.groups()
    assert (int(sent), topic, int(delivered), failed, unsent) == (
        SECONDS,
        kafka.topic,
        SECONDS,
        "0",
        "0",
    )
    assert png.stat().st_size > 10_000

    report = Lander(kafka, lakehouse_dir).run(until_idle=2)
    with next((lakehouse_dir / "landing" / "driving_trips").glob("*.csv")).open() as file:
        (trip,) = list(csv.DictReader(file))
    assert trip["driving_profile"] == "aggressive"
    start_ms = int(datetime.fromisoformat(trip["started_at"]).timestamp() * 1000)
    ids = {f"{trip['vehicle_id']}-{start_ms + 1000 * second}" for second in range(SECONDS)}
    assert_exactly_once(lakehouse_dir, int(sent), ids)
    assert report.dead_letters == 0

    # dbt takes the drive like any simulated one: each reading once in Silver, none rejected.
    _, env = environment(tmp_path)
    run([LAKEHOUSE, "ingest", "csv"], env)  # the trip metadata
    run([LAKEHOUSE, "init"], env)  # the other Bronze tables, empty
    run(
        [
            str(BIN / "dbt"),
            "run",
            "--select",
            "+stg_telemetry__events",
            "+stg_telemetry__events_rejected",
        ],
        env,
    )
    with duckdb.connect(str(lakehouse_dir / "warehouse.duckdb"), read_only=True) as con:
        silver = con.execute(
            "select count(*), count(distinct event_id) from silver.stg_telemetry__events"
        ).fetchone()
        rejected = con.execute("select count(*) from silver.stg_telemetry__events_rejected")
        assert silver == (SECONDS, SECONDS) and rejected.fetchone() == (0,)
