"""Reading one landing file: its header checked against the entity's contract, its records
parsed by DuckDB's CSV reader (every column as text, unparseable lines kept aside with the
reason) and written with their audit columns as one hidden Parquet file in the Bronze table,
each record with the physical line it starts on."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from common.errors import LakehouseError
from common.queries import one_row
from ingest.bronze import store
from ingest.contracts.bronze import csv_table_schema

MAX_COLUMN_NAME = 255  # characters


class RefusedFile(LakehouseError):
    """A file that cannot be loaded at all; the message says why and what to do."""


@dataclass(frozen=True)
class FileResult:
    """The outcome of one landing file."""

    entity: str
    source_file: str
    status: str  # loaded | skipped (already in Bronze) | refused
    rows: int = 0
    rejects: int = 0
    size_bytes: int = 0
    batch_id: str = ""
    message: str = ""


@dataclass(frozen=True)
class WrittenFile:
    """A parsed file's rows, written as a hidden Parquet file in the table, and its rejects."""

    parquet: Path
    schema: pa.Schema
    stats: dict
    rejects: pa.Table
    ingested_at: datetime


@dataclass(frozen=True)
class PreparedBatch:
    """A file ready to commit: its result, and for a loaded one, what was written for it."""

    result: FileResult
    written: WrittenFile | None = None


def read_header(content: bytes, source_file: str) -> list[str]:
    first_line = content.split(b"\n", 1)[0].rstrip(b"\r")
    try:
        header = next(csv.reader(io.StringIO(first_line.decode("utf-8-sig"))), [])
    except UnicodeDecodeError as error:
        raise RefusedFile(
            f"{source_file} has a header that is not UTF-8 ({error.reason})."
        ) from None
    except csv.Error as error:  # a field longer than the csv module's limit, say
        raise RefusedFile(f"{source_file} has a header that cannot be read ({error}).") from None
    too_long = [name for name in header if len(name) > MAX_COLUMN_NAME]
    if too_long:
        raise RefusedFile(
            f"{source_file} has a column name of {len(too_long[0]):,} characters (at most "
            f"{MAX_COLUMN_NAME}); nothing of it was loaded."
        )
    header = [name.strip() for name in header]
    if not header or header == [""]:
        raise RefusedFile(f"{source_file} is empty or has no header line.")
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        raise RefusedFile(f"{source_file} repeats column '{duplicated[0]}' in its header.")
    return header


