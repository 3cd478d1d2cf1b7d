-- Per driver and day: trips, time online, utilisation, earnings, rating, harsh driving.
with

trips as (
    select * from {{ ref('fct_trips') }}
),

drivers as (
    select * from {{ ref('dim_driver') }}
),

telemetry as (
    select * from {{ ref('fct_vehicle_telemetry_minute') }}
),

trip_days as (
    select
        drivers.driver_id,
        trips.date_day,
        count(*) as trips,
        count(case when trips.is_completed then 1 end) as completed_trips,
        -- Online from the first request to the last dropoff of the day (a proxy).
        cast({{ dbt.datediff(
            'min(trips.requested_at)',
            'max(coalesce(trips.dropoff_at, trips.requested_at))',
            'second'
        ) }} as double) / 3600 as online_hours,
        sum(case when trips.is_completed then trips.duration_min else 0 end) / 60.0
            as driving_hours,
        cast(sum(trips.total_fare) as decimal(38, 2)) as earnings,
        avg(trips.rating) as avg_rating
    from trips
    inner join drivers on trips.driver_key = drivers.driver_key
    where drivers.driver_id != 'unknown'
    group by drivers.driver_id, trips.date_day
),

telemetry_days as (
    select
        driver_id,
        date_day,
        sum(distance_km) as telemetry_km,
        cast(sum(harsh_accelerations + harsh_brakings) as bigint) as harsh_events
    from telemetry
    group by driver_id, date_day
),

final as (
    select
        {{ surrogate_key(['trip_days.driver_id', 'trip_days.date_day']) }} as driver_day_id,
        trip_days.*,
        trip_days.driving_hours / nullif(trip_days.online_hours, 0) as utilization,
        telemetry_days.telemetry_km,
        100.0 * telemetry_days.harsh_events
        / nullif(telemetry_days.telemetry_km, 0) as harsh_events_per_100km
    from trip_days
    left join telemetry_days
        on
            trip_days.driver_id = telemetry_days.driver_id
            and trip_days.date_day = telemetry_days.date_day
)

select * from final
