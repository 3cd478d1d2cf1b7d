"""Columns of each mobility entity as delivered in the landing CSV files.

This is the contract between the generator, the CSV loader (which refuses a file that lacks a
required column, and loads one that lacks an optional column with that column empty) and the
dbt staging models (which type these columns).
"""

from __future__ import annotations

ENTITY_COLUMNS: dict[str, tuple[str, ...]] = {
    "zones": ("zone_id", "zone_name", "borough", "area_km2", "centroid_lat", "centroid_lon"),
    "vehicles": ("vehicle_id", "make", "model", "powertrain", "model_year", "seats"),
    "drivers": (
        "driver_id",
        "first_name",
        "last_name",
        "home_zone_id",
        "vehicle_id",
        "rating_tier",
        "status",
        "joined_at",
        "updated_at",
    ),
    "riders": ("rider_id", "first_name", "last_name", "email", "home_zone_id", "signup_at"),
    "trips": (
        "trip_id",
        "rider_id",
        "driver_id",
        "vehicle_id",
        "pickup_zone_id",
        "dropoff_zone_id",
        "requested_at",
        "pickup_at",
        "dropoff_at",
        "distance_km",
        "duration_min",
        "base_fare",
        "surge_multiplier",
        "tip",
        "total_fare",
        "payment_type",
        "status",
        "rating",
    ),
}

ENTITIES: tuple[str, ...] = tuple(ENTITY_COLUMNS)
# The generator's account of what it wrote, beside the entity folders in landing/ (not data).
LANDING_MANIFEST = "_manifest.json"
# Columns a record may lack (a rider need not rate a trip): a file without them still loads.
OPTIONAL_COLUMNS: dict[str, tuple[str, ...]] = {"trips": ("rating",)}

PAYMENT_TYPES: tuple[str, ...] = ("card", "cash", "wallet", "corporate")
TRIP_STATUSES: tuple[str, ...] = ("completed", "cancelled", "no_show")
DRIVER_STATUSES: tuple[str, ...] = ("active", "inactive", "suspended")
RATING_TIERS: tuple[str, ...] = ("bronze", "silver", "gold", "platinum")
POWERTRAINS: tuple[str, ...] = ("petrol", "diesel", "hybrid", "electric")
