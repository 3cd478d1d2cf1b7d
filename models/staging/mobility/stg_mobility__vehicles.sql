-- One row per vehicle: the newest delivered version, when it passes every rule.
with

versions as (
    select * from {{ ref('stg_mobility__vehicle_versions') }}
),

final as (
    select
        vehicle_id,
        make,
        model_name,
        powertrain,
        model_year,
        seats,
        {{ audit_columns() }}
    from versions
    where not is_superseded and rejection_reason is null
)

select * from final
