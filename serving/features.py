"""The online features: the snapshot dbt publishes (ml/online_features.py), indexed by zone and
hour, reloaded when the file changes (a new inode or modification time: dbt replaces it by a
rename)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from ml import online_features


class FeatureLookupError(LookupError):
    """No features for the key asked for; `field` names the request field at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Snapshot:
    frame: pd.DataFrame
    positions: dict[tuple[str, pd.Timestamp], int]  # the row of each (zone_id, hour_at)
    records: list[dict]  # each row of `frame` as plain Python values (missing: None), for the log
    next_hours: dict[str, pd.Timestamp]  # each zone's newest hour (the next to forecast)
    first_hours: dict[str, pd.Timestamp]
    published_at: datetime
    signature: tuple[int, int]

    def position(self, zone_id: str, hour_at: datetime | None) -> int:
        """The row of a zone and hour (default: the zone's next hour) in `frame`."""
        if zone_id not in self.next_hours:
            raise FeatureLookupError("zone_id", f"unknown zone_id {zone_id!r}")
        hour = self.next_hours[zone_id] if hour_at is None else _hour(hour_at)
        if hour > self.next_hours[zone_id]:
            raise FeatureLookupError(
                "hour_at",
                f"hour_at {hour.isoformat()} is beyond the features' horizon: the latest hour "
                f"zone {zone_id} can be forecast for is {self.next_hours[zone_id].isoformat()} "
                "(the hour after its newest data)",
            )
        if hour < self.first_hours[zone_id] or (zone_id, hour) not in self.positions:
            raise FeatureLookupError(
                "hour_at",
                f"hour_at {hour.isoformat()} is older than the online features hold for zone "
                f"{zone_id} (from {self.first_hours[zone_id].isoformat()})",
            )
        return self.positions[(zone_id, hour)]

    def age_seconds(self) -> float:
        return (datetime.now(UTC) - self.published_at).total_seconds()


def _hour(value: datetime) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    if stamp != stamp.floor("h"):
        raise FeatureLookupError("hour_at", f"hour_at {value.isoformat()} is not on the hour")
    return stamp


def _plain(values: dict) -> dict:
    return {k: (None if pd.isna(v) else (v.item() if isinstance(v, np.generic) else v))
            for k, v in values.items()}  # fmt: skip


def signature(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_ino, stat.st_mtime_ns


def load(path: Path) -> Snapshot:
    sig = signature(path)
    if sig is None:
        raise FileNotFoundError(f"no feature snapshot at {path}: run `dbt build` first")
    frame = online_features.read(path)
    by_zone = frame.groupby("zone_id")["hour_at"]
    frame = frame.reset_index(drop=True)
    keys = zip(frame["zone_id"], frame["hour_at"], strict=True)
    return Snapshot(
        frame=frame,
        positions={key: i for i, key in enumerate(keys)},
        records=[_plain(values) for values in frame.to_dict("records")],
        next_hours=by_zone.max().to_dict(),
        first_hours=by_zone.min().to_dict(),
        published_at=datetime.fromtimestamp(sig[1] / 1e9, UTC),
        signature=sig,
    )
