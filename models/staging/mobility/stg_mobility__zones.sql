-- One row per zone: the newest delivered version, when it passes every rule.
with

versions as (
    select * from {{ ref('stg_mobility__zone_versions') }}
),

final as (
    select
        zone_id,
        zone_name,
        borough,
        area_km2,
        centroid_lat,
        centroid_lon,
        {{ audit_columns() }}
    from versions
    where not is_superseded and rejection_reason is null
)

select * from final
