-- A completed trip's total is its base fare times the surge multiplier plus the tip
-- (to the cent); a trip that breaks this would be a pricing bug upstream.
with

trips as (
    select * from {{ ref('stg_mobility__trips') }}
),

final as (
    select
        trip_id,
        base_fare,
        surge_multiplier,
        tip,
        total_fare
    from trips
    where
        status = 'completed'
        and abs(total_fare - (base_fare * surge_multiplier + tip)) > 0.011
)

select * from final