def parse_to_parquet(
    path: Path,
    content: bytes,
    header: list[str],
    base: FileResult,
    table_dir: Path,
    ingested_at: datetime,
) -> PreparedBatch:
    """Parse with DuckDB's CSV reader (every column as text, bad lines kept aside with their
    reason) and write the rows with their audit columns as one Parquet file in the table."""
    source_file = base.source_file
    columns = ", ".join(f"{_literal(name)}: 'VARCHAR'" for name in header)
    with duckdb.connect(config={"threads": 1}) as con:
        con.execute(
            f"""
            create temp table raw as
            select * from read_csv(
                ?, header = true, auto_detect = false, columns = {{{columns}}},
                delim = ',', quote = '"', escape = '"', strict_mode = true,
                store_rejects = true, null_padding = false
            )
            """,
            [str(path)],
        )
        errors = con.execute(
            """
            select min(line_byte_position), string_agg(distinct error_type, ', '),
                   first(error_message order by column_idx)
            from reject_errors
            group by line
            order by 1
            """
        ).fetchall()
        (row_count,) = one_row(con.execute("select count(*) from raw"))

        newlines = np.flatnonzero(np.frombuffer(content, dtype=np.uint8) == ord("\n"))
        # DuckDB's "line" counts records; its byte position is physical, so lines come from it.
        reject_starts = np.array([_line_start(content, int(e[0])) for e in errors], dtype=np.int64)
        starts = _record_starts(content, newlines)
        good_starts = starts[~np.isin(starts, reject_starts)]
        if len(good_starts) != row_count:
            raise RefusedFile(
                f"{source_file} could not be split into records reliably (unbalanced quotes?); "
                "nothing of it was loaded."
            )
        lines = np.searchsorted(newlines, good_starts) + 1
        con.register("lines", pa.table({"_source_line": pa.array(lines, pa.int64())}))

        partition = table_dir / f"{store.PARTITION_COLUMN}={ingested_at.date().isoformat()}"
        partition.mkdir(parents=True, exist_ok=True)
        # Hidden until committed: readers skip names that start with a dot.
        parquet = partition / f".part-{base.batch_id}-{uuid.uuid4().hex[:12]}.parquet"
        hashed = ", ".join(f"coalesce({_identifier(name)}, chr(0))" for name in header)
        con.execute(
            f"""
            copy (
                select
                    raw.*,
                    cast({_literal(ingested_at.isoformat())} as timestamptz) as _ingested_at,
                    {_literal(source_file)} as _source_file,
                    lines._source_line,
                    {_literal(base.batch_id)} as _batch_id,
                    md5(concat_ws(chr(31), {hashed})) as _record_hash
                from raw positional join lines
            ) to {_literal(str(parquet))} (format parquet)
            """
        )

    schema = csv_table_schema(header)
    bounds = {
        "_ingested_at": ingested_at.isoformat().replace("+00:00", "Z"),
        "_source_file": source_file,
        "_batch_id": base.batch_id,
    }
    stats = {"numRecords": row_count, "minValues": bounds, "maxValues": bounds}
    if row_count:
        stats["minValues"] = {**bounds, "_source_line": int(lines[0])}
        stats["maxValues"] = {**bounds, "_source_line": int(lines[-1])}

    raw = [_raw_line(content, int(start)) for start in reject_starts]
    count = len(errors)
    rejects = pa.table(
        {
            "_source_line": pa.array(np.searchsorted(newlines, reject_starts) + 1, pa.int64()),
            "error_type": pa.array([e[1] for e in errors], pa.string()),
            "reason": pa.array([e[2] for e in errors], pa.string()),
            "raw_line": pa.array([r.decode("utf-8", "backslashreplace") for r in raw], pa.string()),
            "raw_bytes": pa.array(raw, pa.binary()),
            "entity": pa.array([base.entity] * count, pa.string()),
            "_ingested_at": pa.array([ingested_at] * count, pa.timestamp("us", tz="UTC")),
            "_source_file": pa.array([source_file] * count, pa.string()),
            "_batch_id": pa.array([base.batch_id] * count, pa.string()),
            store.PARTITION_COLUMN: pa.array([ingested_at.date()] * count, pa.date32()),
        }
    )
    result = replace(base, status="loaded", rows=row_count, rejects=count)
    return PreparedBatch(result, WrittenFile(parquet, schema, stats, rejects, ingested_at))


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _record_starts(content: bytes, newlines: np.ndarray) -> np.ndarray:
    """Byte offset where each data record starts, skipping the header and blank lines.

    A newline ends a record only outside quotes; with RFC 4180 quoting ('""' inside quoted
    text) the number of quote characters before such a newline is even.
    """
    data = np.frombuffer(content, dtype=np.uint8)
    if not len(newlines):
        return np.array([], dtype=np.int64)
    inside_quotes = np.bitwise_xor.accumulate(data == ord('"'))
    ends = newlines[inside_quotes[newlines] == 0]
    starts = ends + 1  # the first record after the header starts after the header's newline
    starts = starts[starts < len(data)]
    blank = np.isin(data[starts], (ord("\n"), ord("\r")))
    return starts[~blank]


def _line_start(content: bytes, byte_position: int) -> int:
    """Offset of the start of the physical line around `byte_position` (DuckDB's is 1-based)."""
    return content.rfind(b"\n", 0, max(byte_position, 1)) + 1


def _raw_line(content: bytes, start: int) -> bytes:
    end = content.find(b"\n", start)
    return content[start : end if end >= 0 else len(content)].rstrip(b"\r")
