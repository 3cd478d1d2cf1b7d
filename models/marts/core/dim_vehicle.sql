-- Vehicles, with the engine parameters the telemetry simulator uses for their powertrain.
with

vehicles as (
    select * from {{ ref('stg_mobility__vehicles') }}
),

engines as (
    select * from {{ ref('engine_parameters') }}
),

known as (
    select
        {{ surrogate_key(['vehicles.vehicle_id']) }} as vehicle_key,
        vehicles.vehicle_id,
        vehicles.make,
        vehicles.model_name,
        vehicles.powertrain,
        vehicles.model_year,
        vehicles.seats,
        engines.mass_kg,
        engines.idle_rpm,
        engines.redline_rpm,
        engines.peak_torque_nm,
        engines.peak_torque_rpm,
        engines.final_drive,
        engines.gear_count
    from vehicles
    left join engines on vehicles.powertrain = engines.powertrain
),

unknown as (
    select
        {{ unknown_key() }} as vehicle_key,
        'unknown' as vehicle_id,
        cast(null as {{ dbt.type_string() }}) as make,
        cast(null as {{ dbt.type_string() }}) as model_name,
        'unknown' as powertrain,
        cast(null as integer) as model_year,
        cast(null as integer) as seats,
        cast(null as double) as mass_kg,
        cast(null as integer) as idle_rpm,
        cast(null as integer) as redline_rpm,
        cast(null as double) as peak_torque_nm,
        cast(null as integer) as peak_torque_rpm,
        cast(null as double) as final_drive,
        cast(null as integer) as gear_count
),

final as (
    select * from known
    union all
    select * from unknown
)

select * from final
