-- Every delivered vehicle version, typed, ranked newest first, with the first rule it breaks.
with

vehicles as (
    select * from {{ ref('base_mobility__vehicles') }}
    where {{ unvalidated_batches() }}
),

typed as (
    select
        {{ clean_key('vehicle_id') }} as vehicle_id,
        trim(make) as make,
        trim(model) as model_name,
        lower(trim(powertrain)) as powertrain,
        try_cast(model_year as integer) as model_year,
        try_cast(seats as integer) as seats,
        {{ audit_columns() }},
        {{ bronze_row_id(['_source_line']) }} as _row_id
    from vehicles
),

checked as (
    select
        *,
        case
            when vehicle_id is null then 'missing_vehicle_id'
            when make is null or model_name is null or powertrain is null
                then 'missing_required_field'
            when powertrain not in ('petrol', 'diesel', 'hybrid', 'electric')
                then 'invalid_powertrain'
            when model_year not between 1990 and 2100 then 'invalid_model_year'
        end as rejection_reason
    from typed
),

final as (
    {{ flag_superseded('checked', 'vehicle_id') }}
)

select * from final
