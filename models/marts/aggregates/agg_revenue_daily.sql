-- Revenue per day, pickup zone and payment type; sums back exactly to fct_trips.
with

trips as (
    select * from {{ ref('fct_trips') }}
),

zones as (
    select * from {{ ref('dim_zone') }}
),

final as (
    select
        {{ surrogate_key(['trips.date_day', 'trips.pickup_zone_key', 'trips.payment_type']) }}
            as revenue_day_id,
        trips.date_day,
        trips.pickup_zone_key as zone_key,
        zones.zone_id,
        trips.payment_type,
        count(*) as trips,
        count(case when trips.is_completed then 1 end) as completed_trips,
        -- Sums of money as decimal(38, 2) on every engine (Spark widens precision by 10).
        cast(sum(trips.base_fare) as decimal(38, 2)) as base_fare,
        cast(sum(trips.tip) as decimal(38, 2)) as tips,
        cast(sum(trips.total_fare) as decimal(38, 2)) as revenue,
        cast(
            sum(case when trips.is_surged then trips.total_fare - trips.tip else 0 end)
            as decimal(38, 2)
        ) as surged_fares
    from trips
    left join zones on trips.pickup_zone_key = zones.zone_key
    group by trips.date_day, trips.pickup_zone_key, zones.zone_id, trips.payment_type
)

select * from final
