"""The dbt seeds describing the simulator must say what the simulator does."""

import csv
from dataclasses import asdict

import pytest

from ingest.upstream.telemetry.simulator import PROFILES, Powertrain

from ...conftest import REPO_ROOT


def _seed(name: str) -> list[dict[str, str]]:
    with (REPO_ROOT / "seeds" / f"{name}.csv").open() as handle:
        return list(csv.DictReader(handle))


def test_driving_profiles_seed_matches_the_simulator():
    rows = {r["driving_profile"]: r for r in _seed("driving_profiles")}
    assert set(rows) == {p.name for p in PROFILES}
    for profile in PROFILES:
        for field, value in asdict(profile).items():
            if field != "name":
                assert float(rows[profile.name][field]) == pytest.approx(value), field


def test_engine_parameters_seed_matches_the_powertrain():
    powertrain = asdict(Powertrain())
    for row in _seed("engine_parameters"):
        assert int(row["gear_count"]) == len(powertrain["gear_ratios"])
        for field, value in row.items():
            if field in powertrain and field != "gear_ratios":
                assert float(value) == pytest.approx(powertrain[field]), (row["powertrain"], field)
