-- One row per vehicle per minute of telemetry. Incremental: the minutes that received new
-- (or late) readings are recomputed from all their readings and replace the old rows.
{{ config(
    materialized='incremental', incremental_strategy=upsert_strategy(),
    unique_key='vehicle_minute_id', on_schema_change='fail'
) }}

with

events as (
    select
        *,
        {{ dbt.date_trunc('minute', 'event_at') }} as minute_at
    from {{ ref('stg_telemetry__events') }}
),

touched_minutes as (
    select distinct
        vehicle_id,
        minute_at
    from events
    where {{ arrived_since_last_run('_ingested_at') }}
),

readings as (
    select
        events.*,
        {{ rpm_band('events.rpm') }} as rpm_band
    from events
    inner join touched_minutes
        on
            events.vehicle_id = touched_minutes.vehicle_id
            and events.minute_at = touched_minutes.minute_at
),

vehicles as (
    select * from {{ ref('dim_vehicle') }}
),

per_minute as (
    select
        vehicle_id,
        minute_at,
        max(driver_id) as driver_id,
        count(*) as readings,
        avg(rpm) as avg_rpm,
        max(rpm) as max_rpm,
        avg(coolant_temp_c) as avg_coolant_temp_c,
        max(coolant_temp_c) as max_coolant_temp_c,
        -- A working sensor's readings vary within a minute; zero means it reported one value.
        max(coolant_temp_c) - min(coolant_temp_c) as coolant_temp_range_c,
        avg(speed_kmh) as avg_speed_kmh,
        max(odometer_km) - min(odometer_km) as distance_km,
        avg(fuel_rate_lph) / 60.0 as fuel_l,
        count(case when acceleration_ms2 >= {{ var('harsh_acceleration_ms2') }} then 1 end)
            as harsh_accelerations,
        count(case when acceleration_ms2 <= -{{ var('harsh_braking_ms2') }} then 1 end)
            as harsh_brakings,
        -- Seconds of the minute in each RPM band, from the share of readings in it.
        {% for band in ['lt_1500', '1500_3000', '3000_4500', '4500_6000', 'ge_6000'] %}
            cast(60 * count(case when rpm_band = '{{ band }}' then 1 end) as double)
            / nullif(count(rpm), 0) as seconds_rpm_{{ band }},
        {% endfor %}
        count(dtc) as dtc_count,
        max(_ingested_at) as last_ingested_at
    from readings
    group by vehicle_id, minute_at
),

final as (
    select
        {{ surrogate_key(['per_minute.vehicle_id', 'per_minute.minute_at']) }}
            as vehicle_minute_id,
        coalesce(vehicles.vehicle_key, {{ unknown_key() }}) as vehicle_key,
        cast(per_minute.minute_at as date) as date_day,
        per_minute.*
    from per_minute
    left join vehicles on per_minute.vehicle_id = vehicles.vehicle_id
)

select * from final
