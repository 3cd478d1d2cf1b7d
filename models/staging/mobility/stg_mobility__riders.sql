-- One row per rider: the newest delivered version, when it passes every rule.
with

validated as (
    select * from {{ ref('base_mobility__riders_validated') }}
),

final as (
    select
        rider_id,
        first_name,
        last_name,
        email,
        home_zone_id,
        signup_at,
        {{ audit_columns() }}
    from validated
    where not is_superseded and rejection_reason is null
)

select * from final
