-- One row per telemetry event: typed, UTC, each event_id once, physically plausible.
with

versions as (
    select * from {{ ref('stg_telemetry__event_versions') }}
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
    from versions
    where not is_superseded and rejection_reason is null
)

select * from final
