-- Drivers with history: one row per version (tier, status and vehicle change over time).
with

versions as (
    select * from {{ ref('int_drivers_historized') }}
),

known as (
    select
        {{ surrogate_key(['driver_id', 'valid_from']) }} as driver_key,
        driver_id,
        first_name,
        last_name,
        home_zone_id,
        vehicle_id,
        rating_tier,
        status,
        joined_at,
        valid_from,
        valid_to,
        valid_to is null as is_current
    from versions
),

unknown as (
    select
        {{ unknown_key() }} as driver_key,
        'unknown' as driver_id,
        cast(null as {{ dbt.type_string() }}) as first_name,
        cast(null as {{ dbt.type_string() }}) as last_name,
        cast(null as {{ dbt.type_string() }}) as home_zone_id,
        cast(null as {{ dbt.type_string() }}) as vehicle_id,
        'unknown' as rating_tier,
        'unknown' as status,
        cast(null as {{ dbt.type_timestamp() }}) as joined_at,
        cast('1900-01-01 00:00:00' as {{ dbt.type_timestamp() }}) as valid_from,
        cast(null as {{ dbt.type_timestamp() }}) as valid_to,
        true as is_current
),

final as (
    select * from known
    union all
    select * from unknown
)

select * from final
