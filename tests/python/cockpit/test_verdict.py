"""The live verdict from the real prediction API (`lakehouse serve` over a built lakehouse):
the snapshot's drive is judged by the served driving-style model."""

from __future__ import annotations

import re

import pytest

from ..pipeline import LAKEHOUSE_CLI, run
from ..serving.server import serve

pytestmark = pytest.mark.integration


def test_the_snapshot_shows_the_served_models_verdict_beside_the_driven_profile(built, tmp_path):
    _, env = built
    png = tmp_path / "cockpit.png"
    with serve(env, tmp_path / "serve.log") as server:
        result = run(
            [LAKEHOUSE_CLI, "cockpit", "--snapshot", str(png), "--seconds", "60",
             "--profile", "aggressive", "--api", server.url],
            env,
        )  # fmt: skip
        served = server.client.get("/v1/models/driving-style").json()
    output = " ".join(result.stdout.split())  # rich wraps long lines
    verdict = re.search(
        r"Live verdict: (calm|normal|aggressive) \(driven: aggressive, (agrees|differs)\); "
        r"(\d+) ms · (\S+) v(\d+) · (\d+) windows judged",
        output,
    )
    assert verdict, output
    assert (verdict[4], int(verdict[5])) == (served["registered_name"], served["version"])
    assert int(verdict[6]) >= 1
    assert "60 events sent" in output and "0 failed, 0 not sent" in output
    assert "No verdict" not in output and png.stat().st_size > 10_000
