-- One row per window of driving: a trip's readings within a fixed window of
-- `ml_driving_window_minutes` (readings without a trip are windowed per vehicle). The
-- simulator's driving profile is joined only as the target, never as a feature.
with

events as (
    select
        *,
        coalesce(trip_id, vehicle_id) as driving_id,
        {{ window_start('event_at', var('ml_driving_window_minutes')) }} as window_start_at
    from {{ ref('stg_telemetry__events') }}
),

labels as (
    select * from {{ ref('stg_telemetry__driving_trips') }}
),

windows as (
    select
        driving_id,
        window_start_at,
        max(trip_id) as trip_id,
        max(vehicle_id) as vehicle_id,
        max(driver_id) as driver_id,
        count(*) as readings,
        -- Literals with a decimal point are decimals on Spark: `e0` and casts keep doubles.
        {{ minutes_between('min(event_at)', 'max(event_at)') }} + 1 / 60e0 as minutes_observed,
        avg(speed_kmh) as avg_speed_kmh,
        stddev_samp(speed_kmh) as std_speed_kmh,
        {{ percentile('speed_kmh', 0.9) }} as p90_speed_kmh,
        avg(rpm) as avg_rpm,
        stddev_samp(rpm) as std_rpm,
        {{ percentile('rpm', 0.5) }} as p50_rpm,
        {{ percentile('rpm', 0.9) }} as p90_rpm,
        max(rpm) as max_rpm,
        avg(throttle_pct) as avg_throttle_pct,
        stddev_samp(throttle_pct) as std_throttle_pct,
        {{ percentile('throttle_pct', 0.9) }} as p90_throttle_pct,
        avg(brake_pct) as avg_brake_pct,
        {{ percentile('brake_pct', 0.9) }} as p90_brake_pct,
        avg(cast(brake_pct > 0 as double)) as braking_share,
        stddev_samp(acceleration_ms2) as std_acceleration_ms2,
        count(case when acceleration_ms2 >= {{ var('harsh_acceleration_ms2') }} then 1 end)
            as harsh_accelerations,
        count(case when acceleration_ms2 <= -{{ var('harsh_braking_ms2') }} then 1 end)
            as harsh_brakings,
        -- The events carry no speed limit: the share of readings above the fastest urban
        -- limit stands in for time over the limit.
        avg(cast(speed_kmh > {{ var('ml_speeding_kmh') }} as double))
            as speeding_share,
        avg(throttle_pct / 100.0 * rpm) as power_factor,
        -- Seconds from the window start keep the slope's sums small (numerically stable).
        60 * regr_slope(
            coolant_temp_c,
            {{ epoch_seconds('event_at') }} - {{ epoch_seconds('window_start_at') }}
        ) as coolant_trend_c_per_min
    from events
    group by driving_id, window_start_at
    having count(*) >= {{ var('ml_min_window_readings') }}
),

cutoff as (
    select
        {{ split_cutoff('window_start_at', var('ml_test_fraction'), 'minute') }}
            as split_cutoff_at
    from windows
),

with_cutoff as (
    select
        windows.*,
        cutoff.split_cutoff_at
    from windows
    cross join cutoff
),

final as (
    select
        {{ surrogate_key(['with_cutoff.driving_id', 'with_cutoff.window_start_at']) }}
            as window_id,
        with_cutoff.trip_id,
        with_cutoff.vehicle_id,
        with_cutoff.driver_id,
        with_cutoff.window_start_at,
        cast(with_cutoff.window_start_at as date) as date_day,
        with_cutoff.readings,
        with_cutoff.avg_speed_kmh,
        with_cutoff.std_speed_kmh,
        with_cutoff.p90_speed_kmh,
        with_cutoff.avg_rpm,
        with_cutoff.std_rpm,
        with_cutoff.p50_rpm,
        with_cutoff.p90_rpm,
        with_cutoff.max_rpm,
        with_cutoff.avg_throttle_pct,
        with_cutoff.std_throttle_pct,
        with_cutoff.p90_throttle_pct,
        with_cutoff.avg_brake_pct,
        with_cutoff.p90_brake_pct,
        with_cutoff.braking_share,
        with_cutoff.std_acceleration_ms2,
        with_cutoff.harsh_accelerations / with_cutoff.minutes_observed
            as harsh_accelerations_per_min,
        with_cutoff.harsh_brakings / with_cutoff.minutes_observed as harsh_brakings_per_min,
        with_cutoff.speeding_share,
        with_cutoff.power_factor,
        with_cutoff.coolant_trend_c_per_min,
        labels.driving_profile,
        with_cutoff.split_cutoff_at,
        {{ split_label('with_cutoff.window_start_at') }} as split
    from with_cutoff
    left join labels on with_cutoff.trip_id = labels.trip_id
)

select * from final
