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

import hashlib
import os
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from ingest.bronze import store
from ingest.bronze.lock import loader_lock
from ingest.contracts.bronze import CSV_ENTITIES, REJECTS_TABLE
from ingest.contracts.entities import LANDING_MANIFEST, OPTIONAL_COLUMNS
from ingest.loaders.csv_parsing import (
    FileResult,
    PreparedBatch,
    RefusedFile,
    parse_to_parquet,
    read_header,
)

# Files parsed at once, one DuckDB thread each (measured faster than fewer files with more
# threads each); commits stay sequential, in file order.
WORKERS = os.cpu_count() or 2


def landing_files(landing_dir: Path, entities: Iterable[str]) -> list[tuple[str, Path]]:
    """Every `*.csv` entry waiting in the landing directory, in load order (entity, then name);
    one that is not a readable file is refused when it is loaded, not skipped."""
    return [
        (entity, path)
        for entity in entities
        for path in sorted((landing_dir / entity).glob("*.csv"))
    ]


def ignored_entries(landing_dir: Path) -> list[str]:
    """What the landing directory holds that no load will read, so it can be reported: entries
    of the entity folders that are not `*.csv`, and folders of no known entity (hidden names,
    files being written, and the generator's manifest excepted)."""
    if not landing_dir.is_dir():
        return []
    found = []
    for entry in sorted(landing_dir.iterdir()):
        if entry.name.startswith(".") or entry.name == LANDING_MANIFEST:
            continue
        if entry.name not in CSV_ENTITIES:
            found.append(f"{entry.name}{'/' if entry.is_dir() else ''} (no such entity)")
            continue
        if not entry.is_dir():
            found.append(f"{entry.name} (not a folder)")
            continue
        found += [
            f"{entity_file.relative_to(landing_dir)} (not a .csv file)"
            for entity_file in sorted(entry.iterdir())
            if not entity_file.name.startswith(".")
            and entity_file.suffix != ".csv"
            and not entity_file.name.endswith(".tmp")
        ]
    return found


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
    with loader_lock(bronze_dir, "ingest csv"):
        for table in {entity for entity, _ in files} | {REJECTS_TABLE}:
            store.remove_uncommitted(bronze_dir / table)  # left by an interrupted run
        return _ingest(files, lakehouse_dir, bronze_dir, on_file)


def _ingest(
    files: list[tuple[str, Path]],
    lakehouse_dir: Path,
    bronze_dir: Path,
    on_file: Callable[[FileResult], None] | None,
) -> list[FileResult]:
    committed = {entity: store.committed_batches(bronze_dir / entity) for entity, _ in files}
    results: list[FileResult] = []

    def finish(prepared: Future[PreparedBatch]) -> None:
        batch = prepared.result()
        results.append(_commit(batch, bronze_dir, committed[batch.result.entity]))
        if on_file:
            on_file(results[-1])

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        pending: deque[Future[PreparedBatch]] = deque()
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
) -> PreparedBatch:
    source_file = _relative(path, lakehouse_dir)
    try:
        content = _read(path, source_file)
    except RefusedFile as refusal:
        return PreparedBatch(FileResult(entity, source_file, "refused", message=str(refusal)))
    batch_id = hashlib.sha256(content).hexdigest()[:32]
    base = FileResult(entity, source_file, "skipped", size_bytes=len(content), batch_id=batch_id)
    if batch_id in committed:
        return PreparedBatch(base)
    try:
        header = read_header(content, source_file)
        optional = OPTIONAL_COLUMNS.get(entity, ())
        missing = [c for c in CSV_ENTITIES[entity] if c not in header and c not in optional]
        if missing:
            raise RefusedFile(
                f"{source_file} is missing required column '{missing[0]}'"
                f"{f' (and {len(missing) - 1} more)' if len(missing) > 1 else ''}; "
                "nothing of it was loaded. Fix the file and load it again."
            )
        table_dir = lakehouse_dir / "bronze" / entity
        batch = parse_to_parquet(path, content, header, base, table_dir, ingested_at)
        absent = [c for c in optional if c not in header]
        if not absent:
            return batch
        message = f"{source_file} has no column {', '.join(absent)}: loaded with it empty."
        return replace(batch, result=replace(batch.result, message=message))
    except RefusedFile as refusal:
        return PreparedBatch(replace(base, status="refused", message=str(refusal)))
    except (duckdb.Error, pa.ArrowException, OSError, ValueError) as error:
        # Whatever else a file can break, it breaks that file only.
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        message = f"{source_file} could not be loaded ({reason}); nothing of it was loaded."
        return PreparedBatch(replace(base, status="refused", message=message))


def _read(path: Path, source_file: str) -> bytes:
    if not path.is_file():
        kind = "a directory" if path.is_dir() else "not a regular file"
        raise RefusedFile(f"{source_file} is {kind}, not a CSV file; nothing was loaded from it.")
    try:
        return path.read_bytes()
    except OSError as error:
        raise RefusedFile(
            f"{source_file} could not be read ({error.strerror}); fix its permissions and "
            "load it again."
        ) from None


def _commit(batch: PreparedBatch, bronze_dir: Path, committed: set[str]) -> FileResult:
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
    try:
        with path.open("rb") as handle:
            newlines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    except OSError:
        return 0  # unreadable: the loader refuses it and says why
    return max(newlines - 1, 0)


def _relative(path: Path, lakehouse_dir: Path) -> str:
    """Paths are recorded relative to the lakehouse, so no machine path lands in the data (the
    file's own name, even when it is a link)."""
    try:
        return (path.parent.resolve() / path.name).relative_to(lakehouse_dir.resolve()).as_posix()
    except ValueError:
        return path.name
