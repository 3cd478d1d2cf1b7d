-- Demand and supply per pickup zone and hour. Every zone has a row for every hour of every
-- day from the first to the last day of trip requests, with zeros where nobody asked for a
-- ride: forecasting needs those hours (days with only telemetry are not demand days).
with

trips as (
    select * from {{ ref('fct_trips') }}
),

zones as (
    select * from {{ ref('dim_zone') }}
    where zone_key != {{ unknown_key() }}
),

request_days as (
    select
        min(date_day) as first_day,
        max(date_day) as last_day
    from trips
),

days as (
    select dates.*
    from {{ ref('dim_date') }} as dates
    inner join request_days
        on dates.date_day between request_days.first_day and request_days.last_day
),

hours_of_day as (
    {{ dbt_utils.generate_series(24) }}
),

spine as (
    select
        zones.zone_key,
        zones.zone_id,
        {{ dbt.dateadd(
            'hour', 'hours_of_day.generated_number - 1', 'cast(days.date_day as timestamp)'
        ) }} as hour_at
    from zones
    cross join days
    cross join hours_of_day
),

-- Drivers working a zone in an hour: they picked a rider up there or dropped one off there.
zone_drivers as (
    select
        pickup_zone_key as zone_key,
        {{ dbt.date_trunc('hour', 'pickup_at') }} as hour_at,
        driver_key
    from trips
    where pickup_at is not null
    union all
    select
        dropoff_zone_key as zone_key,
        {{ dbt.date_trunc('hour', 'dropoff_at') }} as hour_at,
        driver_key
    from trips
    where dropoff_at is not null
),

supply as (
    select
        zone_key,
        hour_at,
        count(distinct driver_key) as active_drivers
    from zone_drivers
    group by zone_key, hour_at
),

per_hour as (
    select
        pickup_zone_key as zone_key,
        {{ dbt.date_trunc('hour', 'requested_at') }} as hour_at,
        count(*) as requests,
        count(case when is_completed then 1 end) as completions,
        count(case when is_cancelled then 1 end) as cancellations,
        count(case when is_no_show then 1 end) as no_shows,
        {{ percentile('wait_min', 0.5) }} as median_wait_min,
        {{ percentile('wait_min', 0.9) }} as p90_wait_min,
        avg(cast(surge_multiplier as double)) as avg_surge_multiplier  -- Spark: not decimal(8,6)
    from trips
    group by pickup_zone_key, {{ dbt.date_trunc('hour', 'requested_at') }}
),

final as (
    select
        {{ surrogate_key(['spine.zone_key', 'spine.hour_at']) }} as zone_hour_id,
        spine.zone_key,
        spine.zone_id,
        spine.hour_at,
        cast(spine.hour_at as date) as date_day,
        cast(extract(hour from spine.hour_at) as bigint) as hour_of_day,
        coalesce(per_hour.requests, 0) as requests,
        coalesce(per_hour.completions, 0) as completions,
        coalesce(per_hour.cancellations, 0) as cancellations,
        coalesce(per_hour.no_shows, 0) as no_shows,
        per_hour.median_wait_min,
        per_hour.p90_wait_min,
        coalesce(supply.active_drivers, 0) as active_drivers,
        cast(coalesce(per_hour.requests, 0) as double)
        / nullif(supply.active_drivers, 0) as demand_supply_ratio,
        per_hour.avg_surge_multiplier
    from spine
    left join per_hour
        on spine.zone_key = per_hour.zone_key and spine.hour_at = per_hour.hour_at
    left join supply
        on spine.zone_key = supply.zone_key and spine.hour_at = supply.hour_at
)

select * from final
