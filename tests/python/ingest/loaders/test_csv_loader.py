import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pytest

from ingest.bronze import store
from ingest.bronze.tables import ensure_bronze_tables
from ingest.contracts import bronze as catalogue
from ingest.contracts.bronze import REJECTS_TABLE
from ingest.contracts.entities import ENTITIES, ENTITY_COLUMNS
from ingest.loaders.csv_loader import ingest_files, landing_files
from ingest.upstream.mobility.generator import BAD_RECORD_KINDS, GeneratorConfig, generate_mobility

HEADER = ",".join(ENTITY_COLUMNS["zones"])


def _write(path: Path, content: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def _load(lakehouse: Path, entities=ENTITIES):
    return ingest_files(landing_files(lakehouse / "landing", entities), lakehouse)


def _bronze(lakehouse: Path, table: str):
    return store.open_dataset(lakehouse / "bronze" / table).to_table()


def test_rows_land_as_text_with_audit_columns(landed):
    results = _load(landed)
    assert {r.status for r in results} == {"loaded"}
    trips = _bronze(landed, "trips")
    assert trips.num_rows == sum(r.rows for r in results if r.entity == "trips")
    for column in ENTITY_COLUMNS["trips"]:
        assert str(trips.schema.field(column).type) == "string"
    for column in catalogue.AUDIT_COLUMNS:
        assert trips[column].null_count == 0
    assert set(pc.unique(trips["_source_file"]).to_pylist()) == {
        f"landing/trips/{p.name}" for p in (landed / "landing" / "trips").glob("*.csv")
    }
    partitions = [p.name for p in (landed / "bronze" / "trips").iterdir()]
    assert any(name.startswith("_ingest_date=") for name in partitions)


def test_unparseable_lines_go_to_rejects_with_raw_bytes_and_reason(landed):
    _load(landed)
    rejects = _bronze(landed, REJECTS_TABLE).to_pylist()
    manifest = json.loads((landed / "landing" / "_manifest.json").read_text())
    unparseable = [k for k, outcome in BAD_RECORD_KINDS.items() if outcome == "bronze_reject"]
    assert len(rejects) == sum(manifest["bad_records"][k] for k in unparseable)
    reasons = {r["error_type"] for r in rejects}
    assert "INVALID ENCODING" in reasons
    assert reasons & {"TOO MANY COLUMNS", "MISSING COLUMNS"}
    for reject in rejects:
        source = (landed / reject["_source_file"]).read_bytes().split(b"\n")
        assert source[reject["_source_line"] - 1] == reject["raw_bytes"]


def test_source_line_points_at_the_record_even_with_quoted_newlines(lakehouse_dir):
    content = (
        f"{HEADER}\n"
        'Z001,"Harbor\nDock",North,1.5,52.5,13.4\n'
        "Z002,Mill,North,2.5\n"
        "\n"
        'Z003,"Oak ""Park""",South,3.5,52.6,13.5\n'
    ).encode()
    _write(lakehouse_dir / "landing" / "zones" / "d.csv", content)
    _load(lakehouse_dir, ["zones"])
    rows = {r["zone_id"]: r for r in _bronze(lakehouse_dir, "zones").to_pylist()}
    assert rows["Z001"]["_source_line"] == 2 and rows["Z001"]["zone_name"] == "Harbor\nDock"
    assert rows["Z003"]["_source_line"] == 6 and rows["Z003"]["zone_name"] == 'Oak "Park"'
    (reject,) = _bronze(lakehouse_dir, REJECTS_TABLE).to_pylist()
    assert (reject["_source_line"], reject["raw_line"]) == (4, "Z002,Mill,North,2.5")


def test_loading_the_same_file_again_adds_nothing(landed):
    _load(landed)
    before = {t: store.count_rows(landed / "bronze" / t) for t in [*ENTITIES, REJECTS_TABLE]}
    # A re-delivery under another name is recognised by its content, too.
    first = sorted((landed / "landing" / "trips").glob("*.csv"))[0]
    _write(first.with_name("redelivered.csv"), first.read_bytes())
    results = _load(landed)
    assert {r.status for r in results} == {"skipped"}
    after = {t: store.count_rows(landed / "bronze" / t) for t in [*ENTITIES, REJECTS_TABLE]}
    assert after == before


def test_file_missing_a_required_column_is_refused_and_others_still_load(lakehouse_dir):
    columns = ENTITY_COLUMNS["zones"]
    without_area = ",".join(c for c in columns if c != "area_km2")
    _write(lakehouse_dir / "landing" / "zones" / "a.csv", f"{without_area}\nZ1,A,B,1,2\n".encode())
    _write(lakehouse_dir / "landing" / "zones" / "b.csv", f"{HEADER}\nZ2,A,B,1,2,3\n".encode())
    results = {r.source_file: r for r in _load(lakehouse_dir, ["zones"])}
    refused = results["landing/zones/a.csv"]
    assert refused.status == "refused"
    assert "landing/zones/a.csv" in refused.message and "'area_km2'" in refused.message
    assert results["landing/zones/b.csv"].status == "loaded"
    assert _bronze(lakehouse_dir, "zones")["zone_id"].to_pylist() == ["Z2"]


def test_file_without_an_optional_column_loads_with_it_empty_and_says_so(landed):
    trips = sorted((landed / "landing" / "trips").glob("*.csv"))[0]
    table = duckdb.read_csv(str(trips), all_varchar=True, ignore_errors=True).to_arrow_table()
    without = table.drop_columns(["rating"])
    trips.unlink()
    pacsv.write_csv(without, trips)
    ensure_bronze_tables(landed / "bronze")  # as `lakehouse ingest csv` does first
    results = [r for r in _load(landed, ["trips"]) if r.status != "skipped"]
    assert [r.status for r in results] == ["loaded"] * len(results)
    first = next(r for r in results if r.source_file.endswith(trips.name))
    assert "has no column rating" in first.message
    rating = store.open_dataset(landed / "bronze" / "trips").to_table(
        ["rating", "_source_file"], filter=pc.field("_source_file") == first.source_file
    )
    assert rating.num_rows > 0 and rating["rating"].null_count == rating.num_rows


def test_a_crash_between_rejects_and_data_commit_leaves_no_duplicates(landed, monkeypatch):
    real_commit = store.commit_file
    calls = {"n": 0}

    def crash_on_second_commit(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt("simulated crash after the file's rejects were written")
        return real_commit(*args, **kwargs)

    monkeypatch.setattr(store, "commit_file", crash_on_second_commit)
    with pytest.raises(KeyboardInterrupt):
        _load(landed, ["trips"])
    monkeypatch.setattr(store, "commit_file", real_commit)
    results = _load(landed, ["trips"])
    assert [r.status for r in results] == ["skipped", "loaded", "loaded"]

    reference = landed.parent / "reference"
    shutil.copytree(landed / "landing", reference / "landing")
    _load(reference, ["trips"])
    for table in ("trips", REJECTS_TABLE):
        assert store.count_rows(landed / "bronze" / table) == store.count_rows(
            reference / "bronze" / table
        )


def test_sigkill_mid_load_then_restart_neither_loses_nor_duplicates(lakehouse_dir):
    """Kill a real `lakehouse ingest csv` after its first commit, run it again, compare."""
    landed = lakehouse_dir
    generate_mobility(GeneratorConfig(trips=30_000, days=20, zones=5), landed / "landing")
    env = {**os.environ, "LAKEHOUSE_DIR": str(landed)}
    command = [str(Path(sys.executable).parent / "lakehouse"), "ingest", "csv", "--entity", "trips"]
    log = landed / "bronze" / "trips" / "_delta_log"
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while len(list(log.glob("*.json"))) < 2:  # the empty table, then a first file
        assert process.poll() is None, "the loader finished before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    partial = store.count_rows(landed / "bronze" / "trips")

    subprocess.run(
        command,
        env=env,
        check=True,
        capture_output=True,
    )
    trips = _bronze(landed, "trips")
    expected_rows = sum(
        len(p.read_bytes().splitlines()) - 1 for p in (landed / "landing" / "trips").glob("*.csv")
    ) - store.count_rows(landed / "bronze" / REJECTS_TABLE)
    assert 0 < partial <= trips.num_rows == expected_rows
    per_file = trips.group_by("_source_file").aggregate([("_batch_id", "count_distinct")])
    assert set(per_file["_batch_id_count_distinct"].to_pylist()) == {1}


def test_orphan_files_of_an_uncommitted_write_are_invisible(landed):
    _load(landed, ["zones"])
    rows = store.count_rows(landed / "bronze" / "zones")
    table_dir = landed / "bronze" / "zones"
    existing = next(table_dir.rglob("*.parquet"))
    (existing.parent / "part-orphan.parquet").write_bytes(existing.read_bytes())
    assert store.count_rows(table_dir) == rows
