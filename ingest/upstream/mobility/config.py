"""What the generator is asked for (`GeneratorConfig`, whose defaults are the demo data set) and
what it wrote (`GenerationReport`)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from common.errors import InvalidSetting
from common.settings import DEMO_PERIOD_END

DEFAULT_START_DATE = (DEMO_PERIOD_END - timedelta(days=28)).date()  # the demo's 28 days


@dataclass(frozen=True)
class GeneratorConfig:
    """What to generate. The defaults are the demo data set."""

    trips: int = 200_000
    days: int = 28
    start_date: date = DEFAULT_START_DATE
    zones: int = 30
    seed: int = 42
    bad_fraction: float = 0.01
    # Drift scenario: from this day on, demand grows by DRIFT_DEMAND_FACTOR in half the zones
    # while the drivers on the road stay as many as before (so surge rises). None: no drift.
    drift_from: date | None = None
    # Incident scenario: a zone outage and a disappearing column (see INCIDENT_*).
    incident: bool = False

    def __post_init__(self) -> None:
        if self.trips < 1 or self.days < 1 or self.zones < 2:
            raise InvalidSetting("trips and days must be at least 1, and zones at least 2.")
        if not 0.0 <= self.bad_fraction <= 0.5:
            raise InvalidSetting("bad_fraction must be between 0 and 0.5.")
        last_day = self.start_date + timedelta(days=self.days - 1)
        if self.drift_from and not self.start_date < self.drift_from <= last_day:
            raise InvalidSetting(f"drift_from must be after {self.start_date} and by {last_day}.")

    @property
    def default_drift_from(self) -> date:
        """Three quarters into the period: inside the ML models' test window."""
        return self.start_date + timedelta(days=max(1, round(self.days * 0.75)))

    @property
    def drivers(self) -> int:
        return max(20, round(self.trips / self.days / 12))

    @property
    def riders(self) -> int:
        return max(100, self.trips // 20)


@dataclass
class GenerationReport:
    """What was written: files and rows per entity, and the bad trip records by kind."""

    files: Counter = field(default_factory=Counter)
    rows: Counter = field(default_factory=Counter)
    bad_records: Counter = field(default_factory=Counter)
    incident: dict[str, object] = field(default_factory=dict)  # what the scenario injected
