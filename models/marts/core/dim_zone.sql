-- City zones.
with

zones as (
    select * from {{ ref('stg_mobility__zones') }}
),

known as (
    select
        {{ surrogate_key(['zone_id']) }} as zone_key,
        zone_id,
        zone_name,
        borough,
        area_km2,
        centroid_lat,
        centroid_lon
    from zones
),

unknown as (
    select
        {{ unknown_key() }} as zone_key,
        'unknown' as zone_id,
        'Unknown zone' as zone_name,
        'unknown' as borough,
        cast(null as double) as area_km2,
        cast(null as double) as centroid_lat,
        cast(null as double) as centroid_lon
),

final as (
    select * from known
    union all
    select * from unknown
)

select * from final
