"""One vehicle's drive, free of Qt: the simulator steps it (by its driver or by hand), every
reading goes to the telemetry worker, the last window goes to the verdict client now and then,
and stopping flushes and writes the trip metadata as `lakehouse simulate` does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cockpit.display import Reading, RollingWindow
from cockpit.features import WINDOW_MINUTES, window_features
from cockpit.streaming import StreamState, StreamWorker
from cockpit.verdict import VerdictClient, VerdictState
from common.settings import DEMO_PERIOD_END
from ingest.kafka import KafkaSettings
from ingest.upstream.telemetry.simulator import SimulationConfig, VehicleSimulator, keyed
from ingest.upstream.telemetry.stream import write_trip_metadata

RATE_HZ = 1.0  # readings per second, as `lakehouse simulate` sends by default
# The simulated clock's default start: 10 minutes before the demo period ends, where every
# default `lakehouse simulate` run drives (its runs end there): the drive joins the fleet's
# time range, which the models' time splits cut in training and test.
DEFAULT_START = DEMO_PERIOD_END - timedelta(minutes=10)


@dataclass(frozen=True)
class DriveConfig:
    kafka: KafkaSettings
    landing_dir: Path
    api_url: str
    profile: str = "normal"
    verdict_every_s: float = 5.0  # simulated seconds between two verdict requests
    start: datetime = DEFAULT_START  # the simulated clock's start


@dataclass(frozen=True)
class DriveReport:
    stream: StreamState
    verdict: VerdictState
    trip_metadata: Path
    readings: int
    driven: str  # the profile driven last


class Drive:
    """A vehicle of its own: numbered by the wall clock's second when the drive starts (no
    fleet reaches such numbers), seeded by it too, so no simulation and no other drive shares
    its event ids, trip ids or trip metadata file."""

    def __init__(self, config: DriveConfig) -> None:
        self.config = config
        start = config.start
        number = int(datetime.now(UTC).timestamp())
        self.simulator = VehicleSimulator(
            SimulationConfig(
                vehicles=1,
                rate_hz=RATE_HZ,
                start=start,
                seed=number % 2**32,
                fault_fraction=0.0,  # the cockpit shows and sends what the sensors read
                first_vehicle=number,
            )
        )
        self.simulator.switch_profile(0, config.profile)
        self.start_ms = int(start.timestamp() * 1000)
        self.window = RollingWindow(WINDOW_MINUTES * 60)
        self.latest: Reading | None = None
        self.pedals: tuple[float, float] | None = None  # set: driven by hand
        self.readings = 0
        self.report: DriveReport | None = None  # set once stopped
        self._next_verdict_s = config.verdict_every_s
        self.stream = StreamWorker(config.kafka)
        self.verdict = VerdictClient(config.api_url)

    @property
    def profile(self) -> str:
        return str(self.simulator.profile_names[0])

    def switch_profile(self, profile: str) -> None:
        """Another driver from the next reading on (a new trip, labelled with this profile)."""
        self.simulator.switch_profile(0, profile)

    def tick(self) -> Reading:
        """One reading: simulated, queued for the topic, added to the window."""
        events = self.simulator.readings(self.pedals)
        self.stream.send(keyed(events))
        reading = Reading.from_events(events, self.start_ms)
        self.window.append(reading)
        self.latest = reading
        self.readings += 1
        if reading.seconds >= self._next_verdict_s:
            self._next_verdict_s = reading.seconds + self.config.verdict_every_s
            self.request_verdict()
        return reading

    def request_verdict(self) -> None:
        """Send the window to the API, when it holds enough readings."""
        features = window_features(self.window.readings)
        if features is not None and self.latest is not None:
            window_id = f"cockpit-{self.simulator.vehicle_ids[0]}-{self.latest.seconds:.0f}s"
            self.verdict.submit(features, self.profile, window_id)

    def stop(self) -> DriveReport:
        """Send what the sensors held back, flush the topic, write the trip metadata (once)."""
        if self.report is None:
            self.stream.send(self.simulator.late_events())
            state = self.stream.close()
            self.verdict.close()
            path = write_trip_metadata(self.simulator, self.config.landing_dir)
            self.report = DriveReport(
                state, self.verdict.state(), path, self.readings, self.profile
            )
        return self.report
