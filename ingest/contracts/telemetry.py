"""The telemetry event: the JSON message the vehicles send to Kafka, and the trip metadata file.

Producer (the simulator, the cockpit, any other client) and consumer (the lander, Silver) agree
on these: a message is a JSON object with `schema_version` equal to `SCHEMA_VERSION`, an
`event_id` (`<vehicle_id>-<ts>`, the same on a re-send), a `trip_id` (`<vehicle_id>-<trip
number>`), `ts` (milliseconds since the Unix epoch, UTC) and the readings in `EVENT_FIELDS`
(a reading may be null: the sensor dropped it).
"""

from __future__ import annotations

SCHEMA_VERSION = 1
# Field -> JSON type of the readings after the ids and `ts`, in the order they are sent.
EVENT_FIELDS: dict[str, str] = {
    "vehicle_id": "string",
    "driver_id": "string",
    "speed_kmh": "number",
    "rpm": "integer",
    "gear": "integer",
    "throttle_pct": "number",
    "brake_pct": "number",
    "acceleration_ms2": "number",
    "coolant_temp_c": "number",
    "fuel_rate_lph": "number",
    "odometer_km": "number",
    "lat": "number",
    "lon": "number",
    "heading_deg": "number",
    "dtc": "string",
}
# The trip metadata a simulation writes as a landing file (loaded as CSV): the ground-truth
# driving profile of each trip, kept beside the events and never inside them.
DRIVING_TRIPS = "driving_trips"
DRIVING_TRIP_COLUMNS = ("trip_id", "vehicle_id", "driver_id", "driving_profile", "started_at")
DRIVING_PROFILES = ("calm", "normal", "aggressive")
