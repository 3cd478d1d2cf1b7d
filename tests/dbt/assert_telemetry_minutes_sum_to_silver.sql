-- Every Silver telemetry reading is counted in exactly one vehicle minute.
with

silver as (
    select count(*) as readings from {{ ref('stg_telemetry__events') }}
),

gold as (
    select coalesce(sum(readings), 0) as readings
    from {{ ref('fct_vehicle_telemetry_minute') }}
),

final as (
    select
        silver.readings as silver_readings,
        gold.readings as gold_readings
    from silver
    cross join gold
)

select * from final
where silver_readings != gold_readings
