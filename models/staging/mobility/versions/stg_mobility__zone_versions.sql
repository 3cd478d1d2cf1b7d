-- Every delivered zone version, typed, ranked newest first, with the first rule it breaks.
with

zones as (
    select * from {{ ref('base_mobility__zones') }}
    where {{ unvalidated_batches() }}
),

typed as (
    select
        {{ clean_key('zone_id') }} as zone_id,
        trim(zone_name) as zone_name,
        trim(borough) as borough,
        try_cast(area_km2 as double) as area_km2,
        try_cast(centroid_lat as double) as centroid_lat,
        try_cast(centroid_lon as double) as centroid_lon,
        {{ audit_columns() }},
        {{ bronze_row_id(['_source_line']) }} as _row_id
    from zones
),

checked as (
    select
        *,
        case
            when zone_id is null then 'missing_zone_id'
            when zone_name is null or centroid_lat is null or centroid_lon is null
                then 'missing_required_field'
            when centroid_lat not between -90 and 90 or centroid_lon not between -180 and 180
                then 'invalid_coordinates'
            when area_km2 <= 0 then 'invalid_area'
        end as rejection_reason
    from typed
),

final as (
    {{ flag_superseded('checked', 'zone_id') }}
)

select * from final
