-- Facts whose dimension member is unknown (key -1), counted per fact and key. A few are
-- accepted (a trip may name a driver the register lost); the test fails when more
-- than 1 % of a fact's rows point at an unknown member.
{{ config(severity='error', error_if='>0', warn_if='>0') }}

with

trips as (
    select * from {{ ref('fct_trips') }}
),

minutes as (
    select * from {{ ref('fct_vehicle_telemetry_minute') }}
),

counts as (
    {% for key in ['pickup_zone_key', 'dropoff_zone_key', 'driver_key', 'rider_key',
                   'vehicle_key'] %}
        select
            'fct_trips' as fact,
            '{{ key }}' as dimension_key,
            count(case when {{ key }} = {{ unknown_key() }} then 1 end) as unknown_rows,
            count(*) as fact_rows
        from trips
        union all
    {% endfor %}
    select
        'fct_vehicle_telemetry_minute' as fact,
        'vehicle_key' as dimension_key,
        count(case when vehicle_key = {{ unknown_key() }} then 1 end) as unknown_rows,
        count(*) as fact_rows
    from minutes
)

select * from counts
where unknown_rows > 0.01 * fact_rows
