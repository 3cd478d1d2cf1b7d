"""Land CSV files from `landing/<entity>/` into Bronze Delta tables.

Each file is one batch: its id is the SHA-256 of its bytes, its rows get audit columns
(`_ingested_at`, `_source_file`, `_source_line`, `_batch_id`, `_record_hash`), DuckDB writes
them as one Parquet file inside `bronze/<entity>`, and a single Delta commit makes that file
part of the table. Until the commit the file is invisible, so a crash loses nothing and leaves
nothing half-loaded. Lines that cannot be parsed (wrong column count,
bytes that are not UTF-8) go to `bronze/csv_rejects` with the raw line and the reason. A file
that lacks a required column is refused whole. Loading the same file again adds nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from common.errors import LakehouseError
from common.queries import one_row
from ingest.bronze import store
from ingest.contracts.bronze import CSV_ENTITIES, REJECTS_TABLE, csv_table_schema
from ingest.contracts.entities import OPTIONAL_COLUMNS

# Files parsed at once, one DuckDB thread each (measured faster than fewer files with more
# threads each); commits stay sequential, in file order.
WORKERS = os.cpu_count() or 2


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
class _WrittenFile:
    """A parsed file's rows, written as a hidden Parquet file in the table, and its rejects."""

    parquet: Path
    schema: pa.Schema
    stats: dict
    rejects: pa.Table
    ingested_at: datetime


@dataclass(frozen=True)
class _PreparedBatch:
    """A file ready to commit: its result, and for a loaded one, what was written for it."""

    result: FileResult
    written: _WrittenFile | None = None


def landing_files(landing_dir: Path, entities: Iterable[str]) -> list[tuple[str, Path]]:
    """Every CSV file waiting in the landing directory, in load order (entity, then name)."""
    return [
        (entity, path)
        for entity in entities
        for path in sorted((landing_dir / entity).glob("*.csv"))
    ]


def ingest_files(
    files: list[tuple[str, Path]],
    lakehouse_dir: Path,
    on_file: Callable[[FileResult], None] | None = None,
) -> list[FileResult]:
    """Load each `(entity, path)` into Bronze; a refused file does not stop the others.

    Files are parsed and written as Parquet by worker threads; each is then committed to its
    Bronze table by this thread, one commit per file, in the order given.
    """
    bronze_dir = lakehouse_dir / "bronze"
    committed = {entity: store.committed_batches(bronze_dir / entity) for entity, _ in files}
    results: list[FileResult] = []

    def finish(prepared: Future[_PreparedBatch]) -> None:
        batch = prepared.result()
        results.append(_commit(batch, bronze_dir, committed[batch.result.entity]))
        if on_file:
            on_file(results[-1])

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        pending: deque[Future[_PreparedBatch]] = deque()
        for entity, path in files:
            # Submission order is load order, so later files get later `_ingested_at` values.
            ingested_at = datetime.now(UTC)
            pending.append(
                pool.submit(_prepare, entity, path, lakehouse_dir, committed[entity], ingested_at)
            )
            if len(pending) > WORKERS:
                finish(pending.popleft())
        while pending:
            finish(pending.popleft())
    return results


def _prepare(
    entity: str, path: Path, lakehouse_dir: Path, committed: set[str], ingested_at: datetime
) -> _PreparedBatch:
    content = path.read_bytes()
    source_file = _relative(path, lakehouse_dir)
    batch_id = hashlib.sha256(content).hexdigest()[:32]
    base = FileResult(entity, source_file, "skipped", size_bytes=len(content), batch_id=batch_id)
    if batch_id in committed:
        return _PreparedBatch(base)
    try:
        header = _read_header(content, source_file)
        optional = OPTIONAL_COLUMNS.get(entity, ())
        missing = [c for c in CSV_ENTITIES[entity] if c not in header and c not in optional]
        if missing:
            raise RefusedFile(
                f"{source_file} is missing required column '{missing[0]}'"
                f"{f' (and {len(missing) - 1} more)' if len(missing) > 1 else ''}; "
                "nothing of it was loaded. Fix the file and load it again."
            )
        table_dir = lakehouse_dir / "bronze" / entity
        batch = _parse_to_parquet(path, content, header, base, table_dir, ingested_at)
        absent = [c for c in optional if c not in header]
        if not absent:
            return batch
        message = f"{source_file} has no column {', '.join(absent)}: loaded with it empty."
        return replace(batch, result=replace(batch.result, message=message))
    except RefusedFile as refusal:
        return _PreparedBatch(replace(base, status="refused", message=str(refusal)))


def _commit(batch: _PreparedBatch, bronze_dir: Path, committed: set[str]) -> FileResult:
    """Make a prepared file part of Bronze: its rejects first, then its rows in one commit."""
    result, written = batch.result, batch.written
    if result.status != "loaded":
        return result
    if written is None:
        raise RuntimeError(f"{result.source_file} was loaded, but no Parquet file was written")
    if result.batch_id in committed:  # the same content arrived twice in this run
        written.parquet.unlink()
        return replace(result, status="skipped", rows=0, rejects=0)
    # The rejects replace any left by an interrupted attempt; the data commit comes last,
    # because it is what marks the file as done.
    if written.rejects.num_rows:
        store.replace_batch(bronze_dir / REJECTS_TABLE, written.rejects, result.batch_id)
    store.commit_file(
        bronze_dir / result.entity,
        written.parquet,
        written.schema,
        written.ingested_at.date().isoformat(),
        written.stats,
        result.batch_id,
        {"lakehouse.source_file": result.source_file, "lakehouse.rows": str(result.rows)},
    )
    committed.add(result.batch_id)
    return result


def data_lines(path: Path) -> int:
    """Lines after the header of a landing file (read in chunks, for files of any size)."""
    with path.open("rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b"")) - 1


def _relative(path: Path, lakehouse_dir: Path) -> str:
    """Paths are recorded relative to the lakehouse, so no machine path lands in the data."""
    try:
        return path.resolve().relative_to(lakehouse_dir.resolve()).as_posix()
    except ValueError:
        return path.name


def _read_header(content: bytes, source_file: str) -> list[str]:
    first_line = content.split(b"\n", 1)[0].rstrip(b"\r")
    try:
        header = next(csv.reader(io.StringIO(first_line.decode("utf-8-sig"))), [])
    except UnicodeDecodeError as error:
        raise RefusedFile(
            f"{source_file} has a header that is not UTF-8 ({error.reason})."
        ) from None
    header = [name.strip() for name in header]
    if not header or header == [""]:
        raise RefusedFile(f"{source_file} is empty or has no header line.")
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        raise RefusedFile(f"{source_file} repeats column '{duplicated[0]}' in its header.")
    return header


def _parse_to_parquet(
    path: Path,
    content: bytes,
    header: list[str],
    base: FileResult,
    table_dir: Path,
    ingested_at: datetime,
) -> _PreparedBatch:
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
    return _PreparedBatch(result, _WrittenFile(parquet, schema, stats, rejects, ingested_at))


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
