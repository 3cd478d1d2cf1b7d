-- One row per telemetry event: typed, UTC, each event_id once, physically plausible.
with

validated as (
    select * from {{ ref('base_telemetry__events_validated') }}
),

final as (
    select
        -- ids
        event_id,
        vehicle_id,
        driver_id,
        trip_id,

        -- timestamps (UTC)
        event_at,

        -- readings
        speed_kmh,
        rpm,
        gear,
        throttle_pct,
        brake_pct,
        acceleration_ms2,
        coolant_temp_c,
        fuel_rate_lph,
        odometer_km,
        lat,
        lon,
        heading_deg,
        dtc,

        -- flags
        is_late,
        has_missing_reading,

        -- delivery
        kafka_partition,
        kafka_offset,
        _ingested_at,
        _batch_id
    from validated
    where not is_superseded and rejection_reason is null
)

select * from final
