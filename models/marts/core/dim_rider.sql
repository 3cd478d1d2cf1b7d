-- Riders.
with

riders as (
    select * from {{ ref('stg_mobility__riders') }}
),

known as (
    select
        {{ surrogate_key(['rider_id']) }} as rider_key,
        rider_id,
        first_name,
        last_name,
        email,
        home_zone_id,
        signup_at
    from riders
),

unknown as (
    select
        {{ unknown_key() }} as rider_key,
        'unknown' as rider_id,
        cast(null as {{ dbt.type_string() }}) as first_name,
        cast(null as {{ dbt.type_string() }}) as last_name,
        cast(null as {{ dbt.type_string() }}) as email,
        cast(null as {{ dbt.type_string() }}) as home_zone_id,
        cast(null as {{ dbt.type_timestamp() }}) as signup_at
),

final as (
    select * from known
    union all
    select * from unknown
)

select * from final
