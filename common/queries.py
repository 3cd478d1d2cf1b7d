"""Reading query results whose shape the query guarantees."""

from __future__ import annotations

from typing import Any

import duckdb


def one_row(result: duckdb.DuckDBPyConnection) -> tuple[Any, ...]:
    """The row of a query that always returns exactly one (an aggregate without `group by`)."""
    row = result.fetchone()
    if row is None:
        raise LookupError("a query that returns one row returned none")
    return row
