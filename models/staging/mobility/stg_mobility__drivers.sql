-- One row per driver: the newest delivered version, when it passes every rule.
with

versions as (
    select * from {{ ref('stg_mobility__driver_versions') }}
),

final as (
    select
        driver_id,
        first_name,
        last_name,
        home_zone_id,
        vehicle_id,
        rating_tier,
        status,
        joined_at,
        updated_at,
        {{ audit_columns() }}
    from versions
    where not is_superseded and rejection_reason is null
)

select * from final
