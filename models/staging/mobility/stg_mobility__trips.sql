-- One row per trip: the newest delivered version, when it passes every rule.
with

versions as (
    select * from {{ ref('stg_mobility__trip_versions') }}
),

final as (
    select
        -- ids
        trip_id,
        rider_id,
        driver_id,
        vehicle_id,
        pickup_zone_id,
        dropoff_zone_id,

        -- timestamps (UTC)
        requested_at,
        pickup_at,
        dropoff_at,

        -- measures
        distance_km,
        duration_min,
        base_fare,
        surge_multiplier,
        tip,
        total_fare,
        rating,

        -- attributes
        payment_type,
        status,

        -- audit
        {{ audit_columns() }}
    from versions
    where not is_superseded and rejection_reason is null
)

select * from final
