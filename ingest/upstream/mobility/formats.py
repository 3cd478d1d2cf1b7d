"""Time and geometry helpers shared by the generator's modules, and the timestamp format the
files use (`2026-01-05T08:13:22Z`)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

TS_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def seconds(values) -> np.ndarray:
    """Whole seconds as a numpy timedelta array."""
    return np.asarray(values, dtype="int64").astype("timedelta64[s]")


def midnight(day: date) -> np.datetime64:
    return np.datetime64(day.isoformat(), "s")


def format_ts(values: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    """Format UTC instants as ISO-8601 strings (`2026-01-05T08:13:22Z`); masked ones are null."""
    text = pc.strftime(pa.array(values.astype("datetime64[s]")), format=TS_FORMAT)
    if mask is not None:
        text = pc.if_else(pa.array(mask), pa.scalar(None, pa.string()), text)
    return text


def masked(values: np.ndarray, mask: np.ndarray) -> pa.Array:
    return pa.array(values, mask=mask)


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    lat1, lon1, lat2, lon2 = map(np.radians, (lat1, lon1, lat2, lon2))
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 6371.0 * 2 * np.arcsin(np.sqrt(a))
