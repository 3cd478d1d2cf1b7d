import json
import subprocess
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import pytest

from ingest.contracts.entities import ENTITIES, ENTITY_COLUMNS
from ingest.upstream.mobility.generator import BAD_RECORD_KINDS, GeneratorConfig, generate_mobility


def _files(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in directory.rglob("*.csv")}


def test_same_seed_same_files_and_other_seed_other_files(tmp_path, small_config):
    generate_mobility(small_config, tmp_path / "a")
    generate_mobility(small_config, tmp_path / "b")
    generate_mobility(replace(small_config, seed=8), tmp_path / "c")
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    assert (
        _files(tmp_path / "a")["trips/2026-03-02.csv"]
        != _files(tmp_path / "c")["trips/2026-03-02.csv"]
    )


def test_one_file_per_entity_per_day_with_the_schema_header(tmp_path, small_config):
    report = generate_mobility(small_config, tmp_path)
    assert report.files["trips"] == small_config.days
    for entity in ENTITIES:
        for path in (tmp_path / entity).glob("*.csv"):
            header = path.read_bytes().split(b"\n", 1)[0].decode().replace('"', "")
            assert tuple(header.split(",")) == ENTITY_COLUMNS[entity]
    manifest = json.loads((tmp_path / "_manifest.json").read_text())
    assert manifest["rows"]["trips"] == report.rows["trips"]


def test_every_kind_of_bad_record_is_injected(tmp_path, small_config):
    report = generate_mobility(small_config, tmp_path)
    assert set(report.bad_records) == set(BAD_RECORD_KINDS)
    all_trips = b"".join(p.read_bytes() for p in (tmp_path / "trips").glob("*.csv"))
    assert b"\xff\xfe" in all_trips  # invalid UTF-8
    assert b"Z999" in all_trips  # unknown zone
    assert b"+01:00" in all_trips or b"-05:00" in all_trips  # other time zones


def test_bad_fraction_zero_gives_clean_files(tmp_path, small_config):
    report = generate_mobility(replace(small_config, bad_fraction=0.0), tmp_path)
    assert sum(report.bad_records.values()) == 0
    with duckdb.connect() as con:
        rows = con.execute(
            "select count(*), count(distinct trip_id) from read_csv(?, all_varchar = true)",
            [str(tmp_path / "trips" / "*.csv")],
        ).fetchone()
    assert rows == (report.rows["trips"], report.rows["trips"])


def test_demand_has_daily_seasonality_and_surge_follows_it(tmp_path):
    config = GeneratorConfig(trips=30_000, days=7, zones=10, bad_fraction=0.0)
    generate_mobility(config, tmp_path)
    with duckdb.connect() as con:
        by_hour = dict(
            con.execute(
                """
                select hour(cast(requested_at as timestamp)) as hour,
                       avg(cast(surge_multiplier as double))
                from read_csv(?, all_varchar = true)
                group by 1
                """,
                [str(tmp_path / "trips" / "*.csv")],
            ).fetchall()
        )
        counts = dict(
            con.execute(
                "select hour(cast(requested_at as timestamp)), count(*) "
                "from read_csv(?, all_varchar = true) group by 1",
                [str(tmp_path / "trips" / "*.csv")],
            ).fetchall()
        )
    assert counts[8] > 3 * counts[3]  # morning peak versus the middle of the night
    assert by_hour[8] > by_hour[3]  # surge rises when requests outrun drivers


@pytest.mark.parametrize("value", [{"trips": 0}, {"days": 0}, {"bad_fraction": 0.9}])
def test_invalid_config_is_refused(value):
    with pytest.raises(ValueError):
        GeneratorConfig(**value)


def test_memory_stays_bounded_as_trips_grow(tmp_path):
    """Peak RSS of a 600k-trip run: days are generated one at a time, so it stays small."""
    script = (
        "import resource, sys\n"
        "from pathlib import Path\n"
        "from ingest.upstream.mobility.generator import GeneratorConfig, generate_mobility\n"
        "generate_mobility(GeneratorConfig(trips=600_000, days=4), Path(sys.argv[1]))\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], check=True, capture_output=True, text=True
    )
    peak_mb = int(out.stdout.strip()) / 1024
    assert peak_mb < 1_000, f"peak RSS {peak_mb:.0f} MB"


def test_drift_raises_demand_in_half_the_zones_from_its_first_day(tmp_path):
    clean = GeneratorConfig(trips=20_000, days=8, zones=10, bad_fraction=0.0)
    drifted = replace(clean, drift_from=date(2026, 1, 11))

    def share_after(config: GeneratorConfig, directory: Path) -> dict[str, float]:
        generate_mobility(config, directory)
        with duckdb.connect() as con:
            return dict(
                con.execute(
                    """
                    select pickup_zone_id,
                        avg(case when requested_at >= '2026-01-11' then 1.0 else 0.0 end)
                    from read_csv(?, all_varchar = true) group by 1
                    """,
                    [str(directory / "trips" / "*.csv")],
                ).fetchall()
            )

    before = share_after(clean, tmp_path / "clean")
    after = share_after(drifted, tmp_path / "drift")
    grown = [zone for zone in before if after[zone] > before[zone] * 1.2]
    assert len(grown) == 5  # half the zones get 150 % more demand from the drift date on
    with pytest.raises(ValueError):
        replace(clean, drift_from=clean.start_date)


def test_incident_stops_the_busiest_zone_for_hours_and_drops_the_rating_column(
    tmp_path, small_config
):
    clean = generate_mobility(small_config, tmp_path / "clean")
    report = generate_mobility(replace(small_config, incident=True), tmp_path / "incident")
    assert not clean.incident
    zone, last_day = report.incident["outage_zone_id"], "2026-03-04"
    assert report.incident["missing_from"] == "2026-03-03"

    def trips(root: Path, day: str) -> list[tuple]:
        return duckdb.sql(
            f"select pickup_zone_id, requested_at from read_csv('{root}/trips/{day}.csv',"
            " all_varchar = true, ignore_errors = true) where requested_at like '2026-03-04T%'"
        ).fetchall()

    def in_outage(row: tuple) -> bool:
        return row[0] == zone and "T06" <= row[1][10:13] < "T20"

    assert any(in_outage(r) for r in trips(tmp_path / "clean", last_day))
    assert not any(in_outage(r) for r in trips(tmp_path / "incident", last_day))
    assert any(r[0] == zone for r in trips(tmp_path / "incident", last_day))  # outside the hours
    for day, has_rating in (("2026-03-02", True), ("2026-03-03", False), (last_day, False)):
        header = (tmp_path / "incident" / "trips" / f"{day}.csv").read_bytes().split(b"\n")[0]
        assert (b'"rating"' in header) == has_rating
