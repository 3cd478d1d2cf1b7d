-- Per completed trip with telemetry: how the vehicle was driven between pickup and dropoff.
-- The bridge between the ride-hailing and the telemetry sources.
with

trips as (
    select * from {{ ref('fct_trips') }}
    where is_completed
),

vehicles as (
    select * from {{ ref('dim_vehicle') }}
),

minutes as (
    select * from {{ ref('fct_vehicle_telemetry_minute') }}
),

matched as (
    select
        trips.trip_id,
        trips.vehicle_key,
        trips.driver_key,
        trips.date_day,
        trips.distance_km as trip_distance_km,
        minutes.readings,
        minutes.avg_speed_kmh,
        minutes.avg_rpm,
        minutes.max_rpm,
        minutes.max_coolant_temp_c,
        minutes.distance_km,
        minutes.fuel_l,
        minutes.harsh_accelerations,
        minutes.harsh_brakings
    from trips
    inner join vehicles on trips.vehicle_key = vehicles.vehicle_key
    inner join minutes
        on
            vehicles.vehicle_id = minutes.vehicle_id
            and {{ dbt.date_trunc('minute', 'trips.pickup_at') }} <= minutes.minute_at
            and trips.dropoff_at > minutes.minute_at
),

final as (
    select
        trip_id,
        vehicle_key,
        driver_key,
        date_day,
        count(*) as telemetry_minutes,
        cast(sum(readings) as bigint) as readings,
        sum(avg_speed_kmh * readings) / sum(readings) as avg_speed_kmh,
        sum(avg_rpm * readings) / sum(readings) as avg_rpm,
        max(max_rpm) as max_rpm,
        max(max_coolant_temp_c) as max_coolant_temp_c,
        sum(distance_km) as telemetry_distance_km,
        sum(fuel_l) as fuel_l,
        cast(sum(harsh_accelerations) as bigint) as harsh_accelerations,
        cast(sum(harsh_brakings) as bigint) as harsh_brakings,
        100.0 * (sum(harsh_accelerations) + sum(harsh_brakings))
        / nullif(sum(distance_km), 0) as harsh_events_per_100km
    from matched
    group by trip_id, vehicle_key, driver_key, date_day
)

select * from final
