"""Deliberately bad trip records: each kind, and what it should become downstream."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ingest.upstream.mobility.config import GenerationReport, GeneratorConfig
from ingest.upstream.mobility.formats import TS_FORMAT

# What each kind of bad trip record should become downstream:
#   bronze_reject -> Bronze rejects table (the line cannot be parsed)
#   silver_reject -> Silver rejected model (parsed, but breaks a rule)
#   duplicate     -> removed as a duplicate in Silver (the trip itself is kept once)
#   valid         -> kept in Silver after normalisation
BAD_RECORD_KINDS: dict[str, str] = {
    "exact_duplicate": "duplicate",
    "corrected_resend": "duplicate",
    "missing_required_field": "silver_reject",
    "negative_fare": "silver_reject",
    "absurd_fare": "silver_reject",
    "dropoff_before_pickup": "silver_reject",
    "unknown_zone": "silver_reject",
    "malformed_timestamp": "silver_reject",
    "mixed_timestamp_format": "valid",
    "wrong_column_count": "bronze_reject",
    "invalid_utf8": "bronze_reject",
}


def inject_bad_records(
    rng: np.random.Generator,
    config: GeneratorConfig,
    table: pa.Table,
    carry_over: list[dict[str, str | None]],
    report: GenerationReport,
    day_index: int,
) -> tuple[bytes, list[dict[str, str | None]]]:
    """Turn a day's clean trips into CSV bytes with the configured share of bad records.

    Returns the day's file content and the corrected re-sends that are delivered in the next
    day's file. Only the damaged rows pass through Python; the rest stays in Arrow.
    """
    columns = table.column_names  # the delivered columns (one may be missing: --incident)
    strings = pa.table([pc.cast(col, pa.string()) for col in table.columns], names=columns)
    n = strings.num_rows
    n_bad = int(rng.binomial(n, config.bad_fraction)) if config.bad_fraction > 0 else 0
    victims = np.sort(rng.choice(n, size=min(n_bad, n), replace=False))
    kinds = rng.choice(list(BAD_RECORD_KINDS), size=len(victims))
    rows = strings.take(victims).to_pylist()
    raw_lines: dict[int, bytes] = {}
    appended: list[dict[str, str | None]] = []
    next_day: list[dict[str, str | None]] = []
    for i, row, kind in zip(victims.tolist(), rows, kinds.tolist(), strict=True):
        if kind == "dropoff_before_pickup" and row["status"] != "completed":
            kind = "negative_fare"  # only completed trips have a dropoff to misplace
        if kind == "exact_duplicate":
            appended.append(dict(row))
        elif kind == "corrected_resend":
            # The first version arrives with a tip that is too low; the correction follows.
            corrected = dict(row)
            row["tip"] = _money(float(row["tip"]) - 1.5)
            row["total_fare"] = _money(float(row["total_fare"]) - 1.5)
            (next_day if day_index + 1 < config.days else appended).append(corrected)
        elif kind == "missing_required_field":
            row[str(rng.choice(["trip_id", "rider_id", "pickup_zone_id", "status"]))] = None
        elif kind == "negative_fare":
            row["base_fare"] = _money(-abs(float(row["base_fare"])) - 1.0)
        elif kind == "absurd_fare":
            row["total_fare"] = "98765.43"
        elif kind == "dropoff_before_pickup":
            row["dropoff_at"] = _shift_ts(row["pickup_at"], -int(rng.integers(60, 3600)))
        elif kind == "unknown_zone":
            row["pickup_zone_id"] = "Z999"
        elif kind == "malformed_timestamp":
            row["requested_at"] = str(rng.choice(["2026-02-30T25:61:00Z", "yesterday", "N/A"]))
        elif kind == "mixed_timestamp_format":
            offset_hours = int(rng.choice([0, 1, -5]))
            for col in ("requested_at", "pickup_at", "dropoff_at"):
                row[col] = _reformat_ts(row[col], offset_hours)
        elif kind == "wrong_column_count":
            values = [row[c] or "" for c in columns]
            values = values[:-2] if rng.random() < 0.5 else [*values, "unexpected"]
            raw_lines[i] = ",".join(values).encode()
        elif kind == "invalid_utf8":
            encoded = [(row[c] or "").encode() for c in columns]
            encoded[columns.index("payment_type")] = b"c\xff\xfeard"
            raw_lines[i] = b",".join(encoded)
        report.bad_records[kind] += 1

    mask = np.zeros(n, dtype=bool)
    mask[victims] = True
    mask_array = pa.array(mask)
    strings = pa.table(
        [
            pc.replace_with_mask(
                strings[c], mask_array, pa.array([r[c] for r in rows], pa.string())
            )
            if len(rows)
            else strings[c]
            for c in columns
        ],
        names=columns,
    )
    content = _replace_lines(_to_csv(strings, header=True), raw_lines)
    extra = [*carry_over, *appended]
    if extra:
        content += _to_csv(pa.Table.from_pylist(extra, schema=strings.schema), header=False)
    return content, next_day


def _to_csv(table: pa.Table, header: bool) -> bytes:
    sink = pa.BufferOutputStream()
    options = pacsv.WriteOptions(include_header=header, quoting_style="needed")
    pacsv.write_csv(table, sink, write_options=options)
    return sink.getvalue().to_pybytes()


def _replace_lines(content: bytes, replacements: dict[int, bytes]) -> bytes:
    """Replace data row `i` (line `i + 2` of the file) by raw bytes, for unparseable lines."""
    if not replacements:
        return content
    newlines = np.flatnonzero(np.frombuffer(content, dtype=np.uint8) == ord("\n"))
    pieces, position = [], 0
    for i in sorted(replacements):
        start, end = newlines[i] + 1, newlines[i + 1]  # newline i ends line i (header is 0)
        pieces += [content[position:start], replacements[i]]
        position = end
    pieces.append(content[position:])
    return b"".join(pieces)


def _money(value: float) -> str:
    return f"{value:.2f}"


def _shift_ts(value: str | None, seconds: int) -> str | None:
    if not value:
        return value
    ts = datetime.strptime(value, TS_FORMAT) + timedelta(seconds=seconds)
    return ts.strftime(TS_FORMAT)


def _reformat_ts(value: str | None, offset_hours: int) -> str | None:
    """The same instant in another accepted format: an explicit offset, or naive UTC."""
    if not value:
        return value
    ts = datetime.strptime(value, TS_FORMAT).replace(tzinfo=UTC)
    if offset_hours == 0:
        return ts.strftime("%Y-%m-%d %H:%M:%S")
    return ts.astimezone(timezone(timedelta(hours=offset_hours))).isoformat()
