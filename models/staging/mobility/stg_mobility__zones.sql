-- One row per zone: the newest delivered version, when it passes every rule.
with

validated as (
    select * from {{ ref('base_mobility__zones_validated') }}
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
    from validated
    where not is_superseded and rejection_reason is null
)

select * from final
