-- One row per vehicle: the newest delivered version, when it passes every rule.
with

validated as (
    select * from {{ ref('base_mobility__vehicles_validated') }}
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
    from validated
    where not is_superseded and rejection_reason is null
)

select * from final
