-- One row per zone and forecast hour (`hour_at`): what was known an hour before it (lags and
-- rolling means of requests, the calendar), the requests that came (the target; null until that
-- hour has data) and the seasonal-naive baseline (the same hour a week earlier). The model reads
-- the lags relative to the zone's level, `requests_mean_168h` (ml/forecasting.py).
-- Hours with less than a week of history are left out.
with

demand as (
    select * from {{ ref('agg_zone_hourly_demand') }}
),

days as (
    select * from {{ ref('dim_date') }}
),

-- Each row looks from its hour to the next one: the forecast hour.
history as (
    select
        zone_key,
        zone_id,
        {{ dbt.dateadd('hour', 1, 'hour_at') }} as hour_at,
        requests as requests_lag_1h,
        lag(requests, 23) over zone_hours as requests_lag_24h,
        lag(requests, 167) over zone_hours as requests_lag_168h,
        avg(requests) over (
            partition by zone_key order by hour_at rows between 23 preceding and current row
        ) as requests_mean_24h,
        avg(requests) over (
            partition by zone_key order by hour_at rows between 167 preceding and current row
        ) as requests_mean_168h,
        lead(requests, 1) over zone_hours as requests,
        count(*) over (
            partition by zone_key order by hour_at rows between 167 preceding and current row
        ) as history_hours
    from demand
    window zone_hours as (partition by zone_key order by hour_at)
),

forecastable as (
    select * from history
    where history_hours = 168
),

cutoff as (
    select {{ split_cutoff('hour_at', var('ml_test_fraction')) }} as split_cutoff_at
    from forecastable
),

with_cutoff as (
    select
        forecastable.*,
        cutoff.split_cutoff_at
    from forecastable
    cross join cutoff
),

final as (
    select
        with_cutoff.zone_key,
        with_cutoff.zone_id,
        with_cutoff.hour_at,
        cast(with_cutoff.hour_at as date) as date_day,
        with_cutoff.requests_lag_1h,
        with_cutoff.requests_lag_24h,
        with_cutoff.requests_lag_168h,
        with_cutoff.requests_mean_24h,
        with_cutoff.requests_mean_168h,
        extract(hour from with_cutoff.hour_at) as hour_of_day,
        {{ day_of_week('with_cutoff.hour_at') }} as day_of_week,
        {{ day_of_week('with_cutoff.hour_at') }} >= 6 as is_weekend,
        coalesce(days.is_holiday, false) as is_holiday,
        with_cutoff.requests,
        with_cutoff.requests_lag_168h as baseline_requests,
        with_cutoff.split_cutoff_at,
        {{ split_label('with_cutoff.hour_at') }} as split
    from with_cutoff
    left join days on cast(with_cutoff.hour_at as date) = days.date_day
)

select * from final
