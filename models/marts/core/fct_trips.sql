-- One row per trip request, with keys to every dimension (unknown members when unmatched).
{{ config(
    materialized='incremental', incremental_strategy=upsert_strategy(),
    unique_key='trip_id', on_schema_change='fail',
    post_hook="{{ remove_rows_gone_from(ref('stg_mobility__trips'), 'trip_id') }}"
) }}

with

trips as (
    select * from {{ ref('stg_mobility__trips') }}
    where {{ arrived_since_last_run('_ingested_at') }}
),

drivers as (
    select * from {{ ref('dim_driver') }}
),

zones as (
    select * from {{ ref('dim_zone') }}
),

riders as (
    select * from {{ ref('dim_rider') }}
),

vehicles as (
    select * from {{ ref('dim_vehicle') }}
),

measured as (
    select
        *,
        {{ minutes_between('requested_at', 'pickup_at') }} as wait_min
    from trips
),

final as (
    select
        -- keys
        measured.trip_id,
        cast(measured.requested_at as date) as date_day,
        coalesce(pickup_zones.zone_key, {{ unknown_key() }}) as pickup_zone_key,
        coalesce(dropoff_zones.zone_key, {{ unknown_key() }}) as dropoff_zone_key,
        coalesce(drivers.driver_key, {{ unknown_key() }}) as driver_key,
        coalesce(riders.rider_key, {{ unknown_key() }}) as rider_key,
        coalesce(vehicles.vehicle_key, {{ unknown_key() }}) as vehicle_key,

        -- timestamps (UTC)
        measured.requested_at,
        measured.pickup_at,
        measured.dropoff_at,

        -- measures
        measured.wait_min,
        measured.duration_min,
        measured.distance_km,
        measured.base_fare,
        measured.surge_multiplier,
        measured.tip,
        measured.total_fare,
        measured.rating,

        -- attributes and flags
        measured.payment_type,
        measured.status,
        measured.status = 'completed' as is_completed,
        measured.status = 'cancelled' as is_cancelled,
        measured.status = 'no_show' as is_no_show,
        measured.surge_multiplier > 1 as is_surged,

        -- lineage
        measured._ingested_at as last_ingested_at
    from measured
    left join zones as pickup_zones on measured.pickup_zone_id = pickup_zones.zone_id
    left join zones as dropoff_zones on measured.dropoff_zone_id = dropoff_zones.zone_id
    left join riders on measured.rider_id = riders.rider_id
    left join vehicles on measured.vehicle_id = vehicles.vehicle_id
    left join drivers
        on
            measured.driver_id = drivers.driver_id
            and measured.requested_at >= drivers.valid_from
            -- No OR here: "valid_to is null or ..." turns this into a nested-loop join.
            and measured.requested_at
            < coalesce(drivers.valid_to, cast('9999-12-31 00:00:00' as {{ dbt.type_timestamp() }}))
)

select * from final
