-- One row per rider: the newest delivered version, when it passes every rule.
with

versions as (
    select * from {{ ref('stg_mobility__rider_versions') }}
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
    from versions
    where not is_superseded and rejection_reason is null
)

select * from final
