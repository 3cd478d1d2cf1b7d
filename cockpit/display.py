"""The cockpit's display model, free of Qt: readings in, the values the window shows out (the
gauges, the rolling chart, the streaming state, the verdict and the banner)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from cockpit.streaming import StreamState
from cockpit.verdict import VerdictState
from ingest.upstream.telemetry.profiles import POWERTRAIN

MIN_READINGS = 30  # a window needs this many readings (the dbt var ml_min_window_readings)

SPEED_MAX_KMH = 200.0
RPM_MAX = 8000.0
COOLANT_MAX_C = 130.0
OVERHEAT_C = 105.0  # the dbt var overheat_coolant_c
PLACEHOLDER = "-"  # a gauge before its first reading


@dataclass(frozen=True)
class Reading:
    """One reading of the cockpit's vehicle, `seconds` after the drive started."""

    seconds: float
    speed_kmh: float
    rpm: int
    gear: int
    throttle_pct: float
    brake_pct: float
    acceleration_ms2: float
    coolant_temp_c: float

    @classmethod
    def from_events(cls, events: dict[str, np.ndarray], start_ms: int) -> Reading:
        """The first (the only) vehicle's reading from one step's events."""
        return cls(
            seconds=(int(events["ts_ms"][0]) - start_ms) / 1000,
            speed_kmh=float(events["speed_kmh"][0]),
            rpm=round(float(events["rpm"][0])),
            gear=int(events["gear"][0]),
            throttle_pct=float(events["throttle_pct"][0]),
            brake_pct=float(events["brake_pct"][0]),
            acceleration_ms2=float(events["acceleration_ms2"][0]),
            coolant_temp_c=float(events["coolant_temp_c"][0]),
        )


@dataclass(frozen=True)
class Gauge:
    """A bar gauge: its fill (0 to `maximum`), its text, and whether it is in the red."""

    label: str
    value: float
    maximum: float
    text: str
    alert: bool = False


def gauges(reading: Reading | None) -> dict[str, Gauge]:
    """The gauges for a reading; before the first one, empty gauges with a placeholder."""
    if reading is None:
        return {
            name: Gauge(label, 0.0, maximum, PLACEHOLDER)
            for name, (label, maximum) in GAUGES.items()
        }
    r = reading
    redline = POWERTRAIN.redline_rpm
    return {
        "speed": Gauge("Speed", r.speed_kmh, SPEED_MAX_KMH, f"{r.speed_kmh:.0f} km/h"),
        "rpm": Gauge(
            "RPM", r.rpm, RPM_MAX, f"{r.rpm:,} rpm (redline {redline:,.0f})", r.rpm >= redline
        ),
        "throttle": Gauge("Throttle", r.throttle_pct, 100.0, f"{r.throttle_pct:.0f} %"),
        "brake": Gauge("Brake", r.brake_pct, 100.0, f"{r.brake_pct:.0f} %"),
        "coolant": Gauge(
            "Coolant",
            r.coolant_temp_c,
            COOLANT_MAX_C,
            f"{r.coolant_temp_c:.1f} °C",
            r.coolant_temp_c >= OVERHEAT_C,
        ),
    }


GAUGES = {
    "speed": ("Speed", SPEED_MAX_KMH),
    "rpm": ("RPM", RPM_MAX),
    "throttle": ("Throttle", 100.0),
    "brake": ("Brake", 100.0),
    "coolant": ("Coolant", COOLANT_MAX_C),
}


def gear_text(reading: Reading | None) -> str:
    return PLACEHOLDER if reading is None else str(reading.gear)


class RollingWindow:
    """The last `seconds` of readings: the chart's data and the verdict's window."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._readings: deque[Reading] = deque()

    def append(self, reading: Reading) -> None:
        self._readings.append(reading)
        while reading.seconds - self._readings[0].seconds >= self.seconds:
            self._readings.popleft()

    @property
    def readings(self) -> list[Reading]:
        return list(self._readings)

    def __len__(self) -> int:
        return len(self._readings)

    def series(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Seconds before the latest reading (negative, the latest is 0), speeds, RPMs."""
        if not self._readings:
            return np.zeros(0), np.zeros(0), np.zeros(0)
        seconds = np.array([r.seconds for r in self._readings])
        speeds = np.array([r.speed_kmh for r in self._readings])
        rpms = np.array([r.rpm for r in self._readings], dtype=float)
        return seconds - seconds[-1], speeds, rpms


def stream_text(state: StreamState) -> str:
    """The streaming panel: where the readings go and how many got there."""
    link = "connected" if state.connected else "no broker"
    text = (
        f"{state.topic} ({link}) · sent {state.sent:,} · delivered {state.delivered:,} · "
        f"failed {state.failed:,} · producer queue {state.queued:,}"
    )
    return text + (f" · not sent {state.unsent:,}" if state.unsent else "")


@dataclass(frozen=True)
class VerdictView:
    """The verdict panel: the headline, each profile's probability (0 to 1), the detail line."""

    headline: str
    probabilities: dict[str, float]
    detail: str


def verdict_view(state: VerdictState, driven: str, readings: int) -> VerdictView:
    """What the verdict panel shows: the latest answer beside the profile driven now."""
    verdict = state.verdict
    if verdict is None:
        waiting = (
            f"waiting for {MIN_READINGS} readings ({readings} so far)"
            if readings < MIN_READINGS
            else "asking the prediction API"
        )
        return VerdictView(f"{PLACEHOLDER} (driven: {driven})", {}, state.problem or waiting)
    agreement = "agrees" if verdict.predicted == verdict.driven else "differs"
    return VerdictView(
        headline=f"{verdict.predicted} (driven: {verdict.driven}, {agreement})",
        probabilities=verdict.probabilities,
        detail=f"{verdict.latency_ms:.0f} ms · {verdict.model} · {state.requests:,} windows judged",
    )


def banner(stream: StreamState, verdict: VerdictState) -> str | None:
    """What is missing (broker, API), in one visible line; None when everything answers."""
    problems = [p for p in (stream.problem, verdict.problem) if p]
    return "\n".join(problems) or None
