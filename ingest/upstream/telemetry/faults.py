"""Faulty readings, as real fleets send them: sensor spikes, stuck coolant sensors (which
recover after a while, unless the incident scenario breaks them for good), dropped fields,
re-sent events and late (out-of-order) deliveries.
"""

from __future__ import annotations

import numpy as np

COOLANT_SENSOR_NOISE_C = 0.1  # standard deviation of a coolant reading around the true value
STUCK_SENSOR_MEAN_S = 120.0  # a stuck coolant sensor recovers after this long on average
# Incident scenario: at `incident_at` this share of the fleet's coolant sensors freeze for good.
INCIDENT_STUCK_SHARE = 1 / 3


class Faults:
    """The fault state of a fleet (stuck sensors, events held back) and the damage done to each
    step's readings. Draws from the simulator's random generator, in the simulator's order."""

    def __init__(self, vehicles: int, fault_fraction: float, incident_step: int | None) -> None:
        self.vehicles = vehicles
        self.fault_fraction = fault_fraction
        self.incident_step = incident_step
        self.stuck_coolant = np.full(vehicles, np.nan)  # a stuck sensor keeps reporting this
        self.broken_sensor = np.zeros(vehicles, dtype=bool)  # stuck for good (incident)
        self.held_back: list[dict[str, np.ndarray]] = []  # late events, delivered later

    def apply(
        self, events: dict[str, np.ndarray], rng: np.random.Generator, step_index: int, dt: float
    ) -> dict[str, np.ndarray]:
        """Damage a share of one step's readings; returns the events delivered now."""
        n = self.vehicles
        faulty = rng.random(n) < self.fault_fraction
        kind = rng.integers(0, 6, n)
        events["coolant_temp_c"] = events["coolant_temp_c"] + rng.normal(
            0.0, COOLANT_SENSOR_NOISE_C, n
        )
        spike = faulty & (kind == 0)
        events["rpm"] = np.where(spike, 15_000.0, events["rpm"])
        events["coolant_temp_c"] = np.where(spike, 260.0, events["coolant_temp_c"])
        events["dtc"] = np.where(spike, "P0219", events["dtc"])
        # A stuck coolant sensor reports the same value until it recovers (a couple of
        # minutes on average); in the incident scenario a share of them never does.
        recovered = (rng.random(n) < dt / STUCK_SENSOR_MEAN_S) & ~self.broken_sensor
        self.stuck_coolant = np.where(recovered, np.nan, self.stuck_coolant)
        if step_index == self.incident_step:
            self.broken_sensor = rng.random(n) < INCIDENT_STUCK_SHARE
        stuck = ((faulty & (kind == 1)) | self.broken_sensor) & np.isnan(self.stuck_coolant)
        self.stuck_coolant = np.where(stuck, events["coolant_temp_c"], self.stuck_coolant)
        events["coolant_temp_c"] = np.where(
            np.isnan(self.stuck_coolant), events["coolant_temp_c"], self.stuck_coolant
        )
        events["rpm"] = np.where(faulty & (kind == 2), np.nan, events["rpm"])  # dropped field
        events["dtc"] = np.where(events["coolant_temp_c"] > 112.0, "P0217", events["dtc"])
        duplicate = faulty & (kind == 3)  # the producer re-sends the reading
        late = faulty & (kind >= 4)  # delivered after the following steps (out of order)
        if late.any():
            self.held_back.append({k: v[late] for k, v in events.items()})
        keep = ~late
        out = {k: v[keep] for k, v in events.items()}
        if duplicate.any():
            out = {k: np.concatenate([out[k], events[k][duplicate & keep]]) for k in out}
        if len(self.held_back) > 30 or (self.held_back and rng.random() < 0.05):
            held = self.held_back.pop(0)
            out = {k: np.concatenate([out[k], held[k]]) for k in out}
        return out

    def release_all(self) -> dict[str, np.ndarray] | None:
        """Every event still held back (at the end of a run: late, but it still arrives)."""
        if not self.held_back:
            return None
        late = {k: np.concatenate([c[k] for c in self.held_back]) for k in self.held_back[0]}
        self.held_back = []
        return late
