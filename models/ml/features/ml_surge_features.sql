-- One row per zone and hour with requests: the market at that hour (requests, active drivers,
-- their ratio), the hour before (requests, cancellations), the calendar and the zone; the
-- target is the hour's average surge multiplier.
with

demand as (
    select
        *,
        lag(requests) over zone_hours as requests_prev_hour,
        lag(cancellations) over zone_hours as cancellations_prev_hour
    from {{ ref('agg_zone_hourly_demand') }}
    window zone_hours as (partition by zone_key order by hour_at)
),

zones as (
    select * from {{ ref('dim_zone') }}
),

days as (
    select * from {{ ref('dim_date') }}
),

requested as (
    select * from demand
    where requests > 0
),

cutoff as (
    select {{ split_cutoff('hour_at', var('ml_test_fraction')) }} as split_cutoff_at
    from requested
),

with_cutoff as (
    select
        requested.*,
        cutoff.split_cutoff_at
    from requested
    cross join cutoff
),

final as (
    select
        with_cutoff.zone_key,
        with_cutoff.zone_id,
        with_cutoff.hour_at,
        with_cutoff.date_day,
        with_cutoff.requests,
        with_cutoff.active_drivers,
        with_cutoff.demand_supply_ratio,
        with_cutoff.requests_prev_hour,
        with_cutoff.cancellations_prev_hour,
        with_cutoff.hour_of_day,
        {{ day_of_week('with_cutoff.hour_at') }} as day_of_week,
        {{ day_of_week('with_cutoff.hour_at') }} >= 6 as is_weekend,
        days.is_holiday,
        zones.area_km2 as zone_area_km2,
        zones.centroid_lat as zone_centroid_lat,
        zones.centroid_lon as zone_centroid_lon,
        with_cutoff.avg_surge_multiplier as surge_multiplier,
        with_cutoff.split_cutoff_at,
        {{ split_label('with_cutoff.hour_at') }} as split
    from with_cutoff
    inner join zones on with_cutoff.zone_key = zones.zone_key
    inner join days on with_cutoff.date_day = days.date_day
)

select * from final
