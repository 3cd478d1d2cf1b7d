"""The city both sources describe: the zone grid and the id formats of every entity.

The generator lays its zones out on this grid (with a little noise per zone) and the vehicle
simulator drives between the same centroids, so trips and telemetry share one map.
"""

from __future__ import annotations

import numpy as np

CITY_CENTER = (52.5200, 13.4050)  # latitude, longitude
ZONE_SPACING = (0.018, 0.028)  # degrees between neighbouring zone centroids
# Entity -> (prefix, digits): ids are the prefix and a 1-based, zero-padded number.
ID_FORMATS: dict[str, tuple[str, int]] = {
    "zone": ("Z", 3),
    "vehicle": ("V", 6),
    "driver": ("D", 6),
    "rider": ("R", 7),
    "trip": ("T", 9),
}


def zone_grid(zones: int) -> tuple[np.ndarray, np.ndarray]:
    """Latitude and longitude of each zone's place on the grid (zone i is row-major cell i)."""
    side = int(np.ceil(np.sqrt(zones)))
    grid = np.arange(zones)
    lat = CITY_CENTER[0] + (grid // side - side / 2) * ZONE_SPACING[0]
    lon = CITY_CENTER[1] + (grid % side - side / 2) * ZONE_SPACING[1]
    return lat, lon


def entity_id(entity: str, number: int) -> str:
    """The id of the `number`-th (1-based) entity of a kind, e.g. `entity_id("zone", 3)`."""
    prefix, digits = ID_FORMATS[entity]
    return f"{prefix}{number:0{digits}d}"


def entity_ids(entity: str, numbers) -> np.ndarray:
    """Ids for an array of 1-based numbers."""
    return np.array([entity_id(entity, int(n)) for n in numbers])
